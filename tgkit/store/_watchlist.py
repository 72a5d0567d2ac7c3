"""Watchlists: the chats a study tracks, kept in the store as resolved ids.

A watchlist is a named list of chats. Each entry holds the chat's marked id
(``-100…``), its kind, username and title as last seen, the earliest date the
first round collects (``since``, None for the whole history), and where
tracking stands: the ``round`` a chat is in and the newest message id
collected (``last_message_id``). The id, not the username, is the key, so a
renamed channel stays tracked; the username is only a fallback for an account
whose entity cache has not seen the chat yet. ``what`` says what a round
takes of the chat (``WHAT``: its new ``messages``, the refreshed ``counters``
of recent posts, its ``chat_info``), and ``info_at`` when its info was last
taken. Adding a chat again sets its ``what`` and keeps where it stands.

Entries are added already resolved (``tgkit.tracking.watch`` resolves them
through the session's entity cache first). A run holds the watchlist's lock:
the store's per-collection ``flock`` (``Owners``), on a negative id no
collection uses, so a second run (in any process) is refused at once and a
killed run's hold ends with its process.

>>> wl = Watchlist(store, "study")  # doctest: +SKIP
>>> wl.frame()  # doctest: +SKIP
"""

from __future__ import annotations

import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from tgkit.store._records import CollectionInUse

__all__ = [
    "WATCHLIST_COLUMNS", "WHAT", "WatchEntry", "Watchlist", "check_watchlist_name", "check_what",
]

_TABLE = """
CREATE TABLE IF NOT EXISTS watchlist (
    name             TEXT NOT NULL,
    chat_id          INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    username         TEXT,
    title            TEXT,
    since            REAL,
    added_at         REAL NOT NULL,
    round            INTEGER NOT NULL DEFAULT 0,
    last_message_id  INTEGER NOT NULL DEFAULT 0,
    last_run_at      REAL,
    what             TEXT,
    info_at          REAL,
    PRIMARY KEY (name, chat_id)
)
"""
#: Columns added after the first version of the table (added to an older store on write).
_ADDED = {"what": "TEXT", "info_at": "REAL"}
_COLUMNS = (
    "chat_id, kind, username, title, since, added_at, round, last_message_id, last_run_at, "
    "what, info_at"
)

#: What a round can take of a chat, in the order rounds take them.
WHAT = ("messages", "counters", "chat_info")

#: The columns of ``Watchlist.frame()``.
WATCHLIST_COLUMNS = {
    "chat_id": "Int64",
    "kind": "string",
    "username": "string",
    "title": "string",
    "since": "datetime64[ns, UTC]",
    "added_at": "datetime64[ns, UTC]",
    "round": "Int64",
    "last_message_id": "Int64",
    "last_run_at": "datetime64[ns, UTC]",
    "what": "string",  # comma-separated, from WHAT
    "info_at": "datetime64[ns, UTC]",
}


def check_what(value: Any, name: str = "what") -> tuple[str, ...]:
    """What to track of a chat: one or more of ``WHAT``, as a tuple in ``WHAT``'s order."""
    items = [value] if isinstance(value, str) else value
    try:
        chosen = set(items)
    except TypeError:
        raise TypeError(
            f"{name} must be one or more of {', '.join(WHAT)}, e.g. ('messages', "
            f"'counters'), got {value!r}"
        ) from None
    unknown = sorted(map(repr, chosen - set(WHAT)))
    if unknown or not chosen:
        raise ValueError(
            f"{name} must be one or more of {', '.join(WHAT)}; got "
            f"{', '.join(unknown) or 'nothing'}"
        )
    return tuple(item for item in WHAT if item in chosen)


def check_watchlist_name(value: Any, name: str = "watchlist") -> str:
    """A watchlist name: 1-64 letters, digits, ``-``, ``_`` or ``.``."""
    if isinstance(value, Watchlist):
        return value.name
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= 64
        or not all(c.isalnum() or c in "-_." for c in value)
    ):
        raise ValueError(
            f"{name} must be a watchlist name of 1-64 letters, digits, '-', '_' or '.', "
            f"e.g. 'study', got {value!r}"
        )
    return value


