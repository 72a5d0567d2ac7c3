"""start() and stop(): idempotent, draining, refusing work, leaving no task behind."""

from __future__ import annotations

import asyncio
import logging

import pytest
from core_probes import FAST, Probe, other_tasks

from tgkit.core import OperationKind, OperationState, Scheduler, SchedulerConfig, SessionClosed

SCRAPE = OperationKind.SCRAPE


async def test_submitting_before_start_raises_session_closed() -> None:
    scheduler = Scheduler(FAST, name="cold")
    with pytest.raises(SessionClosed, match="not started"):
        scheduler.submit(SCRAPE, Probe().op("early"))
    assert scheduler.queued_count == 0 and scheduler.history == ()


async def test_start_and_stop_are_idempotent() -> None:
    scheduler = Scheduler(FAST)
    await scheduler.stop()  # never started: nothing to do
    await scheduler.start()
    await scheduler.start()
    assert scheduler.status == "started"
    assert await scheduler.submit(SCRAPE, Probe().op("one")) == "one"
    await scheduler.stop()
    await scheduler.stop()
    assert scheduler.status == "stopped"
    assert other_tasks() == set()


async def test_stop_drains_the_running_and_ends_the_queued() -> None:
    scheduler = Scheduler(FAST)
    await scheduler.start()
    probe = Probe()
    running = scheduler.submit(SCRAPE, probe.op("running", 0.02))
    queued = [scheduler.submit(SCRAPE, probe.op(f"queued{i}")) for i in range(3)]
    await asyncio.sleep(0.001)
    await scheduler.stop()

    assert running.state is OperationState.DONE  # finished within drain_timeout
    for handle in queued:
        assert handle.state is OperationState.CANCELLED
        with pytest.raises(SessionClosed, match="did not run"):
            await handle
    assert probe.started == ["running"]
    assert other_tasks() == set()
    with pytest.raises(SessionClosed, match="stopped"):
        scheduler.submit(SCRAPE, probe.op("late"))


async def test_stop_cancels_what_does_not_finish_within_drain_timeout() -> None:
    scheduler = Scheduler(SchedulerConfig(drain_timeout=0.03))
    await scheduler.start()
    probe = Probe()
    endless = scheduler.submit(SCRAPE, probe.op("endless", 10.0))
    await asyncio.sleep(0.001)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await scheduler.stop()
    assert loop.time() - began == pytest.approx(0.03, abs=1e-5)  # virtual clock: exactly
    assert endless.state is OperationState.CANCELLED
    assert probe.cancelled == ["endless"]
    with pytest.raises(SessionClosed, match="drain_timeout"):
        await endless
    assert other_tasks() == set()


async def test_stop_refuses_new_work_at_once_but_allows_inline_calls_while_draining() -> None:
    scheduler = Scheduler(FAST)
    await scheduler.start()
    outcome: dict[str, object] = {}
    stopping = asyncio.Event()

    async def draining() -> str:
        await stopping.wait()
        outcome["inline"] = await scheduler.submit(SCRAPE, Probe().op("inline"))
        return "drained"

    handle = scheduler.submit(SCRAPE, draining)
    stop = asyncio.create_task(scheduler.stop())
    await asyncio.sleep(0)
    with pytest.raises(SessionClosed):
        scheduler.submit(SCRAPE, Probe().op("outside"))
    stopping.set()
    await stop
    assert await handle == "drained"
    assert outcome == {"inline": "inline"}


async def test_concurrent_stops_wait_for_the_same_end() -> None:
    scheduler = Scheduler(FAST)
    await scheduler.start()
    handle = scheduler.submit(SCRAPE, Probe().op("work", 0.02))
    await asyncio.sleep(0)
    await asyncio.gather(scheduler.stop(), scheduler.stop(), scheduler.stop())
    assert handle.state is OperationState.DONE
    assert other_tasks() == set()


async def test_a_stopped_scheduler_can_start_again() -> None:
    scheduler = Scheduler(FAST)
    await scheduler.start()
    await scheduler.stop()
    await scheduler.start()
    assert await scheduler.submit(SCRAPE, Probe().op("again")) == "again"
    await scheduler.stop()


async def test_stop_gives_up_on_an_operation_that_ignores_cancellation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheduler = Scheduler(SchedulerConfig(drain_timeout=0.01, lock_timeout=0.02))
    await scheduler.start()
    release = asyncio.Event()

    async def deaf() -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue

    handle = scheduler.submit(SCRAPE, deaf)
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="tgkit.core.scheduler"):
        await scheduler.stop()
    assert "ignored cancellation" in caplog.text
    release.set()  # let it end so the test leaves nothing behind
    with pytest.raises(SessionClosed):
        await handle
    assert other_tasks() == set()
