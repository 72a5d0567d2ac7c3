"""Pacing and the store wired into the session: budgets, per-type flood waits, caches."""

from __future__ import annotations

import pytest
from session_worlds import FAST, Small, until

from tgkit.core import Rate
from tgkit.errors import FloodWait
from tgkit.pacing import PacingEventKind, WaitReason
from tgkit.session import TelegramSession
from tgkit.store import Store

pytestmark = pytest.mark.telethon_compat


async def test_every_request_goes_through_its_budget(small: Small):
    # One participants page per 0.3 s: long enough that the second page must wait even on
    # a busy machine.
    budgets = {"channels.GetParticipants": (Rate(1, 0.3),), "*": (Rate(100, 1),)}
    config = FAST.replace(pacing=True, budgets=budgets)
    async with TelegramSession.sandbox(small.world, small.me, config=config) as session:
        events = []
        session.pacer.subscribe(events.append)
        handle = session.scrape_group_members("@small_group")  # two pages of participants
        df = await handle
    assert len(df) == 301
    budget_waits = [
        e
        for e in events
        if e.kind is PacingEventKind.WAIT_STARTED and e.reason is WaitReason.BUDGET
    ]
    assert [e.request_type for e in budget_waits] == ["channels.GetParticipants"]
    # The second page could not go before 0.3 s after the first: it waited for the budget.
    assert handle.report["budget_wait_s"] > 0
    assert session.scheduler.history[-1].run_seconds >= 0.3
    assert session.history()["budget_wait_s"].tolist() == [handle.report["budget_wait_s"]]


async def test_a_flood_wait_on_one_request_type_leaves_the_others_alone(small: Small):
    small.world.flood_limit("messages.GetHistory", calls=0, per=60, wait=3600)
    async with TelegramSession.sandbox(small.world, small.me, config=FAST) as session:
        with pytest.raises(FloodWait):
            await session.scrape_messages("@small_group", limit=10)
        small.world.reset_stats()
        df = await session.scrape_group_members("@small_group")  # participants are fine
        assert len(df) == 301
        with pytest.raises(FloodWait):  # history is still blocked, without asking Telegram
            await session.scrape_messages("@small_group", limit=10)
    assert small.world.stats().count("messages.GetHistory") == 0


async def test_flood_waits_and_resolved_usernames_outlive_the_session(small: Small, tmp_path):
    small.world.flood_limit("messages.GetHistory", calls=0, per=60, wait=3600)
    with Store(tmp_path / "t.db") as store:
        async with TelegramSession.sandbox(
            small.world, small.me, config=FAST, store=store
        ) as session:
            with pytest.raises(FloodWait):
                await session.scrape_messages("@small_group", limit=10)
        small.world.reset_stats()
        async with TelegramSession.sandbox(
            small.world, small.me, config=FAST, store=store
        ) as again:
            assert again.pacer.flood_wait_remaining("messages.GetHistory") > 3500
            with pytest.raises(FloodWait):
                await again.scrape_messages("@small_group", limit=10)
            await again.scrape_group_members("@small_group", max_members=5)
    stats = small.world.stats()
    assert stats.count("messages.GetHistory") == 0
    assert stats.count("contacts.ResolveUsername") == 0  # the username came from the cache


async def test_a_monitor_over_several_chats_stores_its_rows(small: Small, tmp_path):
    author = small.world.users[next(u for u in small.group.members if u != small.me.id)]
    friend = small.world.users[next(u for u in small.basic.members if u != small.me.id)]
    with Store(tmp_path / "t.db") as store:
        async with TelegramSession.sandbox(
            small.world, small.me, config=FAST, store=store
        ) as session:
            handle = session.monitor(["@small_group", -small.basic.id], duration=30)
            await until(lambda: session.client.list_event_handlers(), "the monitor to listen")
            small.world.post(small.group, author, "in the supergroup")
            small.world.post(small.basic, friend, "in the basic group")
            await until(lambda: handle.count == 2, "both messages")
            handle.stop()
            df = await handle
        assert set(df["chat_id"]) == {-1_000_000_000_000 - small.group.id, -small.basic.id}
        collections = store.collections()
        assert collections["target"].tolist() == [f"monitor:@small_group,id:{-small.basic.id}"]
        assert collections["rows"].tolist() == [2]
        assert store.frame(int(collections["id"][0]))["text"].tolist() == df["text"].tolist()
