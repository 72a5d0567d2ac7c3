"""What a round takes of each chat (``watch(what=...)``) and how often it takes a chat's
info (``track(chat_info=...)``), on the sandbox: counted in requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tracking_helpers import CHANNELS, session

from tgkit.cli import main
from tgkit.export import read_parquet
from tgkit.sandbox import World
from tgkit.store import Store
from tgkit.tracking import Watchlist

pytestmark = pytest.mark.telethon_compat


async def test_what_selects_messages_counters_and_info_per_chat(
    world: World, tmp_path: Path
) -> None:
    study = tmp_path / "study"
    async with session(world, tmp_path / "tgkit.db") as tg:
        await tg.watch(["@news_0"], what="messages")
        await tg.watch(["@news_1"], what=["counters", "chat_info"])
        await tg.watch(["@news_2"], what=("chat_info",))
        world.reset_stats()
        first = await tg.track(dataset=study, refresh_days=2)
        history = world.stats().count("messages.GetHistory")
        info = world.stats().count("channels.GetFullChannel")
    outcomes = first.outcomes.set_index("chat")
    assert list(outcomes["status"]) == ["done"] * 3
    assert outcomes.loc["@news_0", "new_messages"] == 120
    assert outcomes.loc["@news_0", "refreshed"] == 0  # no counters asked
    assert outcomes.loc["@news_1", "new_messages"] == 0  # counters only: nothing new
    assert outcomes.loc["@news_1", "refreshed"] > 0
    assert outcomes.loc["@news_2", ["new_messages", "refreshed"]].tolist() == [0, 0]
    # news_0: its history (two pages, and the empty one that ends it); news_1: one page
    assert history == 3 + 1
    assert info == 2 and first.chats is not None
    assert sorted(first.chats["title"]) == ["News 1", "News 2"]
    messages = read_parquet(study / "messages")
    assert set(messages["chat_id"]) == {-1000000000000 - world.chat("news_0").id}
    observations = read_parquet(study / "observations")
    assert set(observations["chat_id"]) == {
        -1000000000000 - world.chat("news_0").id, -1000000000000 - world.chat("news_1").id,
    }  # news_0's new posts are observed once; news_1's recent posts are refreshed


async def test_adding_a_chat_again_changes_what_and_keeps_its_place(
    world: World, tmp_path: Path
) -> None:
    db = tmp_path / "tgkit.db"
    async with session(world, db) as tg:
        await tg.watch(CHANNELS)
        await tg.track(refresh_days=0)
        frame = await tg.watch(["@news_1"], what="messages")
    assert list(frame["what"]) == ["messages,counters,chat_info", "messages",
                                   "messages,counters,chat_info"]
    with Store(db) as store:
        entries = {e.username: e for e in Watchlist(store).entries()}
    assert entries["news_1"].what == ("messages",)
    assert entries["news_1"].round == 1 and entries["news_1"].last_message_id > 0


async def test_bad_what_is_refused_and_nothing_is_added(world: World, tmp_path: Path) -> None:
    db = tmp_path / "tgkit.db"
    async with session(world, db) as tg:
        for bad, error in (("everything", ValueError), ([], ValueError), (42, TypeError),
                           (["messages", "members"], ValueError)):
            with pytest.raises(error, match="what must be one or more of messages, counters"):
                tg.watch(CHANNELS, what=bad)
    with Store(db) as store:
        assert Watchlist(store).entries() == []


async def test_a_chats_info_is_taken_once_a_day_by_default(world: World, tmp_path: Path) -> None:
    db, study = tmp_path / "tgkit.db", tmp_path / "study"
    async with session(world, db) as tg:
        await tg.watch(CHANNELS)
        world.reset_stats()
        first = await tg.track(dataset=study, refresh_days=0)
        again = await tg.track(dataset=study, refresh_days=0)  # the same day: not due
        assert world.stats().count("channels.GetFullChannel") == len(CHANNELS)
        with Store(db) as store:  # a day later for news_1 only
            Watchlist(store).took_info(
                [-1000000000000 - world.chat("news_1").id],
                datetime.now(UTC) - timedelta(hours=23),  # within the 5 % margin of a day
            )
        later = await tg.track(dataset=study, refresh_days=0)
        every = await tg.track(dataset=study, refresh_days=0, chat_info=True)
        hourly = await tg.track(dataset=study, refresh_days=0, chat_info="1h")
    assert first.chats is not None and len(first.chats) == 3
    assert again.chats is None
    assert later.chats is not None and list(later.chats["title"]) == ["News 1"]
    assert every.chats is not None and len(every.chats) == 3
    assert hourly.chats is None
    assert len(read_parquet(study / "chat_info")) == 3 + 1 + 3
    with Store(db) as store:
        assert Watchlist(store).frame()["info_at"].notna().all()
    with pytest.raises(ValueError, match=r"chat_info must be True \(every run\), False"):
        tg.track(chat_info="sometimes")


def test_the_command_line_takes_what_and_when(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "tgkit.db"
    code = main(["track", "add", "@news_channel", "--what", "chat_info", "--sandbox",
                 "--store", str(db)])
    assert code == 0
    code = main(["track", "run", "--sandbox", "--chat-info", "every-run", "--json",
                 "--store", str(db)])
    assert code == 0
    with Store(db) as store:
        [entry] = Watchlist(store).entries()
    assert entry.what == ("chat_info",) and entry.info_at is not None
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["track", "add", "@news_channel", "--what", "posts", "--store", str(db)])
    assert "--what must be one or more of" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["track", "run", "--chat-info", "sometimes", "--store", str(db)])
    assert "--chat-info must be True" in capsys.readouterr().err


async def test_unwatch_and_the_watchlist_frame_send_no_request(
    world: World, tmp_path: Path
) -> None:
    async with session(world, tmp_path / "tgkit.db") as tg:
        await tg.watch(CHANNELS, watchlist="study")
        world.reset_stats()
        left = await tg.unwatch(["@news_1", -1000000000000 - world.chat("news_2").id],
                                watchlist="study")
        with pytest.raises(ValueError, match="not in the watchlist 'study': @news_9"):
            await tg.unwatch(["@news_0", "@news_9"], watchlist="study")
        listed = await tg.watchlist("study")
        assert world.stats().count() == 0
    assert list(left["username"]) == list(listed["username"]) == ["news_0"]
    assert list(listed.columns)[-2:] == ["what", "info_at"]
