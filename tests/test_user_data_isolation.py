"""The test suite writes nothing into the user's own tgkit folders.

A developer who runs the tests on the machine where they collect data must not
find test sessions, test rows or a test provenance key in their real store.
"""

from __future__ import annotations

import os
from pathlib import Path

from tgkit.credentials import default_session_dir
from tgkit.store import DEFAULT_STORE_PATH, default_store_path


def test_default_store_and_sessions_are_outside_the_users_home_data() -> None:
    home_data = Path.home() / ".local" / "share" / "tgkit"
    data_home = Path(os.environ["XDG_DATA_HOME"])
    assert data_home.is_absolute()
    for path in (DEFAULT_STORE_PATH, default_store_path(), Path(default_session_dir())):
        assert data_home in path.parents, path
        assert home_data not in (path, *path.parents), path


def test_config_is_read_from_a_throwaway_folder() -> None:
    config_home = Path(os.environ["XDG_CONFIG_HOME"])
    assert config_home != Path.home() / ".config"
    assert not (config_home / "tgkit" / "config.toml").exists()
