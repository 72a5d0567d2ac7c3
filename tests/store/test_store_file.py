"""The store's file: where it lives, who may read it, and what a bad file says.
And the Telethon session-file probe."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from store_helpers import start_python
from store_pages import member_page, message_page

from tgkit.errors import SessionInUse
from tgkit.store import (
    Store,
    StoreError,
    _codec,
    check_session_file_free,
    default_store_path,
)
from tgkit.store._schema import SCHEMA_VERSION


def test_default_path_follows_xdg_and_session_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_store_path() == tmp_path / "data" / "tgkit" / "tgkit.db"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_store_path() == tmp_path / "home" / ".local" / "share" / "tgkit" / "tgkit.db"
    assert default_store_path(tmp_path / "sessions") == tmp_path / "sessions" / "tgkit.db"


def test_new_store_files_are_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "tgkit.db"
    with Store(path) as store:
        c = store.open_collection(account="a", target="@g", kind="members", params={})
        store.write_page(c.id, [{"user_id": 1}], checkpoint={})
        files = sorted(p.name for p in path.parent.iterdir())
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
        locks = (path.parent / "tgkit.db.locks").iterdir()
        lock_modes = {stat.S_IMODE(p.stat().st_mode) for p in locks}
    assert files == ["tgkit.db", "tgkit.db-shm", "tgkit.db-wal", "tgkit.db.locks"]
    assert modes.pop("tgkit.db.locks") == 0o700  # who collects what: private too
    assert set(modes.values()) == lock_modes == {0o600}
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_repr_shows_the_path_only(tmp_path: Path) -> None:
    with Store(tmp_path / "x.db") as store:
        assert repr(store) == f"Store('{tmp_path / 'x.db'}')"


def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = Store(tmp_path / "x.db")
    store.close()
    store.close()
    with pytest.raises(StoreError, match="is closed"):
        store.collections()


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tgkit.db"
    path.write_bytes(b"this is not a database, just some notes\n" * 100)
    with pytest.raises(StoreError, match=r"damaged or not an SQLite file.*Move it aside"):
        Store(path)


def test_a_damaged_store_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tgkit.db"
    with Store(path) as store:
        c = store.open_collection(account="a", target="@g", kind="members", params={})
        store.write_page(
            c.id, [{"user_id": n, "pad": "x" * 500} for n in range(500)], checkpoint={}
        )
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 30] = b"\xff" * (4096 * 27)  # scribble over pages
    path.write_bytes(bytes(data))

    with pytest.raises(StoreError, match="damaged or not an SQLite file"):
        with Store(path) as store:
            store.records(1)


def test_another_sqlite_file_is_not_taken_for_a_store(tmp_path: Path) -> None:
    path = tmp_path / "research.session"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE sessions (dc_id INTEGER)")
    with pytest.raises(StoreError, match="not a tgkit store"):
        Store(path)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tgkit.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE tgkit_meta SET value = ? WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION + 1),),
        )
    with pytest.raises(StoreError, match="written by a newer tgkit"):
        Store(path)


def test_bad_store_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="busy_timeout"):
        Store(tmp_path / "x.db", busy_timeout=-1)
    with pytest.raises(ValueError, match="synchronous"):
        Store(tmp_path / "x.db", synchronous="OFF")


def _telethon_like_session(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE entities (id INTEGER PRIMARY KEY, hash INTEGER)")


def test_session_file_free_when_nobody_holds_it(tmp_path: Path) -> None:
    session = tmp_path / "research.session"
    _telethon_like_session(session)
    check_session_file_free(session)
    check_session_file_free(tmp_path / "research")  # Telethon adds ".session"
    check_session_file_free(tmp_path / "absent.session")
    assert not (tmp_path / "absent.session").exists()


def test_session_file_held_by_another_process_raises_session_in_use(tmp_path: Path) -> None:
    session = tmp_path / "research.session"
    _telethon_like_session(session)
    holder = start_python(
        "-c",
        "import sqlite3, sys\n"
        f"conn = sqlite3.connect({str(session)!r}, isolation_level=None)\n"
        "conn.execute('BEGIN IMMEDIATE')\n"
        "conn.execute('INSERT INTO entities VALUES (1, 2)')\n"
        "print('holding', flush=True)\n"
        "sys.stdin.readline()\n",
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        with pytest.raises(SessionInUse) as caught:
            check_session_file_free(session, timeout=0.01)
        message = str(caught.value)
        assert str(session) in message and "another session name" in message
        assert "database is locked" not in message
    finally:
        holder.communicate("release\n", timeout=10)
    check_session_file_free(session)


def test_session_file_held_by_another_thread_raises_session_in_use(tmp_path: Path) -> None:
    session = tmp_path / "research.session"
    _telethon_like_session(session)
    conn = sqlite3.connect(session, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(SessionInUse):
            check_session_file_free(tmp_path / "research", timeout=0.01)
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    check_session_file_free(session)


_TELETHON_HOLDER = """
import sys
from telethon.sessions import SQLiteSession
from telethon.tl import types

