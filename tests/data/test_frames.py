"""Frames: fixed schemas, nullable dtypes, column-wise building, attrs."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgkit import frames
from tgkit.frames import (
    MEMBER_COLUMNS,
    MESSAGE_COLUMNS,
    SCHEMAS,
    collection_attrs,
    concat_frames,
    empty_frame,
    frame_dtypes,
    frame_from_columns,
    frame_from_records,
)

MEMBER_NAMES = [
    "user_id", "username", "first_name", "last_name", "phone", "is_bot", "is_deleted",
    "is_verified", "is_premium", "is_scam", "is_fake", "status", "last_seen", "role",
    "joined_at", "source", "chat_id", "chat_title", "collected_at",
]
MESSAGE_NAMES = [
    "message_id", "chat_id", "date", "sender_id", "sender_username", "text", "action",
    "reply_to_msg_id", "reply_to_top_id", "fwd_from_type", "fwd_from_id", "fwd_from_name",
    "fwd_from_message_id", "fwd_date", "fwd_post_author", "post_author", "via_bot_id",
    "is_pinned", "views", "forwards", "replies", "reactions", "reactions_by_emoji", "urls",
    "hashtags", "mentions", "media_type", "edit_date", "grouped_id", "post_chat_id", "post_id",
    "collected_at",
]
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_column_lists_are_the_documented_ones() -> None:
    assert list(MEMBER_COLUMNS) == MEMBER_NAMES
    assert list(MESSAGE_COLUMNS) == MESSAGE_NAMES
    assert {"members": MEMBER_COLUMNS, "messages": MESSAGE_COLUMNS}.items() <= SCHEMAS.items()


def test_every_column_is_documented_in_the_module_docstring() -> None:
    doc = frames.__doc__
    for schema in SCHEMAS.values():
        for name, dtype in schema.items():
            assert f"\n{name} " in doc, name
            assert dtype in doc


@pytest.mark.parametrize("kind", ["members", "messages"])
def test_empty_frame_has_every_column_with_its_dtype(kind: str) -> None:
    df = empty_frame(kind)
    assert len(df) == 0
    assert list(df.columns) == list(SCHEMAS[kind])
    for name, dtype in SCHEMAS[kind].items():
        assert str(df[name].dtype) == dtype, name


@pytest.mark.parametrize("kind", ["members", "messages"])
def test_zero_and_many_rows_share_dtypes(kind: str) -> None:
    key = "user_id" if kind == "members" else "message_id"
    full = frame_from_columns(kind, {key: list(range(1000))})
    pd.testing.assert_series_equal(full.dtypes, empty_frame(kind).dtypes)


def test_nullable_dtypes_hold_missing_values() -> None:
    df = frame_from_columns(
        "members",
        {
            "user_id": [1, None],
            "username": ["alice", None],
            "is_bot": [False, None],
            "last_seen": [NOW, None],
            "status": ["offline", None],
        },
    )
    assert df["user_id"].isna().tolist() == [False, True]
    assert df["username"].isna().tolist() == [False, True]
    assert df["is_bot"].isna().tolist() == [False, True]
    assert df["last_seen"].isna().tolist() == [False, True]
    assert df["status"].isna().tolist() == [False, True]
    assert df.loc[0, "last_seen"] == pd.Timestamp(NOW)


def test_missing_columns_are_filled_with_na() -> None:
    df = frame_from_columns("messages", {"message_id": [5, 6]})
    assert df["message_id"].tolist() == [5, 6]
    assert df.drop(columns="message_id").isna().all().all()


def test_unknown_column_is_refused_with_the_schema() -> None:
    with pytest.raises(ValueError, match=r"\['likes'\].*message_id"):
        frame_from_columns("messages", {"likes": [1]})


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="'members', 'messages'"):
        empty_frame("chats")


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="different lengths"):
        frame_from_columns("members", {"user_id": [1, 2], "username": ["a"]})


def test_value_that_does_not_fit_the_dtype_names_the_column() -> None:
    with pytest.raises(ValueError, match="'views'"):
        frame_from_columns("messages", {"views": ["many"]})
    with pytest.raises(ValueError, match="'date'"):
        frame_from_columns("messages", {"date": ["yesterday"]})


def test_category_outside_the_fixed_categories_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'role' got \['owner'\].*creator"):
        frame_from_columns("members", {"role": ["member", "owner"]})


def test_categories_are_fixed_so_frames_concat_with_identical_dtypes() -> None:
    a = frame_from_columns("members", {"user_id": [1], "role": ["admin"], "source": ["search"]})
    b = frame_from_columns("members", {"user_id": [2], "role": ["member"]})
    assert list(a["role"].cat.categories) == list(frames.ROLES)
    both = concat_frames("members", [a, b])
    assert both["role"].dtype == a["role"].dtype == b["role"].dtype
    assert both["role"].tolist() == ["admin", "member"]
    assert both["source"].tolist()[0] == "search" and pd.isna(both["source"].tolist()[1])


def test_datetimes_accept_aware_naive_iso_and_other_zones() -> None:
    plus2 = timezone(timedelta(hours=2))
    df = frame_from_columns(
        "messages",
        {
            "date": [
                NOW,
                NOW.replace(tzinfo=None),
                "2024-05-01T12:00:00+00:00",
                "2024-05-01T14:00:00+02:00",
                NOW.astimezone(plus2),
                pd.Timestamp(NOW),
            ]
        },
    )
    assert str(df["date"].dtype) == "datetime64[ns, UTC]"
    assert (df["date"] == pd.Timestamp(NOW)).all()


def test_records_from_json_become_the_same_frame_as_columns() -> None:
    columns = {
        "message_id": [1, 2],
        "chat_id": [-1001, -1001],
        "date": [NOW, NOW + timedelta(seconds=1)],
        "text": ["hello", None],
        "media_type": [None, "photo"],
        "collected_at": [NOW, NOW],
    }
    records = [
        {
            "message_id": 1,
            "chat_id": -1001,
            "date": "2024-05-01T12:00:00+00:00",
            "text": "hello",
            "collected_at": "2024-05-01T12:00:00Z",
        },
        {
            "message_id": 2,
            "chat_id": -1001,
            "date": "2024-05-01T12:00:01+00:00",
            "media_type": "photo",
            "collected_at": NOW,
        },
    ]
    pd.testing.assert_frame_equal(
        frame_from_records("messages", records), frame_from_columns("messages", columns)
    )


def test_records_with_unknown_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="nickname"):
        frame_from_records("members", [{"user_id": 1, "nickname": "x"}])


def test_no_records_give_the_empty_frame() -> None:
    pd.testing.assert_frame_equal(frame_from_records("members", []), empty_frame("members"))


def test_attrs_are_attached_and_copied() -> None:
    attrs = collection_attrs("@group", 10, 1, ["participants"], NOW)
    df = frame_from_columns("members", {"user_id": [1]}, attrs)
    assert df.attrs == attrs
    attrs["target"] = "changed"
    assert df.attrs["target"] == "@group"


def test_collection_attrs_compute_coverage_and_stay_json_safe() -> None:
    attrs = collection_attrs(
        "@group", 200, 150, ["participants", "search", "participants"], NOW, note="x"
    )
    assert attrs == {
        "target": "@group",
        "reported_total": 200,
        "rows": 150,
        "coverage": 0.75,
        "sources": ["participants", "search"],
        "collected_at": "2024-05-01T12:00:00+00:00",
        "note": "x",
    }


@pytest.mark.parametrize("total", [None, 0])
def test_coverage_is_none_without_a_reported_total(total: int | None) -> None:
    assert collection_attrs("@g", total, 5, [], NOW)["coverage"] is None


def test_collected_at_must_be_a_datetime() -> None:
    with pytest.raises(TypeError, match="collected_at"):
        collection_attrs("@g", 1, 1, [], "now")  # type: ignore[arg-type]


def test_concat_keeps_agreeing_attrs_and_drops_conflicting_ones() -> None:
    a = frame_from_columns("members", {"user_id": [1]}, {"target": "@g"})
    b = frame_from_columns("members", {"user_id": [2]}, {"target": "@g"})
    c = frame_from_columns("members", {"user_id": [3]}, {"target": "@h"})
    assert concat_frames("members", [a, b]).attrs == {"target": "@g"}
    assert concat_frames("members", [a, c]).attrs == {}
    assert concat_frames("members", [a, c], attrs={"target": "both"}).attrs == {"target": "both"}


def test_concat_of_nothing_or_empties_is_the_empty_frame() -> None:
    pd.testing.assert_frame_equal(concat_frames("messages", []), empty_frame("messages"))
    empties = [empty_frame("messages"), empty_frame("messages")]
    pd.testing.assert_frame_equal(concat_frames("messages", empties), empty_frame("messages"))


def test_concat_renumbers_the_index_and_refuses_foreign_frames() -> None:
    a = frame_from_columns("messages", {"message_id": [1, 2]})
    result = concat_frames("messages", [a, a])
    assert result.index.tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="frame 1"):
        concat_frames("messages", [a, pd.DataFrame({"x": [1]})])


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "user_id": st.one_of(st.none(), st.integers(1, 2**53)),
                "username": st.one_of(st.none(), st.text(max_size=10)),
                "is_bot": st.one_of(st.none(), st.booleans()),
                "role": st.one_of(st.none(), st.sampled_from(frames.ROLES)),
                "joined_at": st.one_of(
                    st.none(),
                    st.integers(0, 4_000_000_000).map(lambda s: datetime.fromtimestamp(s, UTC)),
                ),
            }
        ),
        max_size=20,
    )
)
def test_any_rows_keep_schema_and_values(rows: list[dict]) -> None:
    df = frame_from_records("members", rows)
    pd.testing.assert_series_equal(df.dtypes, empty_frame("members").dtypes)
    for name in ("user_id", "username", "is_bot", "role"):
        got = [None if pd.isna(v) else v for v in df[name].tolist()]
        # An empty string is absent: NA, like None (issue 15).
        assert got == [None if row[name] == "" else row[name] for row in rows]
    for row, stamp in zip(rows, df["joined_at"], strict=True):
        expected = row["joined_at"]
        assert (pd.isna(stamp) and expected is None) or stamp == pd.Timestamp(expected)


def test_frame_dtypes_give_concrete_category_dtypes() -> None:
    dtypes = frame_dtypes("messages")
    assert list(dtypes["media_type"].categories) == list(frames.MEDIA_TYPES)
    assert dtypes["views"] == pd.Int64Dtype()


def test_building_100k_rows_is_fast() -> None:
    n = 100_000
    start = NOW
    columns = {
        "message_id": list(range(n)),
        "chat_id": [-1001234567890] * n,
        "date": [start + timedelta(seconds=i) for i in range(n)],
        "sender_id": [i % 5000 for i in range(n)],
        "sender_username": [f"user{i % 5000}" for i in range(n)],
        "text": [f"message {i}" for i in range(n)],
        "views": [None if i % 3 else i for i in range(n)],
        "media_type": [None if i % 4 else "photo" for i in range(n)],
        "collected_at": [start] * n,
    }
    began = time.perf_counter()
    df = frame_from_columns("messages", columns)
    elapsed = time.perf_counter() - began
    assert len(df) == n
    # A hand-made pd.DataFrame of the same lists takes ~0.1 s here; 2 s is a generous ceiling.
    assert elapsed < 2.0, elapsed
