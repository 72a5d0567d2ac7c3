"""Opening the SQLite file: pragmas, the schema and its version, error wording."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tgkit.store._records import StoreError
from tgkit.store._upgrade import upgrade

SCHEMA_VERSION = 3
#: Schemas this tgkit reads as they are (read_only=True): 3 only adds pages stored as
#: pickle bytes (see _plain) beside schema 2's JSON ones.
READABLE_VERSIONS = (2, 3)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tgkit_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS collections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account     TEXT NOT NULL,
    target      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    params      TEXT NOT NULL,
    status      TEXT NOT NULL,
    checkpoint  TEXT NOT NULL DEFAULT '{}',
    rows        INTEGER NOT NULL DEFAULT 0,
    attrs       TEXT NOT NULL DEFAULT '{}',
    error       TEXT,
    owner_pid   INTEGER,
    owner_host  TEXT,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS collections_by_key
    ON collections (account, target, kind, params, id);
CREATE TABLE IF NOT EXISTS pages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,  -- only grows: see _items.KnownItems
    collection_id  INTEGER NOT NULL REFERENCES collections (id),
    keys           TEXT NOT NULL,  -- JSON: [user_id, ...] or [[chat_id, message_id], ...]
    body           TEXT NOT NULL   -- the records: JSON text or plain pickle bytes (_pages)
);
CREATE INDEX IF NOT EXISTS pages_in_order ON pages (collection_id, id);
CREATE TABLE IF NOT EXISTS flood_waits (
    account       TEXT NOT NULL,
    request_type  TEXT NOT NULL,
    until         REAL NOT NULL,
    PRIMARY KEY (account, request_type)
);
CREATE TABLE IF NOT EXISTS requests (
    account  TEXT NOT NULL,
    budget   TEXT NOT NULL,
    at       REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_time ON requests (account, at);
CREATE TABLE IF NOT EXISTS entities (
    account       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    id            INTEGER NOT NULL,
    access_hash   INTEGER,
    username      TEXT,
    username_key  TEXT,
    title         TEXT,
    seen_at       REAL NOT NULL,
    PRIMARY KEY (account, kind, id)
);
CREATE INDEX IF NOT EXISTS entities_by_username ON entities (account, username_key);
"""


