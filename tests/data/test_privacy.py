"""Pseudonymisation: stable keyed tokens, irreversible without the key, nothing leaks."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgkit.frames import collection_attrs, frame_from_columns
from tgkit.privacy import MIN_KEY_BYTES, generate_key, pseudonymize

NOW = datetime(2024, 5, 1, tzinfo=UTC)
KEY = "9f2c0e7d4a1b63c8e5f7a9d2b4c6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1"
ADA, GRACE, BOT = 5_123_456_789, 6_987_654_321, 7_000_000_001


def members() -> pd.DataFrame:
    return frame_from_columns(
        "members",
        {
            "user_id": [ADA, GRACE, BOT],
            "username": ["Ada_L", None, "helper_bot"],
            "first_name": ["Ada", "Grace", "Helper"],
            "last_name": ["Lovelace", "Hopper", None],
            "phone": ["447700900123", None, None],
            "is_bot": [False, False, True],
            "role": ["admin", "member", "member"],
            "chat_id": [-1001234567890] * 3,
            "chat_title": ["Lab"] * 3,
            "collected_at": [NOW] * 3,
        },
        collection_attrs("@lab", 3, 3, ["participants"], NOW),
    )


def messages() -> pd.DataFrame:
    return frame_from_columns(
        "messages",
        {
            "message_id": [1, 2, 3, 4],
            "chat_id": [-1001234567890] * 4,
            "sender_id": [ADA, GRACE, ADA, None],
            "sender_username": ["ada_l", None, "ADA_L", None],
            "fwd_from_id": [None, ADA, None, BOT],
            "text": ["hello", "hi", "bye", "posted"],
        },
        collection_attrs("@lab", None, 4, ["history"], NOW),
    )


def test_the_same_person_has_one_token_across_columns_and_frames() -> None:
    people = pseudonymize(members(), KEY)
    posts = pseudonymize(messages(), KEY)
    ada = people.loc[0, "user_id"]
    assert posts["sender_id"].tolist()[0] == posts["sender_id"].tolist()[2] == ada
    assert posts.loc[1, "fwd_from_id"] == ada
    assert posts.loc[3, "fwd_from_id"] == people.loc[2, "user_id"]
    # Usernames ignore case, and get tokens of their own (not the id's).
    assert posts.loc[0, "sender_username"] == posts.loc[2, "sender_username"]
    assert posts.loc[0, "sender_username"] == people.loc[0, "username"]
    assert people.loc[0, "username"] != ada


def test_tokens_are_strings_and_missing_values_stay_missing() -> None:
    posts = pseudonymize(messages(), KEY)
    for column in ("sender_id", "sender_username", "fwd_from_id"):
        assert posts[column].dtype == pd.StringDtype()
    assert posts["sender_id"].isna().tolist() == [False, False, False, True]
    assert all(len(token) == 32 for token in posts["sender_id"].dropna())
    assert posts["message_id"].tolist() == [1, 2, 3, 4]  # not a person: untouched
    assert posts["text"].tolist() == messages()["text"].tolist()


def test_a_different_key_gives_different_tokens() -> None:
    one = pseudonymize(members(), KEY)
    other = pseudonymize(members(), generate_key())
    assert set(one["user_id"]).isdisjoint(set(other["user_id"]))


def test_phones_and_names_are_dropped_unless_kept() -> None:
    safe = pseudonymize(members(), KEY)
    assert not {"phone", "first_name", "last_name"} & set(safe.columns)
    assert "chat_title" in safe.columns and safe.loc[0, "chat_id"] == -1001234567890
    kept = pseudonymize(members(), KEY, keep_names=True, keep_phone=True)
    assert kept["first_name"].tolist() == ["Ada", "Grace", "Helper"]
    assert kept.loc[0, "phone"] == "447700900123"


def test_chats_option_tokenises_chat_ids_like_user_ids() -> None:
    channel = -1001234567890
    posts = frame_from_columns("messages", {"message_id": [1], "chat_id": [channel],
                                            "fwd_from_id": [channel]})
    safe = pseudonymize(posts, KEY, chats=True)
    assert safe.loc[0, "chat_id"] == safe.loc[0, "fwd_from_id"]
    assert str(channel) not in safe.to_csv()
    assert "chat_title" not in pseudonymize(members(), KEY, chats=True).columns


def test_attrs_record_what_was_done_and_nothing_secret() -> None:
    safe = pseudonymize(members(), KEY)
    record = safe.attrs["pseudonymized"]
    assert record["id_columns"] == ["user_id"]
    assert record["username_columns"] == ["username"]
    assert record["dropped_columns"] == ["first_name", "last_name", "phone"]
    assert record["dtype_changes"]["user_id"] == ["Int64", "string"]
    assert safe.attrs["target"] == "@lab"
    flat = repr(safe.attrs)
    assert KEY not in flat and KEY[:16] not in flat
    assert hashlib.sha256(KEY.encode()).hexdigest()[:16] not in flat


def test_the_input_frame_is_not_changed() -> None:
    original = members()
    before = original.copy()
    attrs_before = dict(original.attrs)
    pseudonymize(original, KEY)
    pd.testing.assert_frame_equal(original, before)
    assert original.attrs == attrs_before


def test_no_raw_id_username_name_or_phone_is_left_anywhere() -> None:
    text = pseudonymize(members(), KEY).to_csv() + pseudonymize(messages(), KEY).to_csv()
    for secret in (str(ADA), str(GRACE), str(BOT), "Ada_L", "ada_l", "helper_bot",
                   "Lovelace", "Hopper", "447700900123"):
        assert secret not in text


def test_brute_force_over_the_id_range_without_the_key_finds_nothing() -> None:
    ids = list(range(1, 20_001))
    frame = frame_from_columns("members", {"user_id": ids})
    tokens = set(pseudonymize(frame, KEY)["user_id"])
    assert len(tokens) == len(ids)  # no collisions
    # An attacker knows the method but not the key: unkeyed hashes and guessed keys miss.
    guesses = [b"", b"tgkit", KEY[:-1].encode() + b"0", generate_key().encode()]
    for guess in guesses:
        for user_id in ids:
            message = b"tgkit/id/" + str(user_id).encode()
            tried = hmac.new(guess, message, hashlib.sha256).hexdigest()[:32]
            assert tried not in tokens
            assert hashlib.sha256(message).hexdigest()[:32] not in tokens
    # With the key the same procedure re-identifies, which is why the key must stay secret.
    message = b"tgkit/id/" + str(ids[0]).encode()
    assert hmac.new(KEY.encode(), message, hashlib.sha256).hexdigest()[:32] in tokens


@pytest.mark.parametrize("key", ["s3cr3t!", b"x" * (MIN_KEY_BYTES - 1), "a" * 64, b""])
def test_weak_keys_are_refused_without_echoing_them(key: str | bytes) -> None:
    with pytest.raises(ValueError, match="generate_key") as caught:
        pseudonymize(members(), key)
    if len(key) > 3:
        shown = key if isinstance(key, str) else key.decode()
        assert shown not in str(caught.value)


def test_keys_of_the_wrong_type_are_refused() -> None:
    with pytest.raises(TypeError, match="key must be str or bytes"):
        pseudonymize(members(), 12345678901234567890123456789012)  # type: ignore[arg-type]


def test_bytes_and_str_keys_and_generated_keys_work() -> None:
    key = generate_key()
    assert len(bytes.fromhex(key)) == MIN_KEY_BYTES and key != generate_key()
    as_str = pseudonymize(members(), key)
    as_bytes = pseudonymize(members(), key.encode())
    pd.testing.assert_frame_equal(as_str, as_bytes)


def test_pseudonymising_twice_is_refused() -> None:
    once = pseudonymize(members(), KEY)
    with pytest.raises(ValueError, match="already pseudonymised"):
        pseudonymize(once, KEY)


def test_frames_without_people_columns_pass_through() -> None:
    frame = pd.DataFrame({"views": [1, 2]})
    safe = pseudonymize(frame, KEY)
    assert safe["views"].tolist() == [1, 2]
    assert safe.attrs["pseudonymized"]["id_columns"] == []


@given(st.lists(st.integers(1, 2**40), min_size=1, max_size=30))
def test_tokens_depend_only_on_the_id(ids: list[int]) -> None:
    first = pseudonymize(frame_from_columns("members", {"user_id": ids}), KEY)["user_id"]
    shuffled = list(reversed(ids))
    second = pseudonymize(frame_from_columns("messages", {"sender_id": shuffled}), KEY)
    mapping = dict(zip(ids, first, strict=True))
    assert [mapping[i] for i in shuffled] == second["sender_id"].tolist()
    assert len(set(first)) == len(set(ids))
