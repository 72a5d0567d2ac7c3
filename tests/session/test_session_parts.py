"""The operation layer's pieces that need no Telegram: sweep queries, windows, collectors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telethon.tl import functions

from tgkit.store import Store
from tgkit.telegram import sweep
from tgkit.telegram.collect import PageCollector
from tgkit.telegram.members import MemberOptions
from tgkit.telegram.messages import MessageWindow
from tgkit.telegram.monitor import MonitorOptions
from tgkit.telegram.rpc import request_type
from tgkit.telegram.send import check_text

pytestmark = pytest.mark.telethon_compat


def test_request_type_names_namespace_and_method():
    assert request_type(functions.channels.GetParticipantsRequest(None, None, 0, 0, 0)) == (
        "channels.GetParticipants"
    )
    assert request_type(functions.messages.GetHistoryRequest(None, 0, None, 0, 0, 0, 0, 0)) == (
        "messages.GetHistory"
    )
    assert request_type(functions.PingRequest(1)) == "Ping"


def test_initial_queries_put_seen_initials_first_and_cover_every_script():
    queries = sweep.initial_queries(["Zoe Zhang", "zed", "Ωmega"])
    assert queries[:2] == ["z", "ω"]
    for letter in "0a" + "я" + "ب":
        assert letter in queries
    assert len(queries) == len(set(queries))


def test_refinements_extend_with_seen_letters_then_the_script():
    refined = sweep.refinements("жу", seen_next=["к"])
    assert refined[0] == "жук"
    assert "жуа" in refined and "жу0" in refined
    assert not any(q[-1] in sweep.LATIN for q in refined)


def test_next_letters_reads_word_starts_in_all_name_fields():
    names = ["Anna Annet", "anton", "andy", None]
    assert sweep.next_letters("an", names) == ["n", "t", "d"]


@given(st.lists(st.text(min_size=1, max_size=12), max_size=30))
@settings(max_examples=50, deadline=None)
def test_refinements_of_any_seen_prefix_cover_the_words_that_continue_it(names):
    for word in (w for name in names for w in name.casefold().split()):
        if len(word) >= 2 and word[0].isalnum() and word[1].isalnum():
            seen = sweep.next_letters(word[0], names)
            assert word[:2] in sweep.refinements(word[0], seen)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_members": 0}, "max_members"),
        ({"max_members": 2.5}, "max_members"),
        ({"message_days_back": 0}, "message_days_back"),
        ({"message_days_back": "30"}, "message_days_back"),
    ],
)
def test_member_options_name_the_bad_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MemberOptions(**kwargs)


def test_message_window_validates_and_normalises_to_utc():
    window = MessageWindow.of(since="2024-05-01", until=datetime(2024, 5, 2), limit=10)
    assert window.since == datetime(2024, 5, 1, tzinfo=UTC)
    assert window.until == datetime(2024, 5, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="either days_back or since"):
        MessageWindow.of(days_back=1, since="2024-05-01")
    with pytest.raises(ValueError, match="must be before until"):
        MessageWindow.of(since="2024-05-02", until="2024-05-01")
    with pytest.raises(ValueError, match="limit"):
        MessageWindow.of(limit=0)
    with pytest.raises(ValueError, match="since must be a date"):
        MessageWindow.of(since="yesterday-ish")


def test_monitor_options_and_text_checks():
    with pytest.raises(ValueError, match="duration"):
        MonitorOptions(duration=0)
    with pytest.raises(ValueError, match="empty"):
        check_text("   ")
    with pytest.raises(ValueError, match="4096"):
        check_text("x" * 4097)


def _member_columns(ids):
    return {"user_id": list(ids), "first_name": [f"n{i}" for i in ids]}


def test_collector_deduplicates_within_and_across_pages():
    collector = PageCollector("members")
    assert collector.add(_member_columns([1, 2, 2, 3]), checkpoint={"offset": 4}) == 3
    assert collector.add(_member_columns([3, 4]), checkpoint={"offset": 6}) == 1
    frame = collector.frame({"target": "@x"})
    assert frame["user_id"].tolist() == [1, 2, 3, 4]
    assert frame.attrs["target"] == "@x"
    assert collector.checkpoint == {"offset": 6}


def test_collector_resumes_rows_and_checkpoint_from_the_store(tmp_path):
    with Store(tmp_path / "t.db") as store:
        first = PageCollector.open(
            "members", store=store, account="1", target="@x", params={"a": 1}
        )
        first.add(_member_columns([1, 2]), checkpoint={"phase": "participants", "offset": 2})
        first.finish("interrupted")
        again = PageCollector.open(
            "members", store=store, account="1", target="@x", params={"a": 1}
        )
        assert again.resumed and not again.complete
        assert again.checkpoint == {"phase": "participants", "offset": 2}
        assert again.add(_member_columns([2, 3]), checkpoint={"offset": 4}) == 1
        again.finish("complete")
        assert store.frame(again.collection_id)["user_id"].tolist() == [1, 2, 3]
        done = PageCollector.open("members", store=store, account="1", target="@x", params={"a": 1})
        assert done.complete
        fresh = PageCollector.open(
            "members", store=store, account="1", target="@x", params={"a": 1}, resume=False
        )
        assert len(fresh) == 0 and fresh.collection_id != done.collection_id
