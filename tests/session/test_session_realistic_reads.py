"""The operations added since the realistic-faults switch, end to end under it: each gives
the same frame on a world that misbehaves like Telegram (faults="realistic": count-less
history pages, users left out, "" for absent strings, lost and late pushes) as on the same
world (same seed) that does not. Time is looptime's virtual clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from session_worlds import FAST

from tgkit.export import read_parquet
from tgkit.sandbox import World
from tgkit.session import TelegramSession

pytestmark = [pytest.mark.telethon_compat, pytest.mark.looptime(end=900.0)]  # a bounded end

#: Columns that say when a row was collected, not what Telegram holds.
_WHEN = ("collected_at", "fetched_at", "first_seen", "last_seen", "run_at", "taken_at")


def _channels(faults: str) -> tuple[World, Any]:
    world = World(seed=5, faults=faults)
    me = world.add_user("Ada", "Lovelace", username="ada_research")
    editor = world.add_user("Eda", "Editor", username="eda_editor")
    news = world.add_channel("Daily News", username="daily_news", subscribers=400,
                             admins=[editor], about="News, and what you say about it")
    world.join(news, me)
    world.generate_messages(news, 80, days=7)
    world.add_discussion_group(news, username="daily_news_chat", members=120, comments=300)
    group = world.add_supergroup("Lab group", username="lab_group", members=60)
    world.join(group, me)
    world.generate_messages(group, 200, days=5)
    return world, me


def _universe(faults: str) -> tuple[World, Any]:
    world = World(seed=11, faults=faults)
    universe = world.generate_universe(channels=60, seed=11)
    return universe.world, universe.world.add_user("Ada", username="ada_crawls")


Run = Callable[[TelegramSession, World], Awaitable[Any]]


def _a_word_of(world: World, username: str) -> str:
    chat = next(c for c in world.chats.values() if c.username == username)
    return max(chat.messages[-1].text.split(), key=len)


async def _track(session: TelegramSession, world: World) -> dict[str, pd.DataFrame]:
    await session.watch(["@daily_news", "@lab_group"], watchlist="study")
    dataset = Path(session.store.path).with_suffix(".study")  # type: ignore[union-attr]
    await session.track("study", dataset=dataset, refresh_days=2)
    messages = read_parquet(dataset / "messages")
    order = ["chat_id", "message_id"]
    return {"messages": messages.sort_values(order, ignore_index=True)}


CASES: dict[str, tuple[Callable[[str], tuple[World, Any]], Run]] = {
    "chat_info": (_channels, lambda s, w: s.chat_info(["@daily_news", "@lab_group"])),
    "comments": (_channels, lambda s, w: s.scrape_comments("@daily_news", days_back=7)),
    "search_chats": (_universe, lambda s, w: s.search_chats("news", limit=50)),
    "search_messages": (_universe, lambda s, w: s.search_messages(
        "@world_en_3", _a_word_of(w, "world_en_3"), days_back=60)),
    "track": (_channels, _track),
    "discover": (_universe, lambda s, w: s.discover(
        ["@world_en_3", "@report_ar_0"], depth=2, max_chats=30)),
}


async def _frames(build: Callable[[str], tuple[World, Any]], run: Run, faults: str,
                  store: Path) -> dict[str, pd.DataFrame]:
    world, me = build(faults)
    async with TelegramSession.sandbox(world, me, config=FAST, store=store) as session:
        result = await run(session, world)
    frames = result if isinstance(result, dict) else (
        result.frames() if hasattr(result, "frames") else {"rows": result})
    return {name: df.drop(columns=[c for c in df.columns if c in _WHEN]).reset_index(drop=True)
            for name, df in frames.items()}


@pytest.mark.parametrize("name", list(CASES))
async def test_the_frame_is_the_same_under_realistic_faults(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    built_at = datetime.now(UTC).replace(microsecond=0)  # both worlds dated alike
    monkeypatch.setattr(World, "now", staticmethod(lambda: built_at))
    build, run = CASES[name]
    calm = await _frames(build, run, "none", tmp_path / "calm.db")
    rough = await _frames(build, run, "realistic", tmp_path / "rough.db")
    assert all(len(df) > 0 for df in calm.values()), "the case must read something"
    assert rough.keys() == calm.keys()
    for part, df in calm.items():
        pd.testing.assert_frame_equal(rough[part], df, obj=f"{name} {part}")
