"""scrape_messages on the sandbox: date windows, limits, the schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
from session_worlds import Small

from tgkit.frames import frame_dtypes

pytestmark = pytest.mark.telethon_compat


def _written(chat) -> list:
    """The chat's messages people wrote (no service messages), newest first."""
    return [m for m in reversed(chat.messages) if getattr(m, "action", None) is None]


async def test_days_back_gives_exactly_the_recent_messages_newest_first(small: Small, session):
    small.world.reset_stats()
    df = await session.scrape_messages("@small_group", days_back=3)
    cutoff = small.world.now() - timedelta(days=3)
    expected = [m.id for m in _written(small.group) if m.date >= cutoff]
    assert df["message_id"].tolist() == expected
    assert len(expected) > 100  # more than one page
    assert dict(df.dtypes) == frame_dtypes("messages")
    assert (df["chat_id"] == -1_000_000_000_000 - small.group.id).all()
    pages = small.world.stats().count("messages.GetHistory")
    assert pages == len(expected) // 100 + 1


async def test_since_and_until_bound_the_window(small: Small, session):
    written = _written(small.group)
    since, until = written[300].date, written[100].date
    df = await session.scrape_messages("@small_group", since=since, until=until)
    expected = [m.id for m in written if since <= m.date < until]
    assert df["message_id"].tolist() == expected
    assert df["date"].min() >= since and df["date"].max() < until
    assert df.attrs["since"] == since.isoformat() and df.attrs["until"] == until.isoformat()


async def test_limit_takes_the_newest_rows_and_asks_only_for_them(small: Small, session):
    small.world.reset_stats()
    handle = session.scrape_messages("@small_group", limit=130)
    df = await handle
    assert df["message_id"].tolist() == [m.id for m in _written(small.group)[:130]]
    assert small.world.stats().count("messages.GetHistory") == 2  # 100 + 30
    assert handle.progress.done == 130 and handle.progress.total == 130


async def test_senders_and_replies_come_through(small: Small, session):
    df = await session.scrape_messages("@small_group", limit=400)
    by_id = {m.id: m for m in small.group.messages}
    row = df.iloc[0]
    assert row["sender_id"] == by_id[row["message_id"]].sender_id
    replies = df.dropna(subset=["reply_to_msg_id"])
    assert len(replies) > 0
    for _, reply in replies.head(5).iterrows():
        assert reply["reply_to_msg_id"] == by_id[reply["message_id"]].reply_to


async def test_channel_posts_have_views_and_the_channel_as_sender(small: Small, session):
    df = await session.scrape_messages("@news_channel")
    assert len(df) == 50
    assert (df["sender_id"] == -1_000_000_000_000 - small.channel.id).all()
    assert df["views"].notna().all()


async def test_bad_windows_fail_before_any_request(small: Small, session):
    small.world.reset_stats()
    with pytest.raises(ValueError, match="either days_back or since"):
        session.scrape_messages("@small_group", days_back=2, since="2024-01-01")
    with pytest.raises(ValueError, match="days_back"):
        session.scrape_messages("@small_group", days_back=-1)
    with pytest.raises(ValueError, match="before until"):
        session.scrape_messages("@small_group", since="2024-02-01", until="2024-01-01")
    assert small.world.stats().count() == 0
    assert session.history().empty
