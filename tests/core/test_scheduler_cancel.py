"""Cancelling queued and running operations, through the handle, by id, or by the caller."""

from __future__ import annotations

import asyncio

import pytest
from core_probes import Probe

from tgkit.core import OperationKind, OperationState, Scheduler

SCRAPE = OperationKind.SCRAPE


async def test_cancel_a_queued_operation(scheduler: Scheduler) -> None:
    probe = Probe()
    gate = asyncio.Event()
    holder = scheduler.submit(SCRAPE, probe.op("holder", gate=gate))
    queued = scheduler.submit(SCRAPE, probe.op("queued"))
    assert queued.cancel() is True
    assert queued.state is OperationState.CANCELLED  # at once, without running
    assert scheduler.queued_count == 0
    with pytest.raises(asyncio.CancelledError, match="cancelled while queued"):
        await queued
    gate.set()
    await holder
    assert probe.started == ["holder"]
    record = next(r for r in scheduler.history if r.id == queued.id)
    assert record.started_at is None and record.state is OperationState.CANCELLED


async def test_cancel_a_running_operation_releases_the_lock(scheduler: Scheduler) -> None:
    probe = Probe()
    running = scheduler.submit(SCRAPE, probe.op("running", 10.0))
    following = scheduler.submit(SCRAPE, probe.op("following"))
    await asyncio.sleep(0.001)
    assert running.cancel() is True
    with pytest.raises(asyncio.CancelledError):
        await running
    assert running.state is OperationState.CANCELLED
    assert probe.cancelled == ["running"]
    assert await following == "following"


async def test_cancel_after_the_end_returns_false(scheduler: Scheduler) -> None:
    handle = scheduler.submit(SCRAPE, Probe().op("quick"))
    await handle
    assert handle.cancel() is False
    assert handle.state is OperationState.DONE
    assert scheduler.cancel(handle.id) is False


async def test_cancel_by_id(scheduler: Scheduler) -> None:
    probe = Probe()
    running = scheduler.submit(SCRAPE, probe.op("running", 10.0))
    queued = scheduler.submit(SCRAPE, probe.op("queued"))
    assert scheduler.cancel(queued.id) is True
    assert scheduler.cancel("op-does-not-exist") is False
    await asyncio.sleep(0.001)
    assert scheduler.cancel(running.id) is True
    results = await asyncio.gather(running, queued, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    assert probe.started == ["running"]


async def test_cancel_before_the_first_step_never_runs_the_function(
    scheduler: Scheduler,
) -> None:
    probe = Probe()
    handle = scheduler.submit(SCRAPE, probe.op("never"))
    assert handle.state is OperationState.RUNNING  # fast path: its task exists, not yet run
    assert handle.cancel() is True
    with pytest.raises(asyncio.CancelledError):
        await handle
    assert probe.started == []
    assert not scheduler.is_busy


async def test_cancelling_the_awaiting_task_cancels_a_running_operation(
    scheduler: Scheduler,
) -> None:
    probe = Probe()
    handle = scheduler.submit(SCRAPE, probe.op("long", 10.0))
    waiter = asyncio.create_task(_await(handle))
    await asyncio.sleep(0.001)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    with pytest.raises(asyncio.CancelledError):
        await handle
    assert handle.state is OperationState.CANCELLED
    assert "awaiting it was cancelled" in str(handle.exception())
    assert probe.cancelled == ["long"]
    assert not scheduler.is_busy


async def test_cancelling_the_awaiting_task_cancels_a_queued_operation(
    scheduler: Scheduler,
) -> None:
    probe = Probe()
    gate = asyncio.Event()
    holder = scheduler.submit(SCRAPE, probe.op("holder", gate=gate))
    queued = scheduler.submit(SCRAPE, probe.op("queued"))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queued, timeout=0.01)
    assert queued.state is OperationState.CANCELLED
    gate.set()
    await holder
    assert probe.started == ["holder"]


async def test_shield_keeps_the_operation_when_the_caller_gives_up(
    scheduler: Scheduler,
) -> None:
    probe = Probe()
    handle = scheduler.submit(SCRAPE, probe.op("shielded", 0.03))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(handle), timeout=0.005)
    assert await handle == "shielded"
    assert handle.state is OperationState.DONE


async def test_an_operation_that_swallows_cancel_still_ends_cancelled(
    scheduler: Scheduler,
) -> None:
    probe = Probe()

    async def stubborn() -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            await asyncio.sleep(0.005)
        return "ignored the cancel"

    handle = scheduler.submit(SCRAPE, stubborn)
    after = scheduler.submit(SCRAPE, probe.op("after"))
    await asyncio.sleep(0.001)
    handle.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handle
    assert handle.state is OperationState.CANCELLED
    await after
    # the lock was held until the stubborn one really ended
    assert after.operation.started_at >= handle.operation.finished_at  # type: ignore[operator]


async def test_two_awaiters_see_the_same_outcome(scheduler: Scheduler) -> None:
    handle = scheduler.submit(SCRAPE, Probe().op("shared", 0.005))
    first, second = await asyncio.gather(_await(handle), _await(handle))
    assert first == second == "shared"


async def _await(handle: object) -> object:
    return await handle  # type: ignore[misc]


async def test_cancel_from_another_thread_is_carried_out_on_the_loop(
    scheduler: Scheduler,
) -> None:
    probe = Probe()
    running = scheduler.submit(SCRAPE, probe.op("running", 10.0))
    queued = scheduler.submit(SCRAPE, probe.op("queued"))
    await asyncio.sleep(0.001)
    from_thread = await asyncio.to_thread(lambda: (queued.cancel(), scheduler.cancel(running.id)))
    assert from_thread == (True, True)
    results = await asyncio.gather(running, queued, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    assert probe.cancelled == ["running"] and probe.started == ["running"]
    assert await asyncio.to_thread(running.cancel) is False  # already ended
