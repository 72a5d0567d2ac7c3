"""Snapshots, events, history and the handle's plain-state API."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime

import pytest
from core_probes import Probe

from tgkit.core import (
    OperationHandle,
    OperationKind,
    OperationState,
    QueueTimeout,
    Scheduler,
    SchedulerConfig,
    SchedulerEvent,
)

SCRAPE = OperationKind.SCRAPE


class Boom(Exception):
    pass


async def test_snapshot_shows_the_holder_the_queue_in_order_and_recent(
    scheduler: Scheduler,
) -> None:
    probe = Probe()
    await scheduler.submit(SCRAPE, probe.op("earlier"))
    gate = asyncio.Event()
    running = scheduler.submit(SCRAPE, probe.op("running", gate=gate))
    send = scheduler.submit(OperationKind.SEND, probe.op("send"))
    monitor = scheduler.submit(OperationKind.MONITOR, probe.op("monitor"))
    await asyncio.sleep(0.005)

    snap = scheduler.snapshot()
    assert snap.name == "test" and snap.status == "started" and snap.is_busy
    assert snap.running is not None and snap.running.id == running.id
    assert snap.running.running_seconds is not None and snap.running.running_seconds >= 0.005
    assert snap.lock_holder == running.operation.describe()
    assert [v.id for v in snap.queued] == [monitor.id, send.id]
    assert all(v.waited_seconds >= 0.005 and v.state is OperationState.QUEUED for v in snap.queued)
    assert [r.label for r in snap.recent] == ["earlier"]
    assert snap.taken_at.tzinfo is UTC
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.name = "other"  # type: ignore[misc]
    gate.set()
    await asyncio.gather(running, send, monitor)
    idle = scheduler.snapshot(recent=2)
    assert idle.running is None and idle.queued == () and idle.lock_holder is None
    assert [r.label for r in idle.recent] == ["monitor", "send"]


async def test_events_follow_each_operations_life(scheduler: Scheduler) -> None:
    events: list[SchedulerEvent] = []
    scheduler.subscribe(events.append)
    probe = Probe()
    gate = asyncio.Event()
    holder = scheduler.submit(SCRAPE, probe.op("holder", gate=gate))
    expiring = scheduler.submit(SCRAPE, probe.op("expiring"), queue_timeout=0.01)
    with pytest.raises(QueueTimeout):
        await expiring
    gate.set()
    await holder

    by_op = [(e.type, e.operation.label, e.operation.state) for e in events]
    assert by_op == [
        ("queued", "holder", OperationState.QUEUED),
        ("started", "holder", OperationState.RUNNING),
        ("queued", "expiring", OperationState.QUEUED),
        ("finished", "expiring", OperationState.EXPIRED),
        ("finished", "holder", OperationState.DONE),
    ]
    assert all(e.scheduler == "test" and e.at.tzinfo is UTC for e in events)
    assert events[3].operation.error is not None
    assert events[3].operation.error.startswith("QueueTimeout: ")


async def test_a_failing_subscriber_is_logged_and_never_breaks_anything(
    scheduler: Scheduler, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[str] = []

    def broken(event: SchedulerEvent) -> None:
        raise RuntimeError("dashboard bug")

    scheduler.subscribe(broken)
    scheduler.subscribe(lambda e: received.append(e.type))
    with caplog.at_level(logging.ERROR, logger="tgkit.core.events"):
        assert await scheduler.submit(SCRAPE, Probe().op("fine")) == "fine"
    assert received == ["queued", "started", "finished"]
    assert "dashboard bug" in caplog.text
    assert not scheduler.is_busy


async def test_unsubscribe_stops_events_and_is_safe_twice(scheduler: Scheduler) -> None:
    received: list[str] = []
    unsubscribe = scheduler.subscribe(lambda e: received.append(e.type))
    await scheduler.submit(SCRAPE, Probe().op("one"))
    unsubscribe()
    unsubscribe()
    await scheduler.submit(SCRAPE, Probe().op("two"))
    assert received == ["queued", "started", "finished"]


@pytest.mark.real_clock  # its times are compared with datetime.now()
async def test_history_records_every_outcome_consistently(scheduler: Scheduler) -> None:
    probe = Probe()
    error = Boom("no access")
    before = datetime.now(UTC)
    handles = [
        scheduler.submit(SCRAPE, probe.op("done", 0.005)),
        scheduler.submit(SCRAPE, probe.op("failed", fail=error)),
        scheduler.submit(SCRAPE, probe.op("expired"), queue_timeout=0.001),
        scheduler.submit(SCRAPE, probe.op("timed out", 10.0), timeout=0.01),
    ]
    await asyncio.gather(*handles, return_exceptions=True)
    after = datetime.now(UTC)

    records = {r.label: r for r in scheduler.history}
    assert {label: r.state for label, r in records.items()} == {
        "done": OperationState.DONE,
        "failed": OperationState.FAILED,
        "expired": OperationState.EXPIRED,
        "timed out": OperationState.TIMED_OUT,
    }
    assert records["failed"].error == "Boom: no access"
    assert records["failed"].error_type == "Boom"
    assert records["expired"].started_at is None and records["expired"].run_seconds is None
    assert records["timed out"].error_type == "OperationTimeout"
    for record in records.values():
        assert before <= record.queued_at <= record.finished_at <= after
        assert record.queued_at.tzinfo is UTC
        end_of_wait = record.started_at or record.finished_at
        assert record.wait_seconds == pytest.approx(
            (end_of_wait - record.queued_at).total_seconds(), abs=1e-4
        )
        if record.started_at is not None:
            assert record.run_seconds == pytest.approx(
                (record.finished_at - record.started_at).total_seconds(), abs=1e-4
            )
    finish_times = [r.finished_at for r in scheduler.history]
    assert finish_times == sorted(finish_times)  # in the order they finished


async def test_history_keeps_the_last_history_size() -> None:
    scheduler = Scheduler(SchedulerConfig(history_size=3))
    await scheduler.start()
    for i in range(5):
        await scheduler.submit(SCRAPE, Probe().op(f"op{i}"))
    assert [r.label for r in scheduler.history] == ["op2", "op3", "op4"]
    await scheduler.stop()


async def test_handle_state_api(scheduler: Scheduler) -> None:
    gate = asyncio.Event()
    handle = scheduler.submit(SCRAPE, Probe().op("members @x", gate=gate), label="members @x")
    assert isinstance(handle, OperationHandle)
    assert handle.kind is SCRAPE and handle.label == "members @x"
    assert handle.id.startswith("op-") and handle.operation.id == handle.id
    assert not handle.done()
    with pytest.raises(asyncio.InvalidStateError, match="await the handle"):
        handle.result()
    with pytest.raises(asyncio.InvalidStateError):
        handle.exception()
    called: list[OperationHandle] = []
    handle.add_done_callback(called.append)
    assert f"{handle.id} (SCRAPE 'members @x') RUNNING" in repr(handle)

    gate.set()
    assert await handle == "members @x"
    assert handle.done() and handle.result() == "members @x" and handle.exception() is None
    await asyncio.sleep(0)
    assert called == [handle]
    late: list[OperationHandle] = []
    handle.add_done_callback(late.append)
    await asyncio.sleep(0)
    assert late == [handle]
    assert handle.operation.queued_wall <= handle.operation.started_wall  # type: ignore[operator]
    assert handle.operation.finished_wall is not None
