"""Edits and deletions: a monitor's events frame and newest versions, compare() between two
stored collections, and service messages as rows when asked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from channel_worlds import FAST, Channels, until

from tgkit.core import OperationState
from tgkit.errors import Cancelled
from tgkit.frames import EVENT_COLUMNS, compare, frame_from_columns
from tgkit.session import TelegramSession

pytestmark = pytest.mark.telethon_compat

MARK = -1_000_000_000_000


async def _listening(session: TelegramSession, handle) -> None:
    await until(lambda: handle.state is OperationState.RUNNING
                and session.client.list_event_handlers(), "the monitor to listen")


async def test_a_monitor_records_new_edited_and_deleted_messages(
    channels: Channels, session: TelegramSession
) -> None:
    world, news = channels.world, channels.news
    handle = session.monitor(["@daily_news", "@lab_group"], duration=30)
    await _listening(session, handle)
    first = world.post(news, None, "Breaking: tpyo")
    second = world.post(news, None, "Second post")
    author = world.users[next(u for u in channels.group.members if u != channels.me.id)]
    in_group = world.post(channels.group, author, "hello group")
    await until(lambda: handle.count == 3, "three new messages")
    world.edit(news, first.id, "Breaking: typo fixed")
    world.delete(news, [second.id])
    world.edit(channels.group, in_group.id, "hello, group")
    await until(lambda: len(handle.events()) == 6, "two edits and a deletion")
    handle.stop()
    df = await handle
    events = handle.events()
    assert list(events.columns) == list(EVENT_COLUMNS)
    assert events["event"].tolist() == ["new", "new", "new", "edit", "delete", "edit"]
    deletion = events[events["event"] == "delete"].iloc[0]
    assert (deletion.chat_id, deletion.message_id) == (MARK - news.id, second.id)
    assert pd.isna(deletion.text)
    edit = events[events["event"] == "edit"].iloc[0]
    assert edit.text == "Breaking: typo fixed" and pd.notna(edit.edit_date)
    newest = df.set_index("message_id")
    assert newest.loc[first.id, "text"] == "Breaking: typo fixed"
    assert pd.notna(newest.loc[first.id, "edit_date"])
    assert newest.loc[in_group.id, "text"] == "hello, group"
    assert second.id in newest.index  # a deleted message keeps its row; its deletion is an event
    assert df.attrs["events"] == {"new": 3, "edit": 2, "delete": 1}
    assert len(session.client.list_event_handlers()) == 0


async def test_deletions_in_a_watched_basic_group_are_matched_by_id(
    channels: Channels, session: TelegramSession
) -> None:
    world, basic = channels.world, channels.basic
    author = world.users[next(u for u in basic.members if u != channels.me.id)]
    handle = session.monitor([f"-{basic.id}"], duration=30)
    await _listening(session, handle)
    sent = world.post(basic, author, "oops")
    await until(lambda: handle.count == 1, "the message")
    world.delete(basic, [sent.id])
    await until(lambda: len(handle.events()) == 2, "the deletion")
    handle.stop()
    await handle
    gone = handle.events().iloc[1]
    assert (gone.event, gone.chat_id, gone.message_id) == ("delete", -basic.id, sent.id)


async def test_compare_two_stored_collections_of_a_chat(channels: Channels,
                                                        tmp_path: Path) -> None:
    world, group = channels.world, channels.group
    store = tmp_path / "s.db"
    async with TelegramSession.sandbox(world, channels.me, config=FAST, store=store) as session:
        before = await session.scrape_messages("@lab_group", days_back=3)
        ids = before["message_id"].tolist()
        world.edit(group, ids[0], "edited for the study")
        world.delete(group, [ids[1], ids[2]])
        author = world.users[next(u for u in group.members if u != channels.me.id)]
        added = world.post(group, author, "a new one")
        after = await session.scrape_messages("@lab_group", days_back=3)
    changes = compare(before, after)
    by_change = changes.groupby("change", observed=True)["message_id"].apply(sorted).to_dict()
    assert by_change == {"deleted": sorted(ids[1:3]), "edited": [ids[0]], "added": [added.id]}
    edited = changes[changes["change"] == "edited"].iloc[0]
    assert edited.new_text == "edited for the study" and pd.notna(edited.new_edit_date)


async def test_service_messages_are_rows_only_when_asked(
    channels: Channels, session: TelegramSession
) -> None:
    world, group = channels.world, channels.group
    pinned = group.messages[-1].id
    world.pin(group, pinned)
    plain = await session.scrape_messages("@lab_group", limit=5)
    assert plain["action"].isna().all()
    rich = await session.scrape_messages("@lab_group", limit=5, service=True, resume=False)
    pin = rich.iloc[0]
    assert (pin.action, pin.reply_to_msg_id) == ("pin", pinned) and pd.isna(pin.text)
    assert rich[rich["message_id"] == pinned]["is_pinned"].tolist() == [True]
    assert len(plain) == 5 and pinned in plain["message_id"].tolist()


async def test_a_cancelled_monitor_keeps_its_events_in_the_store(
    channels: Channels, tmp_path: Path
) -> None:
    world, news = channels.world, channels.news
    store = tmp_path / "s.db"
    async with TelegramSession.sandbox(world, channels.me, config=FAST, store=store) as session:
        handle = session.monitor(["@daily_news"], duration=60)
        await _listening(session, handle)
        first = world.post(news, None, "Breaking: tpyo")
        second = world.post(news, None, "Second post")
        await until(lambda: handle.count == 2, "two new messages")
        world.edit(news, first.id, "Breaking: typo")
        world.delete(news, [second.id])
        await until(lambda: len(handle.events()) == 4, "an edit and a deletion")
        live = handle.events()
        handle.cancel()
        with pytest.raises(Cancelled):
            await handle
        collections = session.store.collections()
        kept = collections[collections["kind"] == "events"]
        assert kept["status"].tolist() == ["interrupted"] and kept["rows"].tolist() == [4]
        stored = session.store.frame(int(kept["id"].iloc[0]))
        assert handle.frame().attrs["events_collection_id"] == int(kept["id"].iloc[0])
        assert stored.attrs["messages_collection_id"] == handle.frame().attrs["collection_id"]
    assert stored["event_id"].tolist() == [1, 2, 3, 4]
    assert stored["event"].tolist() == ["new", "new", "edit", "delete"]
    columns = [c for c in EVENT_COLUMNS if c != "collected_at"]
    pd.testing.assert_frame_equal(stored[columns], live[columns], check_like=False)
    assert stored.loc[2, "text"] == "Breaking: typo"


def test_the_same_event_heard_twice_is_one_row() -> None:
    from datetime import UTC, datetime

    from tgkit.telegram.monitor_changes import ChangeLog

    now = datetime(2026, 5, 1, tzinfo=UTC)
    later = datetime(2026, 5, 1, 0, 5, tzinfo=UTC)
    log = ChangeLog()
    page = {"chat_id": [-5], "message_id": [7], "date": [now], "text": ["a"], "edit_date": [None]}
    log.new(page, now)
    newer = {"chat_id": -5, "message_id": 7, "edit_date": later, "text": "c"}
    older = {"chat_id": -5, "message_id": 7, "edit_date": now, "text": "b"}
    for row in (newer, older, newer):  # an edit repeated, an older one heard late
        log.edited(row, later)
    assert log.deleted(-5, [7], later) == 1 and log.deleted(-5, [7], later) == 0
    events = log.frame()
    assert events["event"].tolist() == ["new", "edit", "edit", "delete"]
    assert events["event_id"].tolist() == [1, 2, 3, 4]
    messages = frame_from_columns("messages", page)
    assert log.newest(messages)["text"].tolist() == ["c"]


def test_a_channel_never_reuses_a_deleted_message_id(channels: Channels) -> None:
    world, news = channels.world, channels.news
    last = world.post(news, None, "soon gone")
    world.delete(news, [last.id])
    assert world.post(news, None, "next").id == last.id + 1
