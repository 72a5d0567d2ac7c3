"""Tracking rounds on the sandbox: exactly the messages posted, once each; counters move."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tracking_helpers import CHANNELS, posted, session

from tgkit.errors import InvalidTarget
from tgkit.export import open_dataset, read_parquet
from tgkit.sandbox import World
from tgkit.store import Store
from tgkit.tracking import Watchlist

pytestmark = pytest.mark.telethon_compat



async def test_three_rounds_give_exactly_the_messages_posted_once_each(
    world: World, tmp_path: Path
) -> None:
    db, study = tmp_path / "tgkit.db", tmp_path / "study"
    async with session(world, db) as tg:
        await tg.watch(CHANNELS, watchlist="study")
        first = await tg.track("study", dataset=study, refresh_days=2)
        for chat in world.chats.values():
            world.generate_messages(chat, 7, days=0.01)
        world.advance_engagement(hours=6)
        second = await tg.track("study", dataset=study, refresh_days=2)
        for chat in list(world.chats.values())[:2]:
            world.generate_messages(chat, 130, days=0.001)  # more than a page
        third = await tg.track("study", dataset=study, refresh_days=2)
    counts = [r.counts()["new_messages"] for r in (first, second, third)]
    assert counts == [120 + 160 + 200, 21, 260]
    messages = read_parquet(study / "messages")
    keys = list(zip(messages["chat_id"], messages["message_id"], strict=True))
    assert len(keys) == len(set(keys))
    assert set(keys) == posted(world)
    assert str(messages["date"].dtype) == "datetime64[ns, UTC]"
    observations = read_parquet(study / "observations")
    post = observations[observations["message_id"] == observations["message_id"].max()]
    assert len(open_dataset(study / "messages").to_table()) == len(keys)
    # a recent post is observed again in later rounds, its views never shrinking
    ordered = observations.sort_values("observed_at", kind="stable")
    views = ordered.groupby(["chat_id", "message_id"])["views"]
    assert (views.size() >= 2).any()
    assert views.apply(lambda seen: seen.is_monotonic_increasing).all()
    assert (views.max() > views.min()).any()  # the sandbox's readers moved them
    assert len(post) >= 1


async def test_second_round_with_nothing_new_sends_one_history_request_per_chat(
    world: World, tmp_path: Path
) -> None:
    async with session(world, tmp_path / "tgkit.db") as tg:
        await tg.watch(CHANNELS)
        await tg.track(refresh_days=0)
        world.reset_stats()
        again = await tg.track(refresh_days=0)
    assert again.counts()["new_messages"] == 0
    assert world.stats().count("messages.GetHistory") == len(CHANNELS)


async def test_watch_refuses_an_unknown_chat_and_adds_nothing(world: World, tmp_path: Path) -> None:
    db = tmp_path / "tgkit.db"
    async with session(world, db) as tg:
        with pytest.raises(Exception, match="cannot track @no_such_channel"):
            await tg.watch(["@news_0", "@no_such_channel"], watchlist="study")
        with pytest.raises(InvalidTarget):
            await tg.watch(["not a target!"], watchlist="study")
        with pytest.raises(ValueError, match="watchlist name"):
            await tg.watch(["@news_0"], watchlist="no spaces please")
    with Store(db) as store:
        assert Watchlist(store, "study").entries() == []


async def test_a_failing_chat_is_reported_and_skipped(world: World, tmp_path: Path) -> None:
    async with session(world, tmp_path / "tgkit.db") as tg:
        await tg.watch(CHANNELS)
        world.chat("news_1").private = True
        world.chat("news_1").members.pop(world.me.id)  # type: ignore[attr-defined]
        result = await tg.track(refresh_days=0)
    assert list(result.outcomes["status"]) == ["done", "failed", "done"]
    assert result.failed["error"].iloc[0]
    assert result.counts()["new_messages"] == 120 + 200


async def test_a_renamed_channel_stays_tracked(world: World, tmp_path: Path) -> None:
    async with session(world, tmp_path / "tgkit.db") as tg:
        await tg.watch(["@news_0"])
        await tg.track(refresh_days=0)
        world.rename("news_0", "news_zero")
        world.generate_messages(world.chat("news_zero"), 3, days=0.01)
        result = await tg.track(refresh_days=0)
    assert result.counts()["new_messages"] == 3


async def test_a_dataset_folder_of_something_else_is_refused_before_any_request(
    world: World, tmp_path: Path
) -> None:  # async: Telethon 1.39 makes its client inside a running loop
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.docx").write_text("x")
    tg = session(world, tmp_path / "tgkit.db")
    with pytest.raises(ValueError, match="holds other files"):
        tg.track(dataset=other)


async def test_two_runs_at_once_are_refused(world: World, tmp_path: Path) -> None:
    db = tmp_path / "tgkit.db"
    async with session(world, db) as tg:
        await tg.watch(CHANNELS)
        with Store(db) as other, Watchlist(other, "default").running():
            with pytest.raises(Exception, match="being tracked right now"):
                await tg.track()
        result = await tg.track()
    assert result.counts()["failed"] == 0
    assert isinstance(result.outcomes, pd.DataFrame)


async def test_each_run_takes_the_chats_info_once_into_the_dataset(
    world: World, tmp_path: Path
) -> None:
    study = tmp_path / "study"
    async with session(world, tmp_path / "tgkit.db") as tg:
        await tg.watch(CHANNELS)
        world.reset_stats()
        first = await tg.track(dataset=study, refresh_days=0, chat_info=True)
        assert world.stats().count("channels.GetFullChannel") == len(CHANNELS)
        await tg.track(dataset=study, refresh_days=0, chat_info=True)
        quiet = await tg.track(dataset=study, refresh_days=0, chat_info=False)
    assert first.chats is not None
    assert sorted(first.chats["title"]) == ["News 0", "News 1", "News 2"]
    assert quiet.chats is None
    info = read_parquet(study / "chat_info")
    assert len(info) == 2 * len(CHANNELS)
    assert set(info["participants_count"]) == {301}
