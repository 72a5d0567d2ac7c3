"""The entity cache: by id, by username (any case), by age; usernames move."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tgkit.store import EntityRecord, Store


def test_find_by_id_and_username_survives_reopening(db_path: Path) -> None:
    now = time.time()
    group = EntityRecord("channel", 1234567890, -8123, "Research_Group", "Research", now)
    with Store(db_path) as store:
        store.save_entities("acct", [group, EntityRecord("user", 42, 99, "ada", "Ada", now)])

    with Store(db_path) as store:
        assert store.find_entity("acct", id=1234567890) == group
        assert store.find_entity("acct", username="@research_GROUP") == group
        assert store.find_entity("acct", username="research_group", id=1234567890) == group
        assert store.find_entity("acct", username="research_group", id=42) is None
        assert store.find_entity("other", id=1234567890) is None
        assert store.find_entity("acct", username="nobody") is None


def test_max_age_hides_stale_entries(store: Store) -> None:
    now = time.time()
    store.save_entities(
        "acct",
        [
            EntityRecord("user", 1, 5, "old", None, now - 3600),
            EntityRecord("user", 2, 6, "new", None, now),
        ],
    )
    assert store.find_entity("acct", username="old", max_age=60) is None
    assert store.find_entity("acct", username="old", max_age=7200) is not None
    assert store.find_entity("acct", id=2, max_age=60) is not None


def test_a_username_moving_to_another_id_moves(store: Store) -> None:
    store.save_entities("acct", [EntityRecord("channel", 1, 11, "handle", "Old owner", 1.0)])
    store.save_entities("acct", [EntityRecord("channel", 2, 22, "HANDLE", "New owner", 2.0)])

    assert store.find_entity("acct", username="handle").id == 2
    old = store.find_entity("acct", id=1)
    assert old is not None and old.username is None and old.access_hash == 11


def test_upsert_keeps_a_known_access_hash_and_updates_the_rest(store: Store) -> None:
    store.save_entities("acct", [EntityRecord("user", 7, 777, "before", "Before", 1.0)])
    store.save_entities("acct", [EntityRecord("user", 7, None, "after", "After", 2.0)])

    assert store.find_entity("acct", id=7) == EntityRecord("user", 7, 777, "after", "After", 2.0)
    assert len(store.entities("acct")) == 1


def test_same_id_of_different_kinds_and_the_kind_filter(store: Store) -> None:
    store.save_entities(
        "acct",
        [
            EntityRecord("user", 5, 1, None, "A user", 1.0),
            EntityRecord("chat", 5, None, None, "A chat", 2.0),
        ],
    )
    assert store.find_entity("acct", id=5).kind == "chat"  # the most recently seen
    assert store.find_entity("acct", id=5, kind="user").title == "A user"


def test_entities_frame(store: Store) -> None:
    assert list(store.entities("acct").columns) == [
        "kind", "id", "access_hash", "username", "title", "seen_at",
    ]  # fmt: skip
    store.save_entities("acct", [EntityRecord("user", 7, -(2**63), "ada", None, 1_700_000_000.25)])

    df = store.entities("acct")
    assert df["access_hash"].iloc[0] == -(2**63)
    assert str(df["seen_at"].iloc[0]) == "2023-11-14 22:13:20.250000+00:00"
    assert df["title"].isna().iloc[0]


def test_bad_entity_input_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match=r"EntityRecord\.kind must be one of"):
        EntityRecord("group", 1, None, None, None, 0.0)
    with pytest.raises(TypeError, match="entities must be EntityRecord"):
        store.save_entities("acct", [{"kind": "user", "id": 1}])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="needs id= or username="):
        store.find_entity("acct")
