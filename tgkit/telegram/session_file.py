"""A Telethon client from credentials, on a private SQLite session file used by one client.

``SessionFile(folder, name)`` is where an account's login lives:
``folder/name.session``. ``open_client(api_id, api_hash)`` creates the file
readable by its owner only (0600) *before* Telethon and SQLite open it,
refuses a file another client holds (in this process, or another process:
``SessionInUse`` naming its pid instead of SQLite's "database is locked"),
and returns the client; ``close()`` lets the file go. The hold across
processes is an OS lock on ``name.session.lock`` (``SessionLock``), kept while
the client lives and released by the OS when the process dies. A file that
is not a session (damaged, or something else) is refused naming it.

The credentials are checked first; a bad ``api_hash`` is never repeated in the
error, since it is a secret.

Example::

    file = SessionFile(Path("~/.local/share/tgkit"), "research")
    client = file.open_client(12345, os.environ["TG_API_HASH"])
    ...
    file.close()
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from telethon import TelegramClient

from tgkit.errors import SessionInUse
from tgkit.store import SessionLock, check_session_file_free
from tgkit.telegram.checks import MAX_COUNT, whole_number
from tgkit.telethon_compat import new_client

__all__ = ["SessionFile", "check_api_hash", "check_api_id", "check_session_name"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_HASH = re.compile(r"[0-9a-fA-F]{32}")
_OPEN: set[Path] = set()  # session files with a client in this process


def check_session_name(name: object) -> str:
    """``name`` if it can name a session file (no paths), else a ``ValueError``.

    >>> check_session_name("research-2024")
    'research-2024'
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            "name must be 1-64 letters, digits, '_', '-' or '.', starting with a letter "
            f"or digit (it names the session file), got {name!r}"
        )
    return name


def check_api_id(api_id: object) -> int:
    """``api_id`` as an int (ASCII digits in a string, a NumPy integer are fine; Telegram's
    api_ids are positive 32-bit numbers), else a ``ValueError``."""
    if isinstance(api_id, str):
        text = api_id.strip()
        api_id = int(text) if text.isascii() and text.isdigit() else None
    number = whole_number(api_id)
    if number is None or not 0 < number <= MAX_COUNT:
        raise ValueError(
            "api_id must be the number from https://my.telegram.org (API development tools); "
            "pass api_id and api_hash, or client=..."
        )
    return number


def check_api_hash(api_hash: object) -> str:
    """``api_hash`` if it is 32 hex digits, else a ``ValueError`` that does not repeat it."""
    if not isinstance(api_hash, str) or not _HASH.fullmatch(api_hash.strip()):
        raise ValueError(
            "api_hash must be the 32-character hex string from https://my.telegram.org; "
            "pass api_id and api_hash, or client=..."
        )
    return api_hash.strip()


class SessionFile:
    """One account's Telethon session file, held by at most one client at a time."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = (folder / f"{check_session_name(name)}.session").resolve()
        self._client: TelegramClient | None = None
        self._lock = SessionLock(self.path)
        self._holding = False

    def __repr__(self) -> str:
        return f"SessionFile({str(self.path)!r})"

    def open_client(self, api_id: int, api_hash: str, **options: Any) -> TelegramClient:
        """A client on this file; ``SessionInUse`` if another client holds it.

        ``options`` go to ``TelegramClient`` (a proxy, see ``tgkit.telegram.network``)."""
        if self._client is not None:
            return self._client
        if self.path in _OPEN:
            raise SessionInUse(
                f"the session file {self.path} is already open in this process: use the "
                "session you opened, or another session name"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock.acquire()
        try:
            check_session_file_free(self.path)
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            os.chmod(self.path, 0o600)  # an older file made with laxer rights
            self._client = new_client(str(self.path), api_id, api_hash, **options)
        except BaseException:
            self._lock.release()
            raise
        _OPEN.add(self.path)
        self._holding = True
        return self._client

    def close(self) -> None:
        """Close the client's hold on the file and let another client open it."""
        if self._client is not None and self._client.session is not None:
            self._client.session.close()
        self._client = None
        if self._holding:
            self._holding = False
            _OPEN.discard(self.path)
            self._lock.release()
