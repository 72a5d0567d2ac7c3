"""Where operations run: in the awaiting task, or a task of their own, and what
that means for context, cancellation bookkeeping and stray cancels."""

from __future__ import annotations

import asyncio
import contextvars

import pytest
from core_probes import FAST, Probe

from tgkit.core import (
    OperationKind,
    OperationState,
    OperationTimeout,
    Scheduler,
    SchedulerEvent,
    current_operation,
)

SCRAPE = OperationKind.SCRAPE
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


async def test_an_awaited_operation_runs_in_the_awaiting_task(scheduler: Scheduler) -> None:
    tasks: list[object] = []

    async def where() -> None:
        tasks.append(asyncio.current_task())

    await scheduler.submit(SCRAPE, where)  # fast path, taken by this task
    gate = asyncio.Event()
    holder = scheduler.submit(SCRAPE, Probe().op("holder", gate=gate))
    waiter = asyncio.create_task(_await(scheduler.submit(SCRAPE, where)))  # queued, then run
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(holder, waiter)
    assert tasks == [asyncio.current_task(), waiter]


async def test_an_unawaited_operation_gets_its_own_task_in_the_submitters_context(
    scheduler: Scheduler,
) -> None:
    seen: list[tuple[str, object]] = []

    async def where() -> None:
        seen.append((request_id.get(), asyncio.current_task()))

    request_id.set("r-1")
    handle = scheduler.submit(SCRAPE, where)
    request_id.set("r-2")  # later changes do not reach it
    await asyncio.sleep(0.001)
    assert handle.state is OperationState.DONE
    assert seen[0][0] == "r-1"
    assert seen[0][1] is not asyncio.current_task()


async def test_current_operation_is_restored_after_an_inline_call(scheduler: Scheduler) -> None:
    after: list[object] = []

    async def inner() -> None:
        await asyncio.sleep(0)

    async def outer() -> None:
        await scheduler.submit(SCRAPE, inner)
        after.append(current_operation())

    handle = scheduler.submit(SCRAPE, outer)
    await handle
    assert after == [handle.operation]
    assert current_operation() is None


async def test_a_timeout_leaves_the_awaiting_task_uncancelled(scheduler: Scheduler) -> None:
    with pytest.raises(OperationTimeout):
        await scheduler.submit(SCRAPE, Probe().op("slow", 10.0), timeout=0.01)
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    await asyncio.sleep(0.002)  # no stray cancel arrives later


async def test_an_operation_cancelling_itself_leaves_no_stray_cancel(
    scheduler: Scheduler,
) -> None:
    async def quits() -> str:
        op = current_operation()
        assert op is not None
        assert scheduler.cancel(op.id) is True
        return "returned anyway"

    handle = scheduler.submit(SCRAPE, quits)
    with pytest.raises(asyncio.CancelledError):
        await handle
    assert handle.state is OperationState.CANCELLED
    await asyncio.sleep(0.002)  # would raise if a cancel were still pending on this task
    assert await scheduler.submit(SCRAPE, Probe().op("next", 0.001)) == "next"


async def test_an_operation_cancelling_itself_is_interrupted_at_its_next_await(
    scheduler: Scheduler,
) -> None:
    probe = Probe()

    async def quits_then_waits() -> None:
        op = current_operation()
        assert op is not None
        scheduler.cancel(op.id)
        await probe.op("interrupted", 10.0)()

    with pytest.raises(asyncio.CancelledError):
        await scheduler.submit(SCRAPE, quits_then_waits)
    assert probe.cancelled == ["interrupted"]


async def test_an_awaiter_cancelled_as_it_is_handed_the_operation_ends_it(
    scheduler: Scheduler,
) -> None:
    probe = Probe()
    gate = asyncio.Event()
    holder = scheduler.submit(SCRAPE, probe.op("holder", gate=gate))
    queued = scheduler.submit(SCRAPE, probe.op("queued"))
    waiter = asyncio.create_task(_await(queued))
    await asyncio.sleep(0)  # parked on the queued operation

    def cancel_waiter_on_start(event: SchedulerEvent) -> None:
        if event.type == "started" and event.operation.id == queued.id:
            waiter.cancel()  # after it was handed the operation, before it runs it

    scheduler.subscribe(cancel_waiter_on_start)
    gate.set()
    await holder
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert queued.state is OperationState.CANCELLED
    assert probe.started == ["holder"]
    assert not scheduler.is_busy


async def test_a_subscriber_cancelling_a_just_started_operation(scheduler: Scheduler) -> None:
    probe = Probe()

    def cancel_on_start(event: SchedulerEvent) -> None:
        if event.type == "started" and event.operation.label == "doomed":
            scheduler.cancel(event.operation.id)

    scheduler.subscribe(cancel_on_start)
    doomed = scheduler.submit(SCRAPE, probe.op("doomed"))
    with pytest.raises(asyncio.CancelledError):
        await doomed
    assert probe.started == []
    assert await scheduler.submit(SCRAPE, probe.op("fine")) == "fine"


async def test_stop_while_an_awaiter_runs_the_operation() -> None:
    scheduler = Scheduler(FAST.replace(drain_timeout=0.01))
    await scheduler.start()
    probe = Probe()
    handle = scheduler.submit(SCRAPE, probe.op("long", 10.0))
    waiter = asyncio.create_task(_await(handle))
    await asyncio.sleep(0.001)
    await scheduler.stop()
    outcome = await asyncio.gather(waiter, return_exceptions=True)
    assert type(outcome[0]).__name__ == "SessionClosed"
    assert probe.cancelled == ["long"]
    assert not waiter.cancelled()


async def _await(handle: object) -> object:
    return await handle  # type: ignore[misc]
