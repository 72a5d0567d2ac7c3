"""Many writers: threads sharing one Store, several connections, several processes."""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import start_writer
from store_pages import expected_members, member_page

from tgkit.store import CollectionInUse, Store, StoreError

MEMBERS = {"account": "acct", "target": "@g", "kind": "members", "params": {}}


def test_two_processes_writing_at_once_both_complete_and_the_file_is_sound(
    tmp_path: Path,
) -> None:
    db, go = tmp_path / "tgkit.db", tmp_path / "go"
    writers = [start_writer(db, target, 100, "--go", str(go)) for target in ("@one", "@two")]
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline().startswith("opened")
    go.touch()  # both are open and now write their pages at the same time
    for writer in writers:
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err

    with Store(db) as store:
        listing = store.collections()
        assert listing["status"].tolist() == ["complete", "complete"]
        for collection_id in listing["id"]:
            assert store.records(int(collection_id)) == expected_members(100)
        assert len(store.recent_requests("acct", since=0)) == 200
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_collection_another_live_process_is_writing_is_refused(tmp_path: Path) -> None:
    db, go = tmp_path / "tgkit.db", tmp_path / "go"
    writer = start_writer(db, "@g", 3, "--go", str(go))
    assert writer.stdout is not None and writer.stdout.readline().startswith("opened")
    params = {"account": "acct", "target": "@g", "kind": "members"}
    with Store(db) as store:
        with pytest.raises(CollectionInUse, match=rf"process {writer.pid}.*resume=False"):
            store.open_collection(**params, params={"max_members": None})
        go.touch()
        writer.communicate(timeout=30)
        assert writer.returncode == 0
        finished = store.open_collection(**params, params={"max_members": None})
        assert finished.status == "complete" and finished.rows == 2 * 180 + 200


def test_a_writer_waits_for_a_briefly_locked_store(store: Store, db_path: Path) -> None:
    c = store.open_collection(**MEMBERS)
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.1, other.execute, ["COMMIT"]).start()

    started = time.perf_counter()
    assert store.write_page(c.id, member_page(0), checkpoint={"next_page": 1}) == 200
    assert time.perf_counter() - started >= 0.09  # it waited for the other writer
    other.close()


def test_opening_a_store_another_process_keeps_locked_is_a_clear_error(db_path: Path) -> None:
    Store(db_path).close()
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="stayed locked by another process"):
            Store(db_path, busy_timeout=0.02)
    finally:
        other.execute("ROLLBACK")
        other.close()
    Store(db_path, busy_timeout=0.02).close()


def test_a_store_locked_past_the_busy_timeout_gives_a_clear_error(db_path: Path) -> None:
    with Store(db_path, busy_timeout=0.05) as store:
        c = store.open_collection(**MEMBERS)
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match=r"stayed locked by another process.*0\.05 s"):
                store.write_page(c.id, member_page(0), checkpoint={"next_page": 1})
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert store.count(c.id) == 0
        assert store.write_page(c.id, member_page(0), checkpoint={"next_page": 1}) == 200


def test_threads_sharing_one_store(store: Store) -> None:
    """The kernel thread and the background loop's thread may use one Store."""
    c = store.open_collection(**MEMBERS)
    errors: list[BaseException] = []

    def write(first: int) -> None:
        try:
            for number in range(first, 40, 4):
                store.write_page(c.id, member_page(number), checkpoint={"n": number})
                store.records(c.id)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(first,)) for first in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    records = store.records(c.id)
    assert store.count(c.id) == len(records) == 40 * 180 + 20
    assert sorted(r["user_id"] for r in records) == list(range(40 * 180 + 20))


def _first_sightings(pages: list[list[dict]]) -> list[dict]:
    seen: dict[int, dict] = {}
    for page in pages:
        for record in page:
            seen.setdefault(record["user_id"], record)
    return list(seen.values())


@settings(max_examples=40, deadline=None)
@given(
    schedule=st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 6), st.booleans()),
        min_size=1,
        max_size=25,
    )
)
def test_interleaved_writers_on_two_connections(schedule: list) -> None:
    """Any interleaving of two connections' pages (same collection or not, repeats
    and all) ends with each item once, first sighting first, counts that add up."""
    with (
        tempfile.TemporaryDirectory() as folder,
        Store(Path(folder, "t.db")) as a,
        Store(Path(folder, "t.db")) as b,
    ):
        shared = a.open_collection(**MEMBERS)
        with pytest.raises(CollectionInUse):  # owned per collector, even in one process
            b.open_collection(**MEMBERS)
        own = b.open_collection(**{**MEMBERS, "target": "@own"})
        written: dict[int, list[list[dict]]] = {shared.id: [], own.id: []}
        new_total = dict.fromkeys(written, 0)
        for writer, number, to_own in schedule:
            store = a if writer == "a" else b
            collection_id = own.id if to_own else shared.id
            page = member_page(number, size=10, overlap=3)
            new_total[collection_id] += store.write_page(
                collection_id, page, checkpoint={"by": writer, "page": number}
            )
            written[collection_id].append(page)
        for collection_id, pages in written.items():
            for store in (a, b):
                assert store.records(collection_id) == _first_sightings(pages)
                assert store.count(collection_id) == new_total[collection_id]
        writer, number, to_own = schedule[-1]
        last = own.id if to_own else shared.id
        assert b.collection(last).checkpoint == {"by": writer, "page": number}


def test_a_store_file_open_in_this_process_is_never_read_by_hand_from_another_thread(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stores opened and closed by many threads at once: the by-hand header check and
    creation (plain open/close of the file, which drops every SQLite POSIX lock this
    process holds on it) only ever run while no connection to the file is open."""
    from tgkit.store import _store

    live = 0
    counter = threading.Lock()
    overlaps: list[int] = []
    real_connect, real_check, real_close = _store.connect, _store.check_store_file, Store.close

    def connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        nonlocal live
        conn = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        with counter:
            live += 1
        time.sleep(0.002)  # widen the window between connecting and being counted
        return conn

    def check(path: Path) -> None:
        with counter:
            if live:
                overlaps.append(live)
        real_check(path)

    def close(self: Store) -> None:
        nonlocal live
        was_open = self._conn is not None
        real_close(self)
        with counter:
            live -= was_open

    monkeypatch.setattr(_store, "connect", connect)
    monkeypatch.setattr(_store, "check_store_file", check)
    monkeypatch.setattr(Store, "close", close)
    start = threading.Barrier(6)

    def open_and_close() -> None:
        start.wait()
        for _ in range(15):
            Store(db_path, busy_timeout=5.0).close()

    threads = [threading.Thread(target=open_and_close) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
