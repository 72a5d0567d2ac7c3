"""Telling a researcher that a Telethon session file is in use, before Telethon
says ``database is locked``."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from tgkit.errors import SessionInUse


def session_in_use_error(path: str | os.PathLike[str]) -> SessionInUse:
    """The error to raise when another process or client holds the session file ``path``."""
    return SessionInUse(
        f"The Telegram session file {Path(path)} is in use by another process or client "
        "(another notebook, script or kernel). Close that notebook or process first, or "
        "use another session name here: one session file serves one client at a time."
    )


def check_session_file_free(path: str | os.PathLike[str], *, timeout: float = 0.1) -> None:
    """Raise :class:`tgkit.errors.SessionInUse` if another process holds a write lock on
    the Telethon SQLite session file ``path``; return quietly if it is free or absent.

    Probes with ``BEGIN IMMEDIATE`` (given up after ``timeout`` seconds) and
    rolls back at once, so it changes nothing. Also finds ``path + ".session"``,
    as Telethon does.

    >>> check_session_file_free("/nonexistent/research.session")  # absent: free
    """
    file = Path(path).expanduser()
    if not file.exists() and file.suffix != ".session":
        file = file.with_name(file.name + ".session")
    if not file.exists():
        return
    uri = file.resolve().as_uri() + "?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    except sqlite3.OperationalError:
        return  # unreadable here: Telethon will report it in its own words
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise session_in_use_error(file) from exc
        raise
    finally:
        conn.close()