@dataclass(frozen=True, slots=True)
class WatchEntry:
    """One tracked chat and where its tracking stands."""

    chat_id: int
    kind: str
    username: str | None
    title: str | None
    since: datetime | None
    added_at: datetime
    round: int = 0
    last_message_id: int = 0
    last_run_at: datetime | None = None
    what: tuple[str, ...] = WHAT
    info_at: datetime | None = None

    @property
    def display(self) -> str:
        """How outcomes and errors name the chat: ``@username`` or its id."""
        return f"@{self.username}" if self.username else str(self.chat_id)


class Watchlist:
    """The named watchlist ``name`` of ``store`` (see the module docstring)."""

    def __init__(self, store: Any, name: str = "default") -> None:
        self.store = store
        self.name = check_watchlist_name(name)

    def __repr__(self) -> str:
        return f"Watchlist({self.name!r}, {len(self.entries())} chats)"

    def entries(self) -> list[WatchEntry]:
        """The tracked chats, in the order they were added."""
        return self.store._call(_entries, self.name)

    def entry(self, chat_id: int) -> WatchEntry | None:
        """The entry of ``chat_id`` (a marked id), or None."""
        return self.store._call(_one, self.name, chat_id)

    def save(self, entries: Iterable[WatchEntry]) -> None:
        """Add entries (resolved chats); a chat already tracked keeps where it stands."""
        self.store._call(_save, self.name, list(entries))

    def remove(self, chat_ids: Iterable[int]) -> int:
        """Stop tracking these chats (marked ids); returns how many were tracked."""
        return self.store._call(_remove, self.name, list(chat_ids))

    def remove_targets(self, targets: Iterable[Any]) -> int:
        """Stop tracking these chats (parsed targets: ids or @usernames as last seen), with no
        request; a ValueError naming those not tracked, and nothing removed then."""
        entries = self.entries()
        ids: list[int] = []
        unknown = []
        for target in targets:
            found = [e.chat_id for e in entries if _matches(e, target)]
            (ids.extend(found) if found else unknown.append(target.display))
        if unknown:
            raise ValueError(
                f"not in the watchlist {self.name!r}: {', '.join(unknown)} (its frame, or "
                "`tgkit track list`, shows what is)"
            )
        return self.remove(ids)

    def advance(self, chat_id: int, round: int, last_message_id: int) -> None:
        """A chat's round ``round`` is done and exported: the next round starts after it."""
        self.store._call(_advance, self.name, chat_id, round, last_message_id)

    def took_info(self, chat_ids: Iterable[int], at: datetime) -> None:
        """The info of these chats (marked ids) was taken at ``at``."""
        self.store._call(_took_info, self.name, list(chat_ids), at.timestamp())

    def frame(self) -> pd.DataFrame:
        """The watchlist as a DataFrame (``WATCHLIST_COLUMNS``)."""
        rows = [
            {k: ",".join(e.what) if k == "what" else getattr(e, k) for k in WATCHLIST_COLUMNS}
            for e in self.entries()
        ]
        frame = pd.DataFrame(rows, columns=list(WATCHLIST_COLUMNS))
        for column, dtype in WATCHLIST_COLUMNS.items():
            if dtype.startswith("datetime"):
                frame[column] = pd.to_datetime(frame[column], utc=True)
            else:
                frame[column] = frame[column].astype(dtype)
        frame.attrs = {"watchlist": self.name}
        return frame

    @contextmanager
    def running(self) -> Iterator[None]:
        """Hold the watchlist for one run; ``CollectionInUse`` if another run holds it."""
        owners = self.store._owners
        key = -(zlib.crc32(self.name.encode()) + 1)
        holder = owners.take(key)
        if holder is not None:
            who = f"process {holder}" if holder else "another process"
            raise CollectionInUse(
                f"The watchlist {self.name!r} is being tracked right now by {who}; two runs at "
                "once would collect the same messages twice. Wait for that run to finish (a "
                "killed run releases it at once)."
            )
        try:
            yield
        finally:
            owners.release(key)


