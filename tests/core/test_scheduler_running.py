"""Running operations: dispatch, ordering, errors, the lock, inline calls, progress."""

from __future__ import annotations

import asyncio

import pytest
from core_probes import FAST, Probe, other_tasks

from tgkit.core import (
    OperationKind,
    OperationState,
    Progress,
    Scheduler,
    SchedulerEvent,
    current_operation,
)

SCRAPE = OperationKind.SCRAPE


class Boom(Exception):
    pass


async def test_next_operation_starts_in_the_same_step_as_the_release(
    scheduler: Scheduler,
) -> None:
    """Event-driven dispatch: B starts inside A's task, right as A finishes; nothing polls."""
    log: list[tuple[str, str, asyncio.Task[object] | None]] = []
    scheduler.subscribe(lambda e: log.append((e.type, e.operation.label, asyncio.current_task())))
    probe = Probe()
    gate = asyncio.Event()
    first = scheduler.submit(SCRAPE, probe.op("A", gate=gate))
    second = scheduler.submit(SCRAPE, probe.op("B"))
    await asyncio.sleep(0)
    gate.set()
    await second

    finished_a = log.index(("finished", "A", log[-3][2]))
    assert log[finished_a + 1][:2] == ("started", "B")
    assert log[finished_a][2] is log[finished_a + 1][2]  # same task: no loop hop between
    assert second.operation.started_at == first.operation.finished_at  # same step, same instant


async def test_an_idle_scheduler_has_no_task_and_no_timer(scheduler: Scheduler) -> None:
    """No polling loop: with nothing to do there is nothing scheduled on the loop."""
    loop = asyncio.get_running_loop()
    await scheduler.submit(SCRAPE, Probe().op("once"))
    await asyncio.sleep(0)
    assert other_tasks() == set()
    assert [h for h in loop._scheduled if not h.cancelled()] == []  # type: ignore[attr-defined]


async def test_a_new_submission_never_overtakes_a_queued_one(scheduler: Scheduler) -> None:
    probe = Probe()
    gate = asyncio.Event()
    late: list[object] = []

    def submit_when_a_finishes(event: SchedulerEvent) -> None:
        if event.type == "finished" and event.operation.label == "A":
            late.append(scheduler.submit(SCRAPE, probe.op("C")))

    scheduler.subscribe(submit_when_a_finishes)
    scheduler.submit(SCRAPE, probe.op("A", gate=gate))
    queued = scheduler.submit(SCRAPE, probe.op("B"))
    gate.set()
    await queued
    await late[0]  # type: ignore[misc]
    assert probe.started == ["A", "B", "C"]


async def test_release_by_outside_code_starts_the_queued_operation_first(
    scheduler: Scheduler,
) -> None:
    probe = Probe()
    async with scheduler.lock.hold("maintenance"):
        queued = scheduler.submit(SCRAPE, probe.op("queued"))
        assert queued.state is OperationState.QUEUED
    assert queued.state is OperationState.RUNNING  # started on release, in the same step
    later = scheduler.submit(SCRAPE, probe.op("later"))
    assert later.state is OperationState.QUEUED
    await asyncio.gather(queued, later)
    assert probe.started == ["queued", "later"]


async def test_errors_reach_the_caller_unchanged_and_the_lock_is_released(
    scheduler: Scheduler,
) -> None:
    error = Boom("page 3 failed")
    probe = Probe()
    failing = scheduler.submit(SCRAPE, probe.op("failing", fail=error))
    after = scheduler.submit(SCRAPE, probe.op("after"))
    with pytest.raises(Boom) as raised:
        await failing
    assert raised.value is error
    assert failing.state is OperationState.FAILED
    assert failing.exception() is error
    assert await after == "after"
    assert not scheduler.is_busy
    assert scheduler.submit(SCRAPE, probe.op("fast")).state is OperationState.RUNNING


