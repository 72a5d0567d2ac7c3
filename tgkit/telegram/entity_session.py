"""A StringSession whose entity cache lives on disk, as a ``.session`` file's does.

Telethon remembers every user and chat it sees (id, access hash, username,
phone, name) so that later requests can name them. Its ``StringSession`` (a
``MemorySession``) keeps them as a Python set of tuples: about 200 bytes per
user, so a million-member collection holds ~200 MiB of cache beside a frame
of ~120 MiB. A login's ``.session`` file (``SQLiteSession``, what
``tgkit.telegram.session_file`` opens for real accounts) writes them to an
SQLite table instead.

``DiskEntitiesSession`` is a ``StringSession`` (same string, same auth key
and update state in memory) whose entities go to a private temporary SQLite
database: SQLite keeps at most its page cache (``CACHE_KIB``) in memory and
spills the rest to a temporary file that has no name on disk (SQLite unlinks
it at once) and disappears with the session. Lookups by id, username, phone
and name work as in ``SQLiteSession``: the newest row for an id wins, and a
username held by several ids resolves to the one seen last. The sandbox
gives every client one, so a sandbox collection pays what a real account's
session file costs, not a cache no real tgkit client keeps.

Example::

    >>> session = DiskEntitiesSession()
    >>> session.get_entity_rows_by_username("nobody") is None
    True
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from typing import Any

from telethon import utils
from telethon.sessions import StringSession
from telethon.tl.types import PeerChannel, PeerChat, PeerUser

__all__ = ["CACHE_KIB", "DiskEntitiesSession"]

#: The most memory SQLite keeps for one session's entities (its page cache), in KiB.
CACHE_KIB = 1024

_SCHEMA = (
    # Not "id integer primary key": a replaced row gets a new, higher rowid (newest last).
    "create table entities (id integer not null unique, hash integer not null,"
    " username text, phone integer, name text)",
    "create index entities_username on entities (username)",
)


class DiskEntitiesSession(StringSession):  # type: ignore[misc]  # Telethon is untyped
    """``StringSession(string)`` with the entity cache in a temporary SQLite database."""

    def __init__(self, string: str | None = None) -> None:
        super().__init__(string)
        # "" is a private temporary database: the page cache, then an unlinked file.
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db_lock = threading.Lock()
        for pragma in (f"cache_size = -{CACHE_KIB}", "journal_mode = off",
                       "synchronous = off"):
            self._db.execute(f"pragma {pragma}")
        for statement in _SCHEMA:
            self._db.execute(statement)
        weakref.finalize(self, self._db.close)

    def process_entities(self, tlo: Any) -> None:
        rows = self._entities_to_rows(tlo)
        if not rows:
            return
        with self._db_lock:
            self._db.execute("begin")
            try:
                self._db.executemany(
                    "insert or replace into entities values (?, ?, ?, ?, ?)", rows)
            finally:
                self._db.execute("commit")

    def _one(self, sql: str, *values: Any) -> tuple[int, int] | None:
        with self._db_lock:
            row = self._db.execute(sql, values).fetchone()
        return None if row is None else (row[0], row[1])

    def get_entity_rows_by_phone(self, phone: Any) -> tuple[int, int] | None:
        return self._one(
            "select id, hash from entities where phone = ? order by rowid desc", phone)

    def get_entity_rows_by_username(self, username: str) -> tuple[int, int] | None:
        return self._one(
            "select id, hash from entities where username = ? order by rowid desc", username)

    def get_entity_rows_by_name(self, name: str) -> tuple[int, int] | None:
        return self._one(
            "select id, hash from entities where name = ? order by rowid desc", name)

    def get_entity_rows_by_id(self, id: int, exact: bool = True) -> tuple[int, int] | None:
        if exact:
            return self._one("select id, hash from entities where id = ?", id)
        return self._one(
            "select id, hash from entities where id in (?, ?, ?)",
            utils.get_peer_id(PeerUser(id)),
            utils.get_peer_id(PeerChat(id)),
            utils.get_peer_id(PeerChannel(id)),
        )

    def entity_count(self) -> int:
        """How many entities the cache holds (one row per id)."""
        with self._db_lock:
            return int(self._db.execute("select count(*) from entities").fetchone()[0])
