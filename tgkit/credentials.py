"""Where Telegram API credentials come from, and where session files live.

Credentials are looked up in this order, never from a notebook cell's source:

1. arguments (``api_id=``, ``api_hash=``),
2. the environment: ``TG_API_ID`` and ``TG_API_HASH``,
3. a config file, ``$XDG_CONFIG_HOME/tgkit/config.toml`` (``~/.config/tgkit/config.toml``)::

       [telegram]
       api_id = 123456
       api_hash = "0123456789abcdef0123456789abcdef"

       [network]                      # optional: how to reach Telegram
       proxy = "socks5://user:pass@127.0.0.1:1080"
       server = "203.0.113.5:443"     # another MTProto server…
       server_key = "~/server.pem"    # …and its public key
       test_dc = false                # or Telegram's test servers

Network settings (``proxy``, ``server``, ``server_key``, ``test_dc``; see
``tgkit.telegram.network``) come from arguments, then ``TG_PROXY`` /
``TG_SERVER`` / ``TG_SERVER_KEY`` / ``TG_TEST_DC``, then the ``[network]``
table, each setting on its own.

Example::

    creds = load_credentials()          # None when nothing is configured
    if creds is not None:
        print(creds)                    # Credentials(api_id=123456, api_hash=<hidden>)
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "NETWORK_SETTINGS",
    "Credentials",
    "config_file_path",
    "credentials_source",
    "default_session_dir",
    "load_credentials",
    "load_network_settings",
]

#: The network settings, their environment variables, as every face names them.
NETWORK_SETTINGS = {
    "proxy": "TG_PROXY",
    "server": "TG_SERVER",
    "server_key": "TG_SERVER_KEY",
    "test_dc": "TG_TEST_DC",
}

_API_HASH = re.compile(r"^[0-9a-fA-F]{32}$")


@dataclass(frozen=True, slots=True)
class Credentials:
    """An api_id and api_hash from my.telegram.org. The repr never shows the hash."""

    api_id: int
    api_hash: str = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.api_id, int) or isinstance(self.api_id, bool) or self.api_id <= 0:
            raise ValueError(
                "api_id must be the positive whole number shown at my.telegram.org "
                f"(got {type(self.api_id).__name__})"
            )
        if not isinstance(self.api_hash, str) or not _API_HASH.match(self.api_hash):
            raise ValueError(
                "api_hash must be the 32-character hexadecimal string shown at "
                "my.telegram.org (the value given is not; it is not repeated here)"
            )

    def __repr__(self) -> str:
        return f"Credentials(api_id={self.api_id}, api_hash=<hidden>)"


def config_file_path(env: Mapping[str, str] | None = None) -> Path:
    """The config file tgkit reads credentials from."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tgkit" / "config.toml"


def default_session_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where session files go unless ``session_dir`` says otherwise."""
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tgkit" / "sessions"


def load_credentials(
    api_id: int | str | None = None,
    api_hash: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> Credentials | None:
    """Find credentials in arguments, then the environment, then the config file.

    Returns None when none of the three has both values. A half-given pair
    (an api_id without an api_hash) is an error naming where it came from.
    """
    found = credentials_source(api_id, api_hash, env=env, config_path=config_path)
    return None if found is None else found[0]


def credentials_source(
    api_id: int | str | None = None,
    api_hash: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> tuple[Credentials, str] | None:
    """Like :func:`load_credentials`, with where they were found ("arguments", …)."""
    env = os.environ if env is None else env
    path = config_path or config_file_path(env)
    for source, pair in (
        ("arguments", (api_id, api_hash)),
        ("environment (TG_API_ID / TG_API_HASH)", (env.get("TG_API_ID"), env.get("TG_API_HASH"))),
        (f"config file {path}", _from_config_file(path)),
    ):
        found = _pair(source, *pair)
        if found is not None:
            return found, source
    return None


def load_network_settings(
    given: Mapping[str, object] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> dict[str, object]:
    """``proxy``/``server``/``server_key``/``test_dc``: given (not None), else the
    environment, else the config file's ``[network]`` table; absent ones are left out."""
    env = os.environ if env is None else env
    table = _config_table(config_path or config_file_path(env), "network")
    unknown = sorted(set(table) - set(NETWORK_SETTINGS))
    if unknown:
        raise ValueError(
            f"unknown setting(s) {unknown} in the config file's [network] table; "
            f"the settings are {', '.join(NETWORK_SETTINGS)}"
        )
    settings: dict[str, object] = {}
    for name, variable in NETWORK_SETTINGS.items():
        value = (given or {}).get(name)
        if value is None and env.get(variable):
            value = env[variable]
            if name == "test_dc":
                value = value.strip().lower() in ("1", "true", "yes")
        if value is None:
            value = table.get(name)
        if value is not None:
            settings[name] = value
    return settings


def _pair(source: str, api_id: object, api_hash: object) -> Credentials | None:
    if api_id in (None, "") and api_hash in (None, ""):
        return None
    if api_id in (None, "") or api_hash in (None, ""):
        missing = "api_hash" if api_id not in (None, "") else "api_id"
        raise ValueError(f"{missing} is missing from the {source}; give both api_id and api_hash")
    try:
        number = int(str(api_id))
    except ValueError:
        raise ValueError(f"api_id from the {source} is not a whole number") from None
    return Credentials(number, str(api_hash))


def _from_config_file(path: Path) -> tuple[object, object]:
    section = _config_table(path, "telegram")
    return section.get("api_id"), section.get("api_hash")


def _config_table(path: Path, name: str) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from None
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [{name}] must be a table")
    return table
