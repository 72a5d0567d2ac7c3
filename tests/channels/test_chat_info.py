"""chat_info: one row per chat, unreadable targets noted, one request per chat, every face."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from channel_worlds import FAST, Channels

from tgkit import SessionManager, TelegramSession
from tgkit.cli import main
from tgkit.frames import CHAT_COLUMNS

pytestmark = pytest.mark.telethon_compat


async def test_rows_say_what_each_chat_is(channels: Channels, session: TelegramSession) -> None:
    world = channels.world
    df = await session.chat_info(["@daily_news", "@wire_service", "@lab_group",
                                  f"-{channels.basic.id}", "@daily_news_chat"])
    assert list(df.columns) == list(CHAT_COLUMNS)
    rows = df.set_index("target")
    news = rows.loc["@daily_news"]
    assert news.chat_id == -1_000_000_000_000 - channels.news.id
    assert (news.type, news.title, news.username) == ("channel", "Daily News", "daily_news")
    assert news.about == "News, and what you say about it"
    assert news.participants_count == channels.news.member_count
    assert news.linked_chat_id == -1_000_000_000_000 - channels.chat.id
    assert news.is_verified and not news.is_scam and not news.is_restricted
    assert pd.isna(news.created_at)  # a member sees its join date: not the creation
    wire = rows.loc["@wire_service"]
    assert wire.created_at == pd.Timestamp(channels.wire.created)
    assert rows.loc["@lab_group", "type"] == "supergroup"
    basic = df[df["chat_id"] == -channels.basic.id].iloc[0]
    assert basic.type == "basic_group" and basic.participants_count == 10
    assert rows.loc["@daily_news_chat", "linked_chat_id"] == news.chat_id
    assert df.attrs["failed"] == {} and df.attrs["notes"]
    assert world.stats().count("channels.GetFullChannel") == 4
    assert world.stats().count("messages.GetFullChat") == 1


async def test_restrictions_slow_mode_pins_and_hidden_members(
    channels: Channels, session: TelegramSession
) -> None:
    world = channels.world
    world.set_chat_details(channels.group, scam=True, fake=True, slowmode_seconds=60,
                           restrictions=[("ios", "porn", "Not on iOS"),
                                         ("all", "copyright", "Blocked")])
    world.pin(channels.group, 5)
    row = (await session.chat_info("@lab_group")).iloc[0]
    assert row.is_scam and row.is_fake and row.is_restricted
    assert row.restriction_reason == "ios:porn: Not on iOS\nall:copyright: Blocked"
    assert (row.slowmode_seconds, row.pinned_message_id) == (60, 5)
    assert not row.has_hidden_members


async def test_unreadable_targets_are_noted_and_the_rest_collected(
    channels: Channels, session: TelegramSession
) -> None:
    world = channels.world
    private = world.add_supergroup("Secret", username="secret_room", members=5)
    private.private = True
    df = await session.chat_info(["@some_person", "@no_such_chat_here", "@daily_news",
                                  "@secret_room"])
    assert df["target"].tolist() == ["@daily_news"]
    failed = df.attrs["failed"]
    assert failed["@some_person"].startswith("NotAChat: @some_person is a user")
    assert failed["@no_such_chat_here"].startswith("ChatNotFound")
    assert set(failed) == {"@some_person", "@no_such_chat_here", "@secret_room"}
    # the user cost its resolution only: no full-chat request was wasted on it
    assert world.stats().count("channels.GetFullChannel") == 2


async def test_cached_chats_cost_no_resolution(channels: Channels, tmp_path: Path) -> None:
    world = channels.world
    targets = ["@daily_news", "@wire_service", "@lab_group", "@quiet_channel"]
    store = tmp_path / "s.db"
    async with TelegramSession.sandbox(world, channels.me, config=FAST, store=store) as session:
        await session.chat_info(targets)
        assert world.stats().count("contacts.ResolveUsername") == 4
        world.reset_stats()
        again = await session.chat_info(targets, resume=False)
    assert len(again) == 4
    assert world.stats().count("contacts.ResolveUsername") == 0
    assert world.stats().count("channels.GetFullChannel") == 4


async def test_an_interrupted_list_resumes_after_the_last_chat(
    channels: Channels, tmp_path: Path
) -> None:
    world = channels.world
    store = tmp_path / "s.db"
    targets = ["@daily_news", "@wire_service", "@lab_group"]
    world.fail_next("channels.GetFullChannel", ConnectionError)  # reconnects and goes on
    async with TelegramSession.sandbox(world, channels.me, config=FAST, store=store) as session:
        world.fail_next("channels.GetFullChannel", "CHANNEL_PRIVATE")
        first = await session.chat_info(targets)
    assert len(first) == 2 and "@daily_news" in first.attrs["failed"]
    async with TelegramSession.sandbox(world, channels.me, config=FAST, store=store) as session:
        world.reset_stats()
        stored = await session.chat_info(targets)
    pd.testing.assert_frame_equal(stored.reset_index(drop=True), first.reset_index(drop=True),
                                  check_like=True)
    assert world.stats().count("channels.GetFullChannel") == 0


async def test_the_manager_serves_it_too(channels: Channels) -> None:
    one = TelegramSession.sandbox(channels.world, channels.me, config=FAST)
    async with SessionManager([one]) as manager:
        df = await manager.chat_info(["@daily_news", "@quiet_channel"])
    assert df["title"].tolist() == ["Daily News", "Quiet"]


def test_the_notebook_and_the_command_line(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    from tgkit.notebook.connect import connect

    tg = connect("chat-info-tests", sandbox=True, session_dir=tmp_path)
    try:
        df = tg.chat_info(["@news_channel", "@small_group"], progress=False)
        assert df["type"].tolist() == ["channel", "supergroup"]
    finally:
        tg.close()
    out = tmp_path / "chats.csv"
    assert main(["chat-info", "@news_channel", "@big_public_group", "--sandbox",
                 "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 2
    assert out.exists()
    assert main(["chat_info", "@news_channel", "--sandbox", "--json"]) == 0
