from pathlib import Path

import pytest

from tgkit.credentials import Credentials, config_file_path, default_session_dir, load_credentials

HASH = "0123456789abcdef0123456789abcdef"


def test_arguments_win_over_environment(tmp_path: Path) -> None:
    env = {"TG_API_ID": "7", "TG_API_HASH": "f" * 32, "XDG_CONFIG_HOME": str(tmp_path)}
    assert load_credentials(5, HASH, env=env) == Credentials(5, HASH)


def test_environment_then_config_file(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert load_credentials(env=env) is None
    config = config_file_path(env)
    config.parent.mkdir(parents=True)
    config.write_text(f'[telegram]\napi_id = 42\napi_hash = "{HASH}"\n')
    assert load_credentials(env=env) == Credentials(42, HASH)
    env |= {"TG_API_ID": "9", "TG_API_HASH": HASH}
    assert load_credentials(env=env) == Credentials(9, HASH)


def test_half_a_pair_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="api_hash is missing from the environment"):
        load_credentials(env={"TG_API_ID": "9", "XDG_CONFIG_HOME": str(tmp_path)})


def test_bad_hash_is_refused_without_repeating_it() -> None:
    secret = "not-a-hash-but-a-secret"
    with pytest.raises(ValueError) as info:
        Credentials(1, secret)
    assert secret not in str(info.value)


def test_repr_hides_the_hash() -> None:
    assert HASH not in repr(Credentials(1, HASH))
    assert HASH not in str(Credentials(1, HASH))


def test_bad_toml_is_a_clear_error(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    config = config_file_path(env)
    config.parent.mkdir(parents=True)
    config.write_text("[telegram\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_credentials(env=env)


def test_session_dir_follows_xdg(tmp_path: Path) -> None:
    assert default_session_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "tgkit" / "sessions"
