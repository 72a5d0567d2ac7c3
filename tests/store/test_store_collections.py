"""Collections: idempotent pages, checkpoints, resume semantics, reading back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
from store_pages import expected_members, member_page, message_page

from tgkit.frames import frame_dtypes
from tgkit.store import CollectionStatus, Store, StoreError

MEMBERS = {"account": "acct", "target": "@research_group", "kind": "members"}


def test_rewriting_a_page_changes_nothing(store: Store) -> None:
    c = store.open_collection(**MEMBERS, params={})
    assert store.write_page(c.id, member_page(0), checkpoint={"next_page": 1}) == 200
    before = store.records(c.id)

    assert store.write_page(c.id, member_page(0), checkpoint={"next_page": 1}) == 0

    assert store.records(c.id) == before
    assert store.count(c.id) == 200


def test_overlapping_pages_keep_the_first_record_and_its_place(store: Store) -> None:
    c = store.open_collection(**MEMBERS, params={})
    store.write_page(c.id, member_page(0), checkpoint={})
    new = store.write_page(c.id, member_page(1), checkpoint={})

    assert new == 180  # 20 of page 1 were on page 0
    assert store.records(c.id) == expected_members(2)
    assert store.records(c.id)[180]["source"] == "participants"  # page 0 found it first


def test_duplicates_inside_one_page_count_once(store: Store) -> None:
    c = store.open_collection(**MEMBERS, params={})
    page = [{"user_id": 1, "source": "participants"}, {"user_id": 1, "source": "search"}]

    assert store.write_page(c.id, page, checkpoint={}) == 1
    assert store.records(c.id) == [{"user_id": 1, "source": "participants"}]


def test_messages_are_keyed_by_chat_and_message_id(store: Store) -> None:
    c = store.open_collection(account="acct", target="@chan", kind="messages", params={})
    page = message_page(0, size=3)
    other_chat = [dict(record, chat_id=-1009) for record in page]

    assert store.write_page(c.id, page, checkpoint={}) == 3
    assert store.write_page(c.id, other_chat, checkpoint={}) == 3
    assert store.write_page(c.id, page[:1], checkpoint={}) == 0
    assert store.count(c.id) == 6


def test_records_come_back_exactly_including_datetimes(store: Store) -> None:
    c = store.open_collection(**MEMBERS, params={})
    plus_two = timezone(timedelta(hours=2))
    record = {
        "user_id": 2**62,
        "joined_at": datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
        "last_seen": datetime(2024, 1, 1, 0, 0, 0, 1, tzinfo=plus_two),
        "first_name": '名前 ✓ "quoted"',
        "nested": {"list": [1, 2.5, None, True]},
    }
    store.write_page(c.id, [record], checkpoint={})

    [back] = store.records(c.id)
    assert back == record
    assert back["joined_at"].tzinfo == UTC and back["last_seen"].utcoffset() == timedelta(hours=2)


def test_checkpoint_round_trips_and_is_replaced_by_each_page(store: Store) -> None:
    c = store.open_collection(**MEMBERS, params={})
    checkpoint = {
        "phase": "search",
        "offset": 400,
        "sweep": ["a", "ab"],
        "offset_date": datetime(2024, 5, 1, 1, 2, 3, 456789, tzinfo=UTC),
    }
    store.write_page(c.id, member_page(0), checkpoint={"phase": "listing", "old": True})
    store.write_page(c.id, [], checkpoint=checkpoint)

    assert store.collection(c.id).checkpoint == checkpoint
    store.finish(c.id, "interrupted")  # the collector lets it go; the next one resumes it
    reopened = store.open_collection(**MEMBERS, params={})
    assert reopened.checkpoint == checkpoint


def test_resume_returns_the_same_collection_with_its_checkpoint(store: Store) -> None:
    first = store.open_collection(**MEMBERS, params={"max_members": 500, "fallback": True})
    store.write_page(first.id, member_page(0), checkpoint={"next_page": 1})
    store.finish(first.id, "interrupted", error="cancelled")

    again = store.open_collection(**MEMBERS, params={"fallback": True, "max_members": 500})

    assert again.id == first.id and again.resumed and not first.resumed
    assert again.status == CollectionStatus.RUNNING == "running"
    assert again.checkpoint == {"next_page": 1} and again.rows == 200
    assert again.error is None


def test_resume_false_starts_a_new_empty_collection(store: Store) -> None:
    first = store.open_collection(**MEMBERS, params={})
    store.write_page(first.id, member_page(0), checkpoint={"next_page": 1})

    fresh = store.open_collection(**MEMBERS, params={}, resume=False)

    assert fresh.id != first.id and not fresh.resumed
    assert fresh.checkpoint == {} and store.count(fresh.id) == 0
    assert store.count(first.id) == 200
    # resume=True now finds the newest of the two (once its collector let it go)
    store.finish(fresh.id, "interrupted")
    assert store.open_collection(**MEMBERS, params={}).id == fresh.id


def test_a_complete_collection_is_returned_as_it_is(store: Store) -> None:
    c = store.open_collection(**MEMBERS, params={})
    store.write_page(c.id, member_page(0), checkpoint={"next_page": 1})
    store.finish(c.id, "complete")

    again = store.open_collection(**MEMBERS, params={})

    assert again.id == c.id and again.resumed and again.status == "complete"
    with pytest.raises(StoreError, match="complete; pages can only be written"):
        store.write_page(c.id, member_page(1), checkpoint={"next_page": 2})
    assert store.count(c.id) == 200


def test_different_account_target_kind_or_params_are_different_collections(
    store: Store,
) -> None:
    base = store.open_collection(**MEMBERS, params={"max_members": 10})
    others = [
        store.open_collection(**{**MEMBERS, "account": "other"}, params={"max_members": 10}),
        store.open_collection(**{**MEMBERS, "target": "@elsewhere"}, params={"max_members": 10}),
        store.open_collection(**{**MEMBERS, "kind": "messages"}, params={"max_members": 10}),
        store.open_collection(**MEMBERS, params={"max_members": 11}),
    ]
    assert len({base.id, *(c.id for c in others)}) == 5


def test_finish_records_status_error_and_attrs(store: Store) -> None:
    c = store.open_collection(**MEMBERS, params={})
    store.finish(c.id, "failed", error="FloodWait: 3600 s", attrs={"reported_total": 9})

    done = store.collection(c.id)
    assert (done.status, done.error) == ("failed", "FloodWait: 3600 s")
    assert done.updated_at >= done.created_at and done.created_at.tzinfo == UTC


def test_frame_has_the_live_schema_and_attrs(store: Store) -> None:
    c = store.open_collection(**MEMBERS, params={})
    store.write_page(c.id, member_page(0), checkpoint={})
    store.write_page(c.id, member_page(1), checkpoint={})
    store.finish(c.id, "complete", attrs={"target": "@research_group", "reported_total": 380})

    df = store.frame(c.id)

    assert dict(df.dtypes) == frame_dtypes("members")
    assert df["user_id"].tolist() == list(range(380))
    assert df.attrs == {
        "target": "@research_group",
        "reported_total": 380,
        "collection_id": c.id,
        "status": "complete",
    }
    assert df["joined_at"].iloc[7] == pd.Timestamp(member_page(0)[7]["joined_at"])


def test_frame_of_a_partial_collection(store: Store) -> None:
    c = store.open_collection(account="acct", target="@chan", kind="messages", params={})
    store.write_page(c.id, message_page(0), checkpoint={"offset_id": 999_900})

    df = store.frame(c.id)

    assert len(df) == 100 and df.attrs == {"collection_id": c.id, "status": "running"}
    assert dict(df.dtypes) == frame_dtypes("messages")


def test_collections_lists_every_collection_with_fixed_columns(store: Store) -> None:
    empty = store.collections()
    assert list(empty.columns) == [
        "id", "account", "target", "kind", "params", "status", "rows",
        "created_at", "updated_at", "error",
    ]  # fmt: skip
    assert len(empty) == 0 and str(empty["created_at"].dtype) == "datetime64[ns, UTC]"

    a = store.open_collection(**MEMBERS, params={"b": 1, "a": 2})
    store.write_page(a.id, member_page(0), checkpoint={})
    b = store.open_collection(account="acct", target="@chan", kind="messages", params={})
    store.finish(b.id, "failed", error="banned")

    listing = store.collections()
    assert listing["id"].tolist() == [a.id, b.id]
    assert listing["rows"].tolist() == [200, 0]
    assert listing["status"].tolist() == ["running", "failed"]
    assert listing["params"].iloc[0] == '{"a":2,"b":1}'
    assert listing["error"].iloc[1] == "banned" and pd.isna(listing["error"].iloc[0])
    assert (listing.dtypes == empty.dtypes).all()


def test_many_pages_read_back_in_order(store: Store) -> None:
    c = store.open_collection(**MEMBERS, params={})
    for first in range(0, 20_000, 5000):
        page = [dict(record, user_id=first + n) for n, record in enumerate(member_page(0, 5000))]
        store.write_page(c.id, page, checkpoint={"next": first + 5000})
    records = store.records(c.id)
    assert store.count(c.id) == 20_000
    assert [r["user_id"] for r in records] == list(range(20_000))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "photos"}, "kind must be one of"),
        ({"account": ""}, "account must be a non-empty string"),
        ({"target": "  "}, "target must be a non-empty string"),
    ],
)
def test_bad_collection_keys_are_refused(store: Store, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        store.open_collection(**{**MEMBERS, **kwargs}, params={})
    assert len(store.collections()) == 0


def test_records_without_their_key_are_refused_before_anything_is_written(store: Store) -> None:
    c = store.open_collection(**MEMBERS, params={})
    with pytest.raises(ValueError, match=r"records\[1\] needs an integer 'user_id'"):
        store.write_page(c.id, [{"user_id": 1}, {"username": "x"}], checkpoint={"n": 1})
    with pytest.raises(TypeError, match="a bytes cannot be stored"):
        store.write_page(c.id, [{"user_id": 1, "photo": b"\x00"}], checkpoint={"n": 1})
    assert store.count(c.id) == 0 and store.collection(c.id).checkpoint == {}


def test_unknown_collection_and_bad_status(store: Store) -> None:
    with pytest.raises(StoreError, match="no collection 99"):
        store.records(99)
    c = store.open_collection(**MEMBERS, params={})
    with pytest.raises(ValueError, match="status must be one of"):
        store.finish(c.id, "done")
