"""Where the store lives by default, and creating its file privately."""

from __future__ import annotations

import os
from pathlib import Path

STORE_FILE_NAME = "tgkit.db"


def default_store_path(session_dir: str | os.PathLike[str] | None = None) -> Path:
    """The store file a session uses unless told otherwise.

    ``session_dir/tgkit.db`` when a session directory is given, else
    ``$XDG_DATA_HOME/tgkit/tgkit.db`` (``~/.local/share/tgkit/tgkit.db``).

    >>> default_store_path("/data/sessions")
    PosixPath('/data/sessions/tgkit.db')
    """
    if session_dir is not None:
        return Path(session_dir).expanduser() / STORE_FILE_NAME
    xdg = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec says relative values are invalid and must be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "tgkit" / STORE_FILE_NAME


DEFAULT_STORE_PATH = default_store_path()


def create_private_file(path: Path) -> None:
    """Make ``path`` (and its parent folders) if missing, readable by its owner only.

    SQLite gives its ``-wal`` and ``-shm`` files the main file's mode, so they
    are private too.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