def _matches(entry: WatchEntry, target: Any) -> bool:
    if target.marked_id is not None:
        return bool(entry.chat_id == target.marked_id)
    name = getattr(target, "username", None) or target.display.lstrip("@")
    return bool(entry.username) and str(entry.username).lower() == str(name).lower()


def _table(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'watchlist'").fetchone()
    return row is not None


def _ensure(conn: sqlite3.Connection) -> None:
    """The table, with the columns added since its first version (before a write)."""
    conn.execute(_TABLE)
    present = {row[1] for row in conn.execute("PRAGMA table_info(watchlist)")}
    for column, sql_type in _ADDED.items():
        if column not in present:
            conn.execute(f"ALTER TABLE watchlist ADD COLUMN {column} {sql_type}")


def _select(conn: sqlite3.Connection) -> str:
    """The columns to read; NULL for those an older store (read only) lacks."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(watchlist)")}
    return ", ".join(
        c if c in present else f"NULL AS {c}" for c in (n.strip() for n in _COLUMNS.split(","))
    )


def _entries(conn: sqlite3.Connection, name: str) -> list[WatchEntry]:
    if not _table(conn):
        return []
    rows = conn.execute(
        f"SELECT {_select(conn)} FROM watchlist WHERE name = ? ORDER BY added_at, rowid", (name,)
    ).fetchall()
    return [_entry(row) for row in rows]


def _one(conn: sqlite3.Connection, name: str, chat_id: int) -> WatchEntry | None:
    if not _table(conn):
        return None
    row = conn.execute(
        f"SELECT {_select(conn)} FROM watchlist WHERE name = ? AND chat_id = ?", (name, chat_id)
    ).fetchone()
    return None if row is None else _entry(row)


def _entry(row: tuple[Any, ...]) -> WatchEntry:
    return WatchEntry(
        chat_id=row[0], kind=row[1], username=row[2], title=row[3], since=_time(row[4]),
        added_at=_time(row[5]) or datetime.now(UTC), round=row[6], last_message_id=row[7],
        last_run_at=_time(row[8]), what=tuple(row[9].split(",")) if row[9] else WHAT,
        info_at=_time(row[10]),
    )


def _time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _save(conn: sqlite3.Connection, name: str, entries: list[WatchEntry]) -> None:
    _ensure(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for e in entries:
            conn.execute(
                "INSERT INTO watchlist (name, chat_id, kind, username, title, since, added_at, "
                "what) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name, chat_id) DO UPDATE "
                "SET username = excluded.username, title = excluded.title, what = excluded.what",
                (name, e.chat_id, e.kind, e.username, e.title,
                 None if e.since is None else e.since.timestamp(), e.added_at.timestamp(),
                 ",".join(e.what)),
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _remove(conn: sqlite3.Connection, name: str, chat_ids: list[int]) -> int:
    if not _table(conn):
        return 0
    removed = 0
    for chat_id in chat_ids:
        removed += conn.execute(
            "DELETE FROM watchlist WHERE name = ? AND chat_id = ?", (name, chat_id)
        ).rowcount
    return removed


def _advance(
    conn: sqlite3.Connection, name: str, chat_id: int, round: int, last_message_id: int
) -> None:
    conn.execute(
        "UPDATE watchlist SET round = MAX(round, ?), "
        "last_message_id = MAX(last_message_id, ?), last_run_at = ? "
        "WHERE name = ? AND chat_id = ?",
        (round, last_message_id, time.time(), name, chat_id),
    )


def _took_info(conn: sqlite3.Connection, name: str, chat_ids: list[int], at: float) -> None:
    _ensure(conn)
    conn.executemany(
        "UPDATE watchlist SET info_at = ? WHERE name = ? AND chat_id = ?",
        [(at, name, chat_id) for chat_id in chat_ids],
    )