session = SQLiteSession(sys.argv[1])
session.save()
# what a connected client does on every update: cache entities, commit later
session.process_entities([types.User(id=42, access_hash=7, username="ada")])
print("holding", flush=True)
sys.stdin.readline()
session.save()
print("saved", flush=True)
sys.stdin.readline()
session.close()
"""


@pytest.mark.telethon_compat
def test_a_live_telethon_session_file_raises_session_in_use(tmp_path: Path) -> None:
    name = tmp_path / "research"
    holder = start_python("-c", _TELETHON_HOLDER, str(name))
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline() == "holding\n", holder.stderr
        with pytest.raises(SessionInUse, match=r"research\.session is in use"):
            check_session_file_free(name, timeout=0.01)
        holder.stdin.write("save\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "saved\n"
        check_session_file_free(name, timeout=0.01)
    finally:
        holder.communicate("close\n", timeout=10)
    assert holder.returncode == 0


_SCHEMA_1 = """
CREATE TABLE tgkit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO tgkit_meta VALUES ('schema_version', '1');
CREATE TABLE collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, target TEXT NOT NULL,
    kind TEXT NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL,
    checkpoint TEXT NOT NULL DEFAULT '{}', rows INTEGER NOT NULL DEFAULT 0,
    attrs TEXT NOT NULL DEFAULT '{}', error TEXT, owner_pid INTEGER, owner_host TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE items (
    seq INTEGER PRIMARY KEY, collection_id INTEGER NOT NULL REFERENCES collections (id),
    item_key TEXT NOT NULL, record TEXT NOT NULL, UNIQUE (collection_id, item_key)
);
CREATE INDEX items_in_order ON items (collection_id, seq);
"""


def test_a_schema_1_store_is_upgraded_and_reads_back_exactly(tmp_path: Path) -> None:
    members, messages = member_page(0, size=5), message_page(0, size=3)
    path = tmp_path / "tgkit.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(_SCHEMA_1)
        for kind, rows in (("members", 5), ("messages", 3)):
            conn.execute(
                "INSERT INTO collections (account, target, kind, params, status, checkpoint, "
                "rows, created_at, updated_at) VALUES ('a', '@g', ?, '{}', 'interrupted', "
                "'{\"next_page\":1}', ?, 0, 0)",
                (kind, rows),
            )
        # stored out of key order, so reading back in the order written is observable
        items = [(1, str(r["user_id"]), r) for r in reversed(members)] + [
            (2, f"{r['chat_id']}:{r['message_id']}", r) for r in messages
        ]
        conn.executemany(
            "INSERT INTO items (collection_id, item_key, record) VALUES (?, ?, ?)",
            [(c, key, _codec.dumps(record)) for c, key, record in items],
        )

    with Store(path) as store:
        assert store.records(1) == list(reversed(members))
        assert store.records(2) == messages
        again = store.open_collection(account="a", target="@g", kind="members", params={})
        assert again.id == 1 and again.checkpoint == {"next_page": 1} and again.rows == 5
        assert store.write_page(1, member_page(0, size=6), checkpoint={"next_page": 2}) == 1
        assert store.count(1) == len(store.records(1)) == 6
    with sqlite3.connect(path) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        version = conn.execute("SELECT value FROM tgkit_meta").fetchone()
    assert "items" not in tables and version == (str(SCHEMA_VERSION),) == ("3",)
