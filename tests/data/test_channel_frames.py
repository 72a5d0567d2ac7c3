"""The rich message columns as data: lists that explode and round-trip, people pseudonymised,
two collections compared."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tgkit import export
from tgkit.frames import compare, empty_frame, frame_from_columns, reaction_counts
from tgkit.privacy import pseudonymize

KEY = "9f2c0e7d4a1b63c8e5f7a9d2b4c6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1"
NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
ADA = 5_123_456_789
CHANNEL = -1001234567890


def posts() -> pd.DataFrame:
    return frame_from_columns("messages", {
        "message_id": [1, 2, 3],
        "chat_id": [CHANNEL] * 3,
        "date": [NOW, NOW + timedelta(hours=1), NOW + timedelta(hours=2)],
        "sender_id": [ADA, CHANNEL, ADA],
        "sender_username": ["Ada_L", None, "Ada_L"],
        "text": ["a", "b", "c"],
        "fwd_from_type": ["user", "hidden", None],
        "fwd_from_id": [ADA, None, None],
        "fwd_from_name": [None, "Anonymous Fox", None],
        "fwd_post_author": ["Desk", None, None],
        "post_author": [None, "Editor Eve", None],
        "via_bot_id": [None, 7_000_000_001, None],
        "reactions_by_emoji": [[{"emoji": "👍", "count": 2}], [], []],
        "urls": [["https://t.me/news"], [], ["https://example.org"]],
        "hashtags": [["#a", "#b"], [], ["#a"]],
        "mentions": [["ada_l", str(ADA)], [], ["Ada_L"]],
        "post_chat_id": [None, None, CHANNEL],
        "collected_at": [NOW] * 3,
    })


def test_list_columns_explode_for_counting() -> None:
    counts = posts().explode("hashtags")["hashtags"].value_counts().to_dict()
    assert counts == {"#a": 2, "#b": 1}
    assert posts()["urls"].list.len().tolist() == [1, 0, 1]


@pytest.mark.parametrize("write", ["parquet", "csv", "dataset"])
def test_list_columns_survive_export_with_their_types(tmp_path: Path, write: str) -> None:
    original = posts()
    if write == "parquet":
        back = export.read_parquet(export.to_parquet(original, tmp_path / "p.parquet"))
    elif write == "csv":
        back = export.read_csv(export.to_csv(original, tmp_path / "p.csv"))
    else:
        back = export.read_parquet(
            export.to_parquet(original, tmp_path / "ds", partition_by=["chat_id"])
        )
    pd.testing.assert_frame_equal(back, original)
    for name in ("urls", "hashtags", "mentions", "reactions_by_emoji"):
        assert back[name].dtype == original[name].dtype


def test_empty_rich_frame_round_trips(tmp_path: Path) -> None:
    empty = empty_frame("messages")
    back = export.read_parquet(export.to_parquet(empty, tmp_path / "e.parquet"))
    pd.testing.assert_frame_equal(back, empty)


def test_every_person_column_is_pseudonymised() -> None:
    original = posts()
    safe = pseudonymize(original, KEY)
    assert not {"fwd_from_name", "post_author", "fwd_post_author"} & set(safe.columns)
    person = safe.loc[0, "sender_id"]
    assert safe.loc[0, "fwd_from_id"] == person
    mentions = list(safe.loc[0, "mentions"])
    assert mentions[1] == person  # a mention by id is the person's id token
    assert mentions[0] == safe.loc[0, "sender_username"]  # usernames ignore case
    assert list(safe.loc[2, "mentions"]) == [safe.loc[0, "sender_username"]]
    assert safe.loc[1, "via_bot_id"] != "7000000001" and len(safe.loc[1, "via_bot_id"]) == 32
    assert safe["mentions"].dtype == original["mentions"].dtype
    text = safe.to_csv()
    for secret in (str(ADA), "ada_l", "Ada_L", "Anonymous Fox", "Editor Eve", "Desk"):
        assert secret not in text
    assert safe.attrs["pseudonymized"]["mention_columns"] == ["mentions"]
    kept = pseudonymize(original, KEY, keep_names=True)
    assert kept.loc[1, "fwd_from_name"] == "Anonymous Fox"
    chats = pseudonymize(original, KEY, chats=True)
    assert chats.loc[2, "post_chat_id"] == chats.loc[2, "chat_id"]


def test_reaction_counts_of_a_frame_without_reactions_is_empty() -> None:
    assert reaction_counts(empty_frame("messages")).empty


def test_compare_finds_deleted_edited_and_added_messages() -> None:
    old = posts()
    new = posts().iloc[[0, 2]].reset_index(drop=True)
    new.loc[1, "text"] = "c, corrected"
    new.loc[1, "edit_date"] = NOW + timedelta(hours=3)
    late = frame_from_columns("messages", {"message_id": [4], "chat_id": [CHANNEL],
                                           "date": [NOW + timedelta(hours=4)], "text": ["d"]})
    new = pd.concat([new, late], ignore_index=True)
    changes = compare(old, new)
    assert changes[["message_id", "change"]].values.tolist() == [
        [2, "deleted"], [3, "edited"], [4, "added"]
    ]
    edited = changes.set_index("message_id").loc[3]
    assert (edited.old_text, edited.new_text) == ("c", "c, corrected")
    assert changes.attrs["counts"] == {"deleted": 1, "edited": 1, "added": 1}


def test_compare_refuses_frames_that_are_not_messages() -> None:
    with pytest.raises(ValueError, match="new is not a messages frame"):
        compare(posts(), empty_frame("members"))
