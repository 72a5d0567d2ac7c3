"""``track`` on a SessionManager: each chat's round a ``track_chat`` on any session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tgkit.core import OperationState, SessionConfig
from tgkit.core.handle_protocol import Handle
from tgkit.manager import SessionManager
from tgkit.sandbox import World
from tgkit.session import TelegramSession

pytestmark = pytest.mark.telethon_compat

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.2, lock_timeout=0.2)


def _world() -> tuple[World, list]:
    world = World(seed=5)
    accounts = [world.add_user(f"Acc{i}", username=f"account_{i}") for i in range(3)]
    for index in range(6):
        channel = world.add_channel(f"Feed {index}", username=f"feed_{index}", subscribers=50)
        for account in accounts:
            channel.members[account.id] = world.now()
        world.generate_messages(channel, 250, days=4)
    return world, accounts


async def test_rounds_spread_over_the_sessions_and_each_message_comes_once(
    tmp_path: Path,
) -> None:
    world, accounts = _world()
    db = tmp_path / "tgkit.db"
    sessions = [
        TelegramSession.sandbox(world, a, name=f"acc{i}", config=FAST, store=db)
        for i, a in enumerate(accounts)
    ]
    targets = [f"@feed_{i}" for i in range(6)]
    async with SessionManager(sessions) as manager:
        await manager.watch(targets, watchlist="feeds")
        handle = manager.track("feeds", dataset=tmp_path / "feeds", refresh_days=0)
        assert isinstance(handle, Handle) and handle.label == "track"
        first = await handle
        assert handle.state is OperationState.DONE
        assert (handle.progress.done, handle.progress.total) == (6, 6)
        history_pages = handle.report["requests"]["messages.GetHistory"]
        assert history_pages == 6 * 4  # 250 posts: three full pages and an empty one
        for chat in world.chats.values():
            world.generate_messages(chat, 5, days=0.01)
        second = await manager.track("feeds", dataset=tmp_path / "feeds", refresh_days=0)
    assert first.counts()["failed"] == 0, first.failed
    assert first.counts()["new_messages"] == 6 * 250
    assert second.counts()["new_messages"] == 6 * 5
    assert len(set(first.outcomes["session"])) >= 2  # not all on one account
    keys = list(zip(second.messages["chat_id"], second.messages["message_id"], strict=True))
    assert len(set(keys)) == 30


def test_a_notebook_pool_tracks_too(tmp_path: Path) -> None:
    import tgkit

    pool = tgkit.connect(["lab1", "lab2"], sandbox=True, config=FAST)
    try:
        pool.watch(["@news_channel", "@small_group"], watchlist="pool")
        result = pool.track("pool", dataset=tmp_path / "pool", refresh_days=0)
    finally:
        pool.close()
    assert list(result.outcomes["status"]) == ["done", "done"]
    assert set(result.outcomes["session"]) <= {"lab1", "lab2"}