def connect(path: Path, *, busy_timeout: float, synchronous: str) -> sqlite3.Connection:
    """Open ``path`` as a tgkit store in WAL mode, creating or checking its schema."""
    conn = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    try:
        with translate_errors(path, busy_timeout):
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            _switch_to_wal(conn, path, busy_timeout)
            # Under WAL, NORMAL syncs the log only at checkpoints. A commit has
            # still reached the OS when COMMIT returns, so a killed process (even
            # SIGKILL) loses nothing; only a power cut or an OS crash can lose the
            # last commits (never corrupt the file). FULL also survives those.
            conn.execute(f"PRAGMA synchronous = {synchronous}")
            conn.execute("PRAGMA foreign_keys = ON")
            _ensure_schema(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def connect_read_only(path: Path, *, busy_timeout: float) -> sqlite3.Connection:
    """Open the existing store ``path`` for reading only: nothing is created or changed.

    Where the file can be opened read-write it is, with ``query_only`` on (so
    SQLite can still recover the log a killed writer left); on a read-only
    share ``mode=ro``, and a WAL store there without its ``-shm`` file
    ``immutable`` (what the last writer checkpointed into the file: tgkit
    checkpoints on close).
    """
    if not path.is_file():
        raise StoreError(f"There is no store at {path}: check the path (read_only=True).")
    uri = path.resolve().as_uri()
    for query in ("?mode=rw", "?mode=ro", "?immutable=1"):
        conn = sqlite3.connect(
            uri + query, uri=True, timeout=busy_timeout, isolation_level=None,
            check_same_thread=False,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            conn.execute("PRAGMA query_only = ON")
            _check_schema(conn, path)
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            text = str(exc).lower()
            if "unable to open" not in text and "readonly" not in text:
                with translate_errors(path, busy_timeout):
                    raise
        except BaseException:
            conn.close()
            raise
    raise StoreError(f"The store {path} cannot be opened for reading.")


def check_existing(path: Path) -> None:
    """Before opening ``path`` read-write: refuse a non-empty file that is not an SQLite
    database or not a tgkit store, reading it only (switching a foreign file to WAL would
    change it). Anything less clear (a log a killed writer left) is left to the
    read-write open, which recovers it or says what is wrong."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=1.0)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        if "not a database" not in str(exc):
            return
        with translate_errors(path, 0):
            raise exc from None
    finally:
        conn.close()
    if "tgkit_meta" not in tables and tables - {"sqlite_sequence"}:
        raise StoreError(
            f"{path} is an SQLite file but not a tgkit store (it has tables "
            f"{sorted(tables)[:5]}); tgkit did not touch it. Pass another path, e.g. "
            "tgkit.store.DEFAULT_STORE_PATH."
        )


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as exc:
        with translate_errors(path, 0):
            raise exc from None
    if "tgkit_meta" not in tables:
        raise StoreError(f"{path} is not a tgkit store (it has no tgkit_meta table).")
    row = conn.execute("SELECT value FROM tgkit_meta WHERE key = 'schema_version'").fetchone()
    if row is None or int(row[0]) not in READABLE_VERSIONS:
        found = row[0] if row else "none"
        raise StoreError(
            f"The store {path} has schema {found}; this tgkit reads schema {SCHEMA_VERSION}. "
            "Open it once without read_only=True (an older store is upgraded then), or use "
            "the tgkit that wrote it."
        )


def _switch_to_wal(conn: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
    # Switching a new file to WAL needs it to itself, and SQLite does not always call
    # the busy handler for that: two processes opening one new store at once can see
    # "locked" or the old mode. Retry within busy_timeout, as any other wait.
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            mode = "locked"
        if mode.lower() == "wal":
            return
        if time.monotonic() > deadline:
            raise StoreError(f"The store {path} could not switch to WAL mode (got {mode}).")
        time.sleep(0.01)


def _ensure_schema(conn: sqlite3.Connection, path: Path) -> None:
    with immediate(conn):
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if "tgkit_meta" not in tables and tables - {"sqlite_sequence"}:
            raise StoreError(
                f"{path} is an SQLite file but not a tgkit store (it has tables "
                f"{sorted(tables)[:5]}). Pass another path, e.g. tgkit.store.DEFAULT_STORE_PATH."
            )
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        row = conn.execute("SELECT value FROM tgkit_meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO tgkit_meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        elif int(row[0]) > SCHEMA_VERSION:
            raise StoreError(
                f"The store {path} was written by a newer tgkit (schema {row[0]}, this tgkit "
                f"reads up to {SCHEMA_VERSION}). Upgrade tgkit or use another store path."
            )
        elif int(row[0]) < SCHEMA_VERSION:
            upgrade(conn, int(row[0]))
            conn.execute(
                "UPDATE tgkit_meta SET value = ? WHERE key = 'schema_version'",
                (str(SCHEMA_VERSION),),
            )


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taking the write lock at once (``BEGIN IMMEDIATE``).

    Taking it at the start means a busy store makes us wait (busy_timeout)
    before we read anything, never fail half way through.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def translate_errors(path: Path, busy_timeout: float) -> Iterator[None]:
    """Turn SQLite's terse errors into StoreErrors that say what to do."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text:
            raise StoreError(
                f"The store {path} is read-only here (opened with read_only=True, or the file "
                "or its folder cannot be written): it can be listed and exported, not "
                "collected into. Pass a writable store path to collect."
            ) from exc
        if "locked" in text or "busy" in text:
            raise StoreError(
                f"The store {path} stayed locked by another process for more than "
                f"{busy_timeout:g} s. Close the other notebook or process writing to it, or "
                "give this session another store path."
            ) from exc
        if "full" in text or ("disk i/o" in text and _disk_nearly_full(path)):
            raise StoreError(
                f"The store {path} cannot grow: its disk is full. What was saved before is "
                "kept; free some space (or pass another store path) and run the same call "
                "again to resume."
            ) from exc
        raise StoreError(f"The store {path} failed: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"The store {path} is damaged or not an SQLite file ({exc}). Move it aside "
            "(your earlier collections are in it) and let tgkit create a new one, or pass "
            "another path."
        ) from exc


def _disk_nearly_full(path: Path) -> bool:
    """True when the store's disk has under 1 MiB free (SQLite may call that an I/O error)."""
    try:
        return shutil.disk_usage(path.parent).free < 2**20
    except OSError:
        return False
