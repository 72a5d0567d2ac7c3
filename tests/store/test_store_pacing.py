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