async def test_current_operation_is_the_running_operation(scheduler: Scheduler) -> None:
    seen: dict[str, object] = {}

    async def work() -> None:
        seen["inside"] = current_operation()
        seen["in a task it spawned"] = await asyncio.create_task(_current())

    handle = scheduler.submit(SCRAPE, work)
    await handle
    assert seen == {"inside": handle.operation, "in a task it spawned": handle.operation}
    assert current_operation() is None


async def _current() -> object:
    return current_operation()


async def test_inline_call_runs_under_the_outer_lock_and_sees_itself(scheduler: Scheduler) -> None:
    inner_seen: list[object] = []

    async def inner() -> str:
        inner_seen.append(current_operation())
        return "inner"

    async def outer() -> tuple[str, object]:
        handle = scheduler.submit(OperationKind.SEND, inner, label="inner")
        assert scheduler.running is current_operation()  # the outer still holds the lock
        assert scheduler.queued_count == 0
        return await handle, handle.operation

    result, inner_op = await scheduler.submit(SCRAPE, outer)
    assert result == "inner"
    assert inner_seen == [inner_op]
    records = {r.label: r for r in scheduler.history}
    assert records["inner"].parent_id == records["outer"].id
    assert records["inner"].state is OperationState.DONE


async def test_inline_call_left_running_is_cancelled_when_its_parent_ends(
    scheduler: Scheduler,
) -> None:
    probe = Probe()
    children = []

    async def parent() -> str:
        children.append(scheduler.submit(SCRAPE, probe.op("child", 5.0)))
        await asyncio.sleep(0.001)
        return "parent done"

    parent_handle = scheduler.submit(SCRAPE, parent)
    next_one = scheduler.submit(SCRAPE, probe.op("next"))
    assert await parent_handle == "parent done"
    child = children[0]
    assert child.state is OperationState.CANCELLED
    assert "ended first" in str(child.exception())
    await next_one
    assert probe.intervals["next"][0] >= probe.intervals["child"][1]  # never overlapped


async def test_another_schedulers_work_queues_normally_from_inside_an_operation(
    scheduler: Scheduler,
) -> None:
    other = Scheduler(FAST, name="other")
    await other.start()
    gate = asyncio.Event()
    probe = Probe()
    other.submit(SCRAPE, probe.op("other busy", gate=gate))
    states = []

    async def calls_other() -> str:
        handle = other.submit(SCRAPE, probe.op("from inside"))
        states.append(handle.state)
        gate.set()
        return await handle

    assert await scheduler.submit(SCRAPE, calls_other) == "from inside"
    assert states == [OperationState.QUEUED]
    await other.stop()


async def test_progress_partial_and_report_are_visible(scheduler: Scheduler) -> None:
    events: list[SchedulerEvent] = []
    scheduler.subscribe(events.append)
    step = asyncio.Event()

    async def scrape() -> None:
        op = current_operation()
        assert op is not None
        op.report["requests"] = 2
        op.report_progress(200, total=1000)
        op.set_partial(["alice", "bob"])
        await step.wait()
        raise Boom("flood wait")

    handle = scheduler.submit(SCRAPE, scrape)
    await asyncio.sleep(0.001)
    assert handle.progress == Progress(200, 1000)
    assert handle.progress.fraction == 0.2
    step.set()
    with pytest.raises(Boom):
        await handle
    assert handle.partial == ["alice", "bob"]  # kept after the failure
    progress = [e for e in events if e.type == "progress"]
    assert [e.operation.progress for e in progress] == [Progress(200, 1000)]
    record = scheduler.history[-1]
    assert dict(record.report) == {"requests": 2}
    with pytest.raises(TypeError):
        record.report["requests"] = 3  # type: ignore[index]


async def test_report_progress_rejects_nonsense(scheduler: Scheduler) -> None:
    async def bad_progress() -> None:
        op = current_operation()
        assert op is not None
        op.report_progress(-1)

    with pytest.raises(ValueError, match="done"):
        await scheduler.submit(SCRAPE, bad_progress)
