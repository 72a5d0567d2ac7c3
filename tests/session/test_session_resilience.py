"""Flood waits, lost connections, cancels and timeouts: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import sqlite3

import pandas as pd
import pytest
from session_worlds import FAST, Small, build_small

from tgkit.core import OperationState
from tgkit.errors import FloodWait, OperationTimeout
from tgkit.sandbox import World
from tgkit.session import TelegramSession
from tgkit.store import Store

pytestmark = pytest.mark.telethon_compat

# Columns that say when a row was read, not what it says.
_WHEN = ["collected_at", "last_seen"]


def _rows(frame):
    return frame.drop(columns=[c for c in _WHEN if c in frame]).reset_index(drop=True)


def _medium() -> tuple[World, object]:
    world = World(seed=3)
    me = world.add_user("Ada", username="ada_research")
    group = world.add_supergroup("Medium", username="medium_group", members=2_000)
    world.join(group, me)
    world.generate_messages(group, 600, days=5)
    return world, me


async def _undisturbed_members(world, me):
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        return await session.scrape_group_members("@medium_group")


def _on_progress(session, at_least, action):
    """Call ``action()`` once, when the running operation has ``at_least`` rows."""
    fired = []

    def listener(event):
        if event.type == "progress" and not fired and event.operation.progress.done >= at_least:
            fired.append(event)
            action()

    return session.subscribe(listener)


async def test_a_short_flood_wait_is_slept_through_visibly(small: Small):
    small.world.flood_limit("messages.GetHistory", calls=2, per=1, wait=1)
    async with TelegramSession.sandbox(small.world, small.me, config=FAST) as session:
        handle = session.scrape_messages("@small_group", limit=400)
        seen_waiting = []
        while not handle.done():
            waiting = session.snapshot().pacing.waiting
            if waiting:
                seen_waiting.append(waiting)
            await asyncio.sleep(0.02)
        df = await handle
    assert len(df) == 400
    assert seen_waiting and seen_waiting[0][0].request_type == "messages.GetHistory"
    assert handle.report["flood_waits"]["messages.GetHistory"] >= 1
    assert handle.report["flood_wait_s"] >= 0.5


async def test_a_long_flood_wait_fails_with_what_was_collected(small: Small, tmp_path):
    small.world.flood_limit("messages.GetHistory", calls=2, per=60, wait=3600)
    with Store(tmp_path / "t.db") as store:
        async with TelegramSession.sandbox(
            small.world, small.me, config=FAST, store=store
        ) as session:
            handle = session.scrape_messages("@small_group", limit=400)
            with pytest.raises(FloodWait) as caught:
                await handle
            assert caught.value.seconds >= 3599
            assert caught.value.request_type == "messages.GetHistory"
            assert type(caught.value.__cause__).__name__ == "FloodWaitError"
            assert handle.state is OperationState.FAILED
            partial = handle.partial
            assert len(partial) == 200 and partial.attrs["partial"] is True
            assert session.pacer.flood_wait_remaining("messages.GetHistory") > 3500
            # The next history request is refused at once, without asking Telegram.
            small.world.reset_stats()
            with pytest.raises(FloodWait):
                await session.scrape_messages("@small_group", limit=10)
            assert small.world.stats().count("messages.GetHistory") == 0
            account = session.account
        collections = store.collections()
        assert collections["status"].tolist()[0] == "interrupted"
        # An hour passes (the store never shortens a recorded wait, so end it by hand)
        # and a re-run resumes from the checkpoint.
        with sqlite3.connect(store.path) as db:
            db.execute("DELETE FROM flood_waits WHERE account = ?", (account,))
        small.world.clear_flood_limits()
        async with TelegramSession.sandbox(
            small.world, small.me, config=FAST, store=store
        ) as session:
            small.world.reset_stats()
            resumed = await session.scrape_messages("@small_group", limit=400)
        assert small.world.stats().count("messages.GetHistory") == 2  # pages 3 and 4 only
    async with TelegramSession.sandbox(small.world, small.me, config=FAST) as session:
        undisturbed = await session.scrape_messages("@small_group", limit=400)
    assert resumed.attrs["resumed"] is True
    pd_equal(_rows(resumed), _rows(undisturbed))


def pd_equal(left, right):
    pd.testing.assert_frame_equal(left, right)


async def test_a_lost_connection_mid_scrape_gives_the_same_rows():
    world, me = _medium()
    undisturbed = await _undisturbed_members(world, me)
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        _on_progress(session, 600, lambda: world.disconnect(me))
        handle = session.scrape_group_members("@medium_group")
        df = await handle
    assert handle.report["reconnects"] == 1
    pd_equal(_rows(df), _rows(undisturbed))


async def test_reconnect_gives_up_after_the_configured_retries():
    world, me = _medium()
    config = FAST.replace(reconnect_retries=2)
    async with TelegramSession.sandbox(world, me, config=config) as session:
        for _ in range(3):
            world.fail_next("channels.GetParticipants", ConnectionError)
        with pytest.raises(ConnectionError, match="2 reconnect attempts failed"):
            await session.scrape_group_members("@medium_group")


async def test_cancel_keeps_the_partial_frame_and_a_rerun_resumes(tmp_path):
    world, me = _medium()
    undisturbed = await _undisturbed_members(world, me)
    with Store(tmp_path / "t.db") as store:
        async with TelegramSession.sandbox(world, me, config=FAST, store=store) as session:
            handle = session.scrape_group_members("@medium_group")
            _on_progress(session, 1_000, handle.cancel)
            with pytest.raises(asyncio.CancelledError):
                await handle
            assert handle.state is OperationState.CANCELLED
            partial = handle.partial
            assert 1_000 <= len(partial) < 2_001
            pd_equal(_rows(partial), _rows(undisturbed.head(len(partial))))

            world.reset_stats()
            resumed = await session.scrape_group_members("@medium_group")
        pages = world.stats().count("channels.GetParticipants")
        assert pages == (2_001 - len(partial) + 199) // 200
        pd_equal(_rows(resumed), _rows(undisturbed))
        assert store.collections()["status"].tolist() == ["complete"]


async def test_a_timed_out_scrape_keeps_its_rows_and_resumes(tmp_path):
    world, me = _medium()
    undisturbed = await _undisturbed_members(world, me)
    with Store(tmp_path / "t.db") as store:
        async with TelegramSession.sandbox(world, me, config=FAST, store=store) as session:
            # After 600 rows Telegram turns slow; the run timeout ends the operation.
            # (The timeout leaves room for the first pages on a busy machine.)
            _on_progress(session, 600, lambda: setattr(world, "latency", 30.0))
            handle = session.scrape_group_members("@medium_group", timeout=1.0)
            with pytest.raises(OperationTimeout):
                await handle
            assert handle.state is OperationState.TIMED_OUT
            assert len(handle.partial) == 600
            world.latency = 0.0
            df = await session.scrape_group_members("@medium_group")
    assert df.attrs["resumed"] is True
    pd_equal(_rows(df), _rows(undisturbed))


async def test_connection_lost_during_a_queued_wait_is_repaired_by_the_next_operation():
    small = build_small()
    async with TelegramSession.sandbox(small.world, small.me, config=FAST) as session:
        await session.scrape_messages("@small_group", limit=5)
        small.world.disconnect(small.me)
        df = await session.scrape_messages("@small_group", limit=5)
    assert len(df) == 5


async def test_a_collection_begun_by_one_account_is_resumed_by_another(tmp_path):
    from tgkit.manager.sessions import SharedCollections

    world, me = _medium()
    other = world.users[next(u for u in world.chat("medium_group").members if u != me.id)]
    undisturbed = await _undisturbed_members(world, me)
    with Store(tmp_path / "t.db") as store:
        pool = SharedCollections(store, pool="study")
        async with TelegramSession.sandbox(world, me, config=FAST, store=store) as first:
            first.collect_into(pool)
            handle = first.scrape_group_members("@medium_group")
            _on_progress(first, 800, handle.cancel)
            with pytest.raises(asyncio.CancelledError):
                await handle
        async with TelegramSession.sandbox(world, other, config=FAST) as second:
            second.collect_into(pool)
            world.reset_stats()
            df = await second.scrape_group_members("@medium_group")
        assert world.stats().count("channels.GetParticipants", user=me) == 0
        assert df.attrs["resumed"] is True
    pd_equal(_rows(df), _rows(undisturbed))


async def test_a_completed_collection_comes_back_from_the_store_without_requests(tmp_path):
    world, me = _medium()
    with Store(tmp_path / "t.db") as store:
        async with TelegramSession.sandbox(world, me, config=FAST, store=store) as session:
            first = await session.scrape_group_members("@medium_group")
            world.reset_stats()
            again = await session.scrape_group_members("@medium_group")
            assert world.stats().count() == 0
            pd.testing.assert_frame_equal(again, first, check_like=False)
            assert again.attrs["collection_id"] == first.attrs["collection_id"]
            fresh = await session.scrape_group_members("@medium_group", resume=False)
            assert world.stats().count("channels.GetParticipants") == 11
            assert fresh.attrs["collection_id"] != first.attrs["collection_id"]
            # A relative message window is never answered from an old, complete run.
            await session.scrape_messages("@medium_group", days_back=1)
            world.reset_stats()
            await session.scrape_messages("@medium_group", days_back=1)
            assert world.stats().count("messages.GetHistory") >= 1
