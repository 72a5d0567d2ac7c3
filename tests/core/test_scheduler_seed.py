"""The seed's six unit tests and three property tests, re-created for this design.

Seed names (test_operation_queuing.py / test_property_session_exclusivity.py)
are kept where the behaviour is the same; the two tests that went through
TelegramSession are re-created one layer down: a MONITOR holding the session
keeps a SCRAPE waiting (requirement 1.2), and join-then-scrape calls the
scrape from inside its own operation without queuing behind itself.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest
from core_probes import Probe, run_on_virtual_clock
from hypothesis import given, settings
from hypothesis import strategies as st

from tgkit.core import (
    OperationKind,
    OperationState,
    OperationTimeout,
    Scheduler,
    SchedulerConfig,
    current_operation,
)

SCRAPE = OperationKind.SCRAPE


async def test_submit_operation_immediate_execution(scheduler: Scheduler) -> None:
    """Fast path: lock free, queue empty → RUNNING on return from submit, never queued."""
    seen: list[str] = []
    scheduler.subscribe(lambda event: seen.append(event.type))
    probe = Probe()

    handle = scheduler.submit(SCRAPE, probe.op("a"))

    assert handle.state is OperationState.RUNNING
    assert scheduler.running is handle.operation
    assert scheduler.queued_count == 0
    assert seen == ["queued", "started"]
    assert handle.operation.started_at == handle.operation.queued_at or (
        handle.operation.started_at - handle.operation.queued_at < 0.001
    )
    assert await handle == "a"
    assert handle.state is OperationState.DONE


async def test_submit_operation_queuing(scheduler: Scheduler) -> None:
    """Queued path: while one runs, the next waits in the queue, then runs."""
    probe = Probe()
    gate = asyncio.Event()
    first = scheduler.submit(SCRAPE, probe.op("first", gate=gate))
    second = scheduler.submit(SCRAPE, probe.op("second"))

    await asyncio.sleep(0.01)
    assert second.state is OperationState.QUEUED
    assert [view.id for view in scheduler.snapshot().queued] == [second.id]
    assert probe.started == ["first"]

    gate.set()
    assert await second == "second"
    assert await first == "first"
    assert probe.started == ["first", "second"]
    assert probe.max_active == 1


async def test_operation_completes_within_timeout(scheduler: Scheduler) -> None:
    """Within its timeout an operation is DONE; past it, TIMED_OUT and its task cancelled."""
    probe = Probe()
    quick = scheduler.submit(SCRAPE, probe.op("quick", 0.01), timeout=0.5)
    assert await quick == "quick"
    assert quick.state is OperationState.DONE

    slow = scheduler.submit(SCRAPE, probe.op("slow", 5.0), timeout=0.03)
    after = scheduler.submit(SCRAPE, probe.op("after"))
    try:
        await slow
    except OperationTimeout as error:
        assert error.timeout == 0.03
        assert slow.id in str(error) and "timeout" in str(error)
    else:
        raise AssertionError("the slow operation did not time out")
    assert slow.state is OperationState.TIMED_OUT
    assert probe.cancelled == ["slow"]
    began, ended = probe.intervals["slow"]
    assert ended - began == pytest.approx(0.03, abs=1e-5)  # virtual clock: exactly
    assert await after == "after"  # the lock was released and the next one ran


async def test_operation_priority_ordering(scheduler: Scheduler) -> None:
    """Higher priority first (MONITOR 10, SCRAPE 5, SEND 1), FIFO within a priority."""
    probe = Probe()
    gate = asyncio.Event()
    blocker = scheduler.submit(SCRAPE, probe.op("blocker", gate=gate))
    handles = [
        scheduler.submit(OperationKind.SEND, probe.op("send")),
        scheduler.submit(SCRAPE, probe.op("scrape-1")),
        scheduler.submit(OperationKind.MONITOR, probe.op("monitor")),
        scheduler.submit(SCRAPE, probe.op("scrape-2")),
        scheduler.submit(OperationKind.SEND, probe.op("urgent-send"), priority=7),
    ]
    assert [view.label for view in scheduler.snapshot().queued] == [
        "monitor",
        "urgent-send",
        "scrape-1",
        "scrape-2",
        "send",
    ]
    gate.set()
    await asyncio.gather(blocker, *handles)
    assert probe.started == ["blocker", "monitor", "urgent-send", "scrape-1", "scrape-2", "send"]


async def test_monitoring_keeps_scraping_waiting(scheduler: Scheduler) -> None:
    """Requirement 1.2: while a MONITOR holds the session, a SCRAPE waits for it to end."""
    probe = Probe()
    monitor = scheduler.submit(OperationKind.MONITOR, probe.op("monitor", 0.05))
    scrape = scheduler.submit(SCRAPE, probe.op("scrape"))
    assert scrape.state is OperationState.QUEUED
    await asyncio.gather(monitor, scrape)
    monitor_end = probe.intervals["monitor"][1]
    scrape_start = probe.intervals["scrape"][0]
    assert scrape_start >= monitor_end
    assert probe.max_active == 1


async def test_join_and_scrape_runs_inner_scrape_inline(scheduler: Scheduler) -> None:
    """join-then-scrape submits the scrape from inside itself: it runs inline, no deadlock."""
    probe = Probe()
    inner_states: list[OperationState] = []

    async def scrape_members(group: str) -> list[str]:
        assert current_operation() is not None
        return [f"{group}-member-{i}" for i in range(3)]

    async def join_and_scrape_members(group: str) -> list[str]:
        await asyncio.sleep(0.001)  # "join"
        inner = scheduler.submit(SCRAPE, scrape_members, group)
        inner_states.append(inner.state)
        assert inner.operation.parent_id == current_operation().id  # type: ignore[union-attr]
        return await inner

    outer = scheduler.submit(SCRAPE, join_and_scrape_members, "g")
    waiting = scheduler.submit(SCRAPE, probe.op("waiting"))
    members = await asyncio.wait_for(outer, timeout=1.0)

    assert members == ["g-member-0", "g-member-1", "g-member-2"]
    assert inner_states == [OperationState.RUNNING]
    assert await waiting == "waiting"
    # the queued one did not slip in between the outer and its inner call
    assert probe.intervals["waiting"][0] >= outer.operation.finished_at


# -- the seed's property tests -------------------------------------------------------


def run(coroutine_function, *args):  # type: ignore[no-untyped-def]
    return run_on_virtual_clock(coroutine_function(*args))


async def exclusive_run(durations: list[float]) -> Probe:
    probe = Probe()
    scheduler = Scheduler(SchedulerConfig(queue_timeout=5.0), name="property")
    await scheduler.start()
    handles = [
        scheduler.submit(SCRAPE, probe.op(f"op{i}", length)) for i, length in enumerate(durations)
    ]
    results = await asyncio.gather(*handles)
    await scheduler.stop()
    assert results == [f"op{i}" for i in range(len(durations))]
    return probe


@settings(deadline=None, max_examples=30)
@given(st.lists(st.sampled_from([0.0, 0.0005, 0.001, 0.002]), min_size=1, max_size=12))
def test_property_session_operation_exclusivity(durations: list[float]) -> None:
    """Property 1: however many operations are submitted at once, one runs at a time."""
    probe = run(exclusive_run, durations)
    assert probe.max_active == 1
    intervals = sorted(probe.intervals.values())
    for (_, end), (next_start, _) in itertools.pairwise(intervals):
        assert next_start >= end


def test_session_operation_exclusivity_simple_example() -> None:
    """Two operations submitted together run one after the other."""
    probe = run(exclusive_run, [0.01, 0.01])
    assert probe.max_active == 1
    assert probe.started == ["op0", "op1"]


def test_session_operation_exclusivity_three_operations() -> None:
    """Three operations of different lengths never overlap and run in submission order."""
    probe = run(exclusive_run, [0.02, 0.0, 0.01])
    assert probe.max_active == 1
    assert probe.started == ["op0", "op1", "op2"]
