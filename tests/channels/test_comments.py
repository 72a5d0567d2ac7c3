"""comments: the discussion threads under a channel's posts, on every face, with bad input."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest
from channel_worlds import FAST, Channels

from tgkit import SessionManager, TelegramSession
from tgkit.cli import main
from tgkit.errors import FloodWait
from tgkit.telegram.chat_info import NotAChat
from tgkit.telegram.comments import NotAChannel

pytestmark = pytest.mark.telethon_compat

MARK = -1_000_000_000_000


def truth(channels: Channels) -> dict[int, set[int]]:
    """Comment ids by post id, from the world itself."""
    copies = {m.discussion_id: m.id for m in channels.news.messages if m.discussion_id}
    found: dict[int, set[int]] = {}
    for message in channels.chat.messages:
        if message.thread_root in copies and message.id != message.thread_root:
            found.setdefault(copies[message.thread_root], set()).add(message.id)
    return found


async def test_every_comment_once_naming_its_post_and_group(
    channels: Channels, session: TelegramSession
) -> None:
    df = await session.scrape_comments("@daily_news")
    expected = truth(channels)
    got = {post: set(ids) for post, ids in df.groupby("post_id")["message_id"]}
    assert got == expected and len(df) == sum(map(len, expected.values())) == 300
    assert set(df["chat_id"]) == {MARK - channels.chat.id}
    assert set(df["post_chat_id"]) == {MARK - channels.news.id}
    assert df.attrs["discussion_chat_id"] == MARK - channels.chat.id
    assert df.attrs["threads"] == len(expected) and df.attrs["coverage"] == 1.0
    answers = df[df["reply_to_top_id"].notna()]
    copies = {m.id for m in channels.chat.messages if m.sender_chat_id}
    assert set(answers["reply_to_top_id"]) <= copies
    # one request per thread with comments, none for posts without
    assert channels.world.stats().count("messages.GetReplies") == len(expected)


async def test_chosen_posts_a_limit_and_a_missing_post(
    channels: Channels, session: TelegramSession
) -> None:
    expected = truth(channels)
    busiest = max(expected, key=lambda post: len(expected[post]))
    df = await session.scrape_comments("@daily_news", post_ids=[busiest, 9_999], limit=3)
    assert df["post_id"].unique().tolist() == [busiest] and len(df) == 3
    newest = sorted(expected[busiest])[-3:]
    assert sorted(df["message_id"]) == newest
    assert df.attrs["notes"] == ["posts [9999] do not exist in @daily_news"]


async def test_a_window_of_days_takes_only_recent_posts(
    channels: Channels, session: TelegramSession
) -> None:
    df = await session.scrape_comments("@daily_news", days_back=2)
    since = pd.Timestamp.now("UTC") - pd.Timedelta(days=2, minutes=1)
    dates = {m.id: m.date for m in channels.news.messages}
    assert len(df) > 0
    assert all(pd.Timestamp(dates[post]) >= since for post in df["post_id"].unique())


async def test_a_channel_without_comments_is_an_empty_frame_with_a_note(
    channels: Channels, session: TelegramSession
) -> None:
    df = await session.scrape_comments("@quiet_channel")
    assert df.empty and list(df.columns)[:3] == ["message_id", "chat_id", "date"]
    assert df.attrs["notes"] == ["@quiet_channel has no discussion group: no comments"]
    assert channels.world.stats().count("messages.GetReplies") == 0


async def test_groups_users_and_bad_arguments_are_refused(
    channels: Channels, session: TelegramSession
) -> None:
    world = channels.world
    with pytest.raises(NotAChannel, match="@lab_group is a group, not a broadcast channel"):
        await session.scrape_comments("@lab_group")
    with pytest.raises(NotAChat, match="@some_person is a user"):
        await session.scrape_comments("@some_person")
    with pytest.raises(NotAChannel, match="basic group"):
        await session.scrape_comments(f"-{channels.basic.id}")
    before = world.stats().count()
    with pytest.raises(ValueError, match="either post_ids or days_back"):
        await session.scrape_comments("@daily_news", post_ids=[1], days_back=3)
    with pytest.raises(ValueError, match="post_ids"):
        await session.scrape_comments("@daily_news", post_ids=[0])
    with pytest.raises(ValueError, match=r"post_ids.*'x1'"):
        await session.scrape_comments("@daily_news", post_ids=["x1"])
    assert world.stats().count() == before


async def test_an_interrupted_run_resumes_by_thread(channels: Channels, tmp_path: Path) -> None:
    world = channels.world
    store = tmp_path / "s.db"
    config = dataclasses.replace(FAST, flood_sleep_max=0.0)
    async with TelegramSession.sandbox(world, channels.me, config=config, store=store) as session:
        world.flood_limit("messages.GetReplies", calls=10, per=3600, wait=1)
        with pytest.raises(FloodWait):
            await session.scrape_comments("@daily_news")
        world.clear_flood_limits()
        await asyncio.sleep(1.1)  # the recorded wait must be over (not a timing assertion)
        world.reset_stats()
        df = await session.scrape_comments("@daily_news")
    expected = truth(channels)
    assert {post: set(ids) for post, ids in df.groupby("post_id")["message_id"]} == expected
    assert df.attrs["resumed"] is True
    assert world.stats().count("messages.GetReplies") <= len(expected) - 10 + 1
    assert not df.duplicated(["chat_id", "message_id"]).any()


async def test_the_manager_serves_it_too(channels: Channels) -> None:
    one = TelegramSession.sandbox(channels.world, channels.me, config=FAST)
    async with SessionManager([one]) as manager:
        df = await manager.scrape_comments("@daily_news", limit=1)
    assert len(df) == len(truth(channels))


def test_the_notebook_and_the_command_line(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    from tgkit.notebook.connect import connect

    tg = connect("comments-tests", sandbox=True, session_dir=tmp_path)
    try:
        df = tg.comments("@news_channel", days_back=7, progress=False)
        assert len(df) > 0 and df["post_id"].notna().all()
    finally:
        tg.close()
    out = tmp_path / "comments.parquet"
    assert main(["comments", "@news_channel", "--post-ids", "290", "291", "--limit", "5",
                 "--sandbox", "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] <= 10
    with pytest.raises(SystemExit) as refused:
        main(["comments", "@news_channel", "--post-ids", "0", "--sandbox"])
    assert refused.value.code == 2
    assert "post_ids" in capsys.readouterr().err
