"""Flood waits and recent requests survive a restart."""

from __future__ import annotations

from pathlib import Path

from tgkit.store import Store
from tgkit.store._pacing import REQUEST_MEMORY

NOW = 1_800_000_000.0


def test_flood_waits_survive_reopening(db_path: Path) -> None:
    with Store(db_path) as store:
        store.save_flood_wait("acct", "contacts.ResolveUsername", NOW + 3600)
        store.save_flood_wait("acct", "messages.GetHistory", NOW + 5)
        store.save_flood_wait("other", "contacts.ResolveUsername", NOW + 60)

    with Store(db_path) as store:
        assert store.flood_waits("acct", now=NOW) == {
            "contacts.ResolveUsername": NOW + 3600,
            "messages.GetHistory": NOW + 5,
        }
        assert store.flood_waits("acct", now=NOW + 10) == {"contacts.ResolveUsername": NOW + 3600}
        assert store.flood_waits("other", now=NOW + 60) == {}
        assert store.flood_waits("nobody", now=NOW) == {}


def test_a_shorter_wait_does_not_shorten_a_longer_one(store: Store) -> None:
    store.save_flood_wait("acct", "channels.JoinChannel", NOW + 800)
    store.save_flood_wait("acct", "channels.JoinChannel", NOW + 30)
    assert store.flood_waits("acct", now=NOW) == {"channels.JoinChannel": NOW + 800}
    store.save_flood_wait("acct", "channels.JoinChannel", NOW + 900)
    assert store.flood_waits("acct", now=NOW) == {"channels.JoinChannel": NOW + 900}


def test_flood_waits_default_to_the_real_clock(store: Store) -> None:
    store.save_flood_wait("acct", "past", 1.0)
    store.save_flood_wait("acct", "future", 4_000_000_000.0)
    assert store.flood_waits("acct") == {"future": 4_000_000_000.0}


def test_recent_requests_survive_reopening_per_account(db_path: Path) -> None:
    sent = [("messages.GetHistory", NOW + i) for i in range(30)]
    with Store(db_path) as store:
        store.record_requests("acct", sent[:20])
        store.record_requests("acct", sent[20:])
        store.record_requests("other", [("join", NOW)])
        store.record_requests("acct", [])

    with Store(db_path) as store:
        assert store.recent_requests("acct", since=NOW) == sent
        assert store.recent_requests("acct", since=NOW + 25) == sent[25:]
        assert store.recent_requests("other", since=0) == [("join", NOW)]


def test_requests_older_than_a_day_are_forgotten(store: Store) -> None:
    store.record_requests("acct", [("join", NOW), ("join", NOW + 10)])
    store.record_requests("other", [("join", NOW)])
    store.record_requests("acct", [("join", NOW + REQUEST_MEMORY + 5)])

    assert store.recent_requests("acct", since=0) == [
        ("join", NOW + 10),
        ("join", NOW + REQUEST_MEMORY + 5),
    ]
    assert store.recent_requests("other", since=0) == [("join", NOW)]


def test_request_times_are_written_in_batches_yet_read_back_at_once(db_path: Path) -> None:
    """record_requests queues; this store's own reads and close() write the queue first."""
    with Store(db_path) as store:
        store.record_requests("acct", [("join", NOW)])
        store.record_requests("acct", [("join", NOW + 1)])
        assert store.recent_requests("acct", since=NOW) == [("join", NOW), ("join", NOW + 1)]
        store.record_requests("acct", [("join", NOW + 2)])
    with Store(db_path) as store:
        assert [at for _, at in store.recent_requests("acct", since=NOW)] == [NOW, NOW + 1, NOW + 2]


def test_queued_request_times_reach_the_file_without_a_read(db_path: Path) -> None:
    """A second process sees the times within FLUSH_AFTER, with no call to flush them."""
    import sqlite3
    import time

    from tgkit.store._pacing import FLUSH_AFTER

    with Store(db_path) as store:
        store.record_requests("acct", [("join", NOW)])
        deadline = time.monotonic() + FLUSH_AFTER + 5
        seen = 0
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
            with sqlite3.connect(db_path) as other:
                (seen,) = other.execute("SELECT COUNT(*) FROM requests").fetchone()
        assert seen == 1


def test_request_times_read_back_exactly_in_order_per_budget(db_path: Path) -> None:
    """Batched writes (one JSON array per budget) keep every double and each budget's order."""
    import random

    rng = random.Random(18)
    budgets = ("join", "*", "messages.GetHistory")
    sent = [(rng.choice(budgets), NOW + rng.random()) for _ in range(500)]
    with Store(db_path) as store:
        store.record_requests("acct", sent)
    with Store(db_path) as store:
        back = store.recent_requests("acct", since=0)
    assert sorted(back) == sorted(sent)
    for budget in budgets:
        assert [at for b, at in back if b == budget] == sorted(at for b, at in sent if b == budget)


def test_the_writer_thread_ends_with_the_store_or_when_idle(
    db_path: Path, monkeypatch: object
) -> None:
    import threading
    import time

    from tgkit.store import _pacing

    def writers() -> int:
        return sum(t.name == "tgkit-pacing-writer" for t in threading.enumerate())

    before = writers()
    with Store(db_path) as store:
        store.record_requests("acct", [("join", NOW)])
        assert writers() == before + 1
    assert writers() == before  # close() joined it

    monkeypatch.setattr(_pacing, "WRITER_IDLE", 0.05)  # type: ignore[attr-defined]
    store = Store(db_path)
    try:
        store.record_requests("acct", [("join", NOW + 1)])
        deadline = time.monotonic() + 10
        while writers() > before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert writers() == before  # idle: gone, so an unclosed store is not kept alive
        store.record_requests("acct", [("join", NOW + 2)])  # a new writer starts
        assert [at for _, at in store.recent_requests("acct", since=NOW)] == [
            NOW,
            NOW + 1,
            NOW + 2,
        ]
    finally:
        store.close()
