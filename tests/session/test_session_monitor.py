"""monitor(): live rows, clean ends however it ends, back-fill after gaps, isolation."""

from __future__ import annotations

import asyncio

import pytest
from session_worlds import FAST, Small, until

from tgkit.core import OperationState
from tgkit.errors import OperationTimeout
from tgkit.frames import frame_dtypes
from tgkit.session import TelegramSession

pytestmark = pytest.mark.telethon_compat


def _monitor_tasks() -> list[asyncio.Task]:
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done() and "tgkit/telegram/monitor" in task.get_coro().cr_code.co_filename
    ]


def _author(small: Small):
    return small.world.users[next(uid for uid in small.group.members if uid != small.me.id)]


async def _started(session, handle) -> None:
    """Wait until the monitor listens: its handler is registered after its first request."""
    await until(
        lambda: handle.state is OperationState.RUNNING and session.client.list_event_handlers(),
        "the monitor to listen",
    )


async def test_live_messages_grow_the_frame_and_stop_cleans_up(small: Small, session):
    author = _author(small)
    rows = []
    handlers_before = len(session.client.list_event_handlers())
    handle = session.monitor("@small_group", duration=30, on_message=rows.append)
    await _started(session, handle)
    assert len(session.client.list_event_handlers()) == handlers_before + 1

    posted = [small.world.post(small.group, author, f"live {n}") for n in range(5)]
    await until(lambda: handle.count == 5, "five live messages")
    live = handle.frame()
    assert live["message_id"].tolist() == [m.id for m in posted]
    assert dict(live.dtypes) == frame_dtypes("messages")
    assert [row["text"] for row in rows] == [f"live {n}" for n in range(5)]

    handle.stop()
    df = await handle
    assert handle.state is OperationState.DONE
    assert df["message_id"].tolist() == [m.id for m in posted]
    assert [b.reason for b in handle.backfills] == ["final"] and handle.backfilled == 0
    assert len(session.client.list_event_handlers()) == handlers_before
    assert _monitor_tasks() == []


async def test_the_duration_ends_the_monitor(small: Small, session):
    handle = session.monitor("@small_group", duration=0.05)
    df = await handle
    assert handle.state is OperationState.DONE and df.empty
    assert list(df.columns) == list(frame_dtypes("messages"))


async def test_timeout_and_cancel_remove_the_handler_and_keep_the_rows(small: Small, session):
    author = _author(small)
    handlers_before = len(session.client.list_event_handlers())

    timed = session.monitor("@small_group", duration=30, timeout=0.15)
    await _started(session, timed)
    small.world.post(small.group, author, "before the timeout")
    with pytest.raises(OperationTimeout):
        await timed
    assert timed.state is OperationState.TIMED_OUT
    assert timed.frame()["text"].tolist() == ["before the timeout"]
    assert len(timed.operation.partial) == 1

    cancelled = session.monitor("@small_group", duration=30)
    await _started(session, cancelled)
    assert cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert cancelled.state is OperationState.CANCELLED
    assert len(session.client.list_event_handlers()) == handlers_before
    assert _monitor_tasks() == []


async def test_a_stall_is_back_filled_from_history(small: Small, session):
    author = _author(small)
    handle = session.monitor("@small_group", duration=30, stall_after=0.05)
    await _started(session, handle)
    # Messages whose updates never reach this client (as when updates stall):
    # the world delivers a client's own sends as the request's answer, not as updates.
    missed = [
        small.world.send(small.group, author, f"missed {n}", None, origin=session.client._sender)
        for n in range(3)
    ]
    await until(lambda: handle.count == 3, "the back-fill")
    handle.stop()
    df = await handle
    assert df["message_id"].tolist() == [m.id for m in missed]
    stalled = [b for b in handle.backfills if b.reason == "stalled"]
    assert sum(b.added for b in stalled) == 3
    assert df.attrs["backfills"][0]["reason"] == "stalled"


async def test_after_a_lost_connection_nothing_is_missing_or_twice(small: Small, session):
    author = _author(small)
    handle = session.monitor("@small_group", duration=30)
    await _started(session, handle)
    before = [small.world.post(small.group, author, f"before {n}") for n in range(3)]
    await until(lambda: handle.count == 3, "the first messages")
    small.world.disconnect(small.me)
    during = [small.world.post(small.group, author, f"during {n}") for n in range(4)]
    await until(lambda: any(b.reason == "reconnected" for b in handle.backfills), "a reconnect")
    after = [small.world.post(small.group, author, f"after {n}") for n in range(2)]
    await until(lambda: handle.count == 9, "every message")
    handle.stop()
    df = await handle
    ids = df["message_id"].tolist()
    assert sorted(ids) == [m.id for m in before + during + after]
    assert len(ids) == len(set(ids))
    assert session.client.is_connected()


async def test_a_monitor_blocks_scrapes_until_it_ends(small: Small, session):
    monitor = session.monitor("@small_group", duration=30)
    await _started(session, monitor)
    scrape = session.scrape_messages("@small_group", limit=10)
    await asyncio.sleep(0.05)
    assert scrape.state is OperationState.QUEUED
    assert session.snapshot().scheduler.running.id == monitor.id
    assert session.queue()["id"].tolist() == [monitor.id, scrape.id]
    monitor.stop()
    df = await scrape
    assert len(df) == 10
    records = {record.id: record for record in session.scheduler.history}
    assert records[scrape.id].started_at >= records[monitor.id].finished_at


async def test_other_sessions_monitors_are_unaffected(small: Small, session):
    author = _author(small)
    other = small.world.users[
        next(uid for uid in small.group.members if uid not in (small.me.id, author.id))
    ]
    async with TelegramSession.sandbox(small.world, other, name="other", config=FAST) as second:
        mine = session.monitor("@small_group", duration=30)
        theirs = second.monitor("@small_group", duration=30)
        await _started(session, mine)
        await _started(second, theirs)
        small.world.post(small.group, author, "both see this")
        await until(lambda: mine.count == 1 and theirs.count == 1, "both monitors")
        mine.stop()
        await mine
        small.world.post(small.group, author, "only the second one")
        await until(lambda: theirs.count == 2, "the second monitor")
        assert mine.count == 1
        theirs.stop()
        df = await theirs
    assert df["text"].tolist() == ["both see this", "only the second one"]


async def test_bad_monitor_arguments_fail_at_once(session):
    with pytest.raises(ValueError, match="duration"):
        session.monitor("@small_group", duration=0)
    with pytest.raises(ValueError, match="at least one chat"):
        session.monitor([], duration=1)
    with pytest.raises(TypeError, match="on_message"):
        session.monitor("@small_group", duration=1, on_message="print")
    assert session.history().empty
