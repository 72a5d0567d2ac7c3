"""Where Telegram API credentials come from, and where session files live.

Credentials are looked up in this order, never from a notebook cell's source:

1. arguments (``api_id=``, ``api_hash=``),
2. the environment: ``TG_API_ID`` and ``TG_API_HASH``,
3. a config file, ``$XDG_CONFIG_HOME/tgkit/config.toml`` (``~/.config/tgkit/config.toml``)::

       [telegram]
       api_id = 123456
       api_hash = "0123456789abcdef0123456789abcdef"

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

__all__ = ["Credentials", "config_file_path", "default_session_dir", "load_credentials"]

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
    env = os.environ if env is None else env
    for source, pair in (
        ("arguments", (api_id, api_hash)),
        ("environment (TG_API_ID / TG_API_HASH)", (env.get("TG_API_ID"), env.get("TG_API_HASH"))),
        ("config file", _from_config_file(config_path or config_file_path(env))),
    ):
        found = _pair(source, *pair)
        if found is not None:
            return found
    return None


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
    if not path.is_file():
        return None, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from None
    section = data.get("telegram", {})
    return section.get("api_id"), section.get("api_hash")
