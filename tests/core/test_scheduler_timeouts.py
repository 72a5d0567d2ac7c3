"""Queue expiry, operation timeouts and the lock guard, with small limits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from core_probes import Probe

from tgkit.core import (
    LockTimeout,
    OperationKind,
    OperationState,
    OperationTimeout,
    QueueTimeout,
    Scheduler,
    SchedulerConfig,
    current_operation,
)

SCRAPE = OperationKind.SCRAPE


async def test_queued_operation_expires_on_time_while_the_lock_is_held(
    scheduler: Scheduler,
) -> None:
    probe = Probe()
    gate = asyncio.Event()
    holder = scheduler.submit(SCRAPE, probe.op("members @x", gate=gate))
    waiting = scheduler.submit(OperationKind.SEND, probe.op("hello"), queue_timeout=0.05)
    with pytest.raises(QueueTimeout) as raised:
        await waiting
    assert holder.state is OperationState.RUNNING  # expiry did not wait for the holder
    error = raised.value
    assert error.waited == pytest.approx(0.05, abs=1e-5)  # virtual clock: on time exactly
    assert waiting.id in str(error)
    assert f"behind {holder.id} (SCRAPE 'members @x')" in str(error)
    assert "raise queue_timeout or cancel the running operation" in str(error)
    assert waiting.state is OperationState.EXPIRED
    assert probe.started == ["members @x"]  # the expired one never ran
    gate.set()
    await holder


async def test_expiry_uses_one_timer_not_one_per_queued_operation(
    scheduler: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()
    armed: list[str] = []
    original = loop.call_at

    def counting_call_at(when: float, callback: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        if getattr(callback, "__self__", None) is scheduler._engine.expiry:
            armed.append("_expire_due")
        return original(when, callback, *args, **kw)

    monkeypatch.setattr(loop, "call_at", counting_call_at)
    gate = asyncio.Event()
    probe = Probe()
    holder = scheduler.submit(SCRAPE, probe.op("holder", gate=gate))
    real_clock, now = scheduler._engine.clock, loop.time()
    scheduler._engine.clock = lambda: now  # all submitted at one instant
    queued = [scheduler.submit(SCRAPE, probe.op(f"q{i}"), queue_timeout=0.05) for i in range(300)]
    scheduler._engine.clock = real_clock
    assert armed.count("_expire_due") == 1
    results = await asyncio.gather(*queued, return_exceptions=True)
    assert all(isinstance(r, QueueTimeout) for r in results)
    assert armed.count("_expire_due") == 1  # one timer expired all 300
    gate.set()
    await holder


async def test_expiry_timer_follows_the_earliest_deadline(scheduler: Scheduler) -> None:
    gate = asyncio.Event()
    probe = Probe()
    holder = scheduler.submit(SCRAPE, probe.op("holder", gate=gate))
    patient = scheduler.submit(SCRAPE, probe.op("patient"), queue_timeout=0.5)
    hasty = scheduler.submit(SCRAPE, probe.op("hasty"), queue_timeout=0.02)
    with pytest.raises(QueueTimeout):
        await hasty
    assert patient.state is OperationState.QUEUED
    gate.set()
    assert await patient == "patient"
    await holder


async def test_timed_out_operation_is_cancelled_and_the_next_starts(
    scheduler: Scheduler,
) -> None:
    probe = Probe()
    slow = scheduler.submit(SCRAPE, probe.op("slow", 10.0), timeout=0.02)
    following = scheduler.submit(SCRAPE, probe.op("following"))
    with pytest.raises(OperationTimeout) as raised:
        await slow
    assert raised.value.timeout == 0.02
    assert "SessionConfig.timeouts[SCRAPE]" in str(raised.value)
    assert slow.state is OperationState.TIMED_OUT
    assert probe.cancelled == ["slow"]
    assert await following == "following"
    record = next(r for r in scheduler.history if r.id == slow.id)
    assert record.run_seconds is not None and record.run_seconds >= 0.02


async def test_timeouts_follow_each_operation_not_the_first(scheduler: Scheduler) -> None:
    """The shared run timer re-arms for each holder's own deadline."""
    probe = Probe()
    patient = scheduler.submit(SCRAPE, probe.op("patient", 0.03), timeout=5.0)
    hasty = scheduler.submit(SCRAPE, probe.op("hasty", 10.0), timeout=0.02)
    assert await patient == "patient"
    with pytest.raises(OperationTimeout):
        await hasty
    began, ended = probe.intervals["hasty"]
    assert ended - began == pytest.approx(0.02, abs=1e-5)


async def test_config_timeouts_apply_per_kind() -> None:
    config = SchedulerConfig(timeouts={OperationKind.SEND: 0.02}, drain_timeout=0.1)
    scheduler = Scheduler(config)
    await scheduler.start()
    probe = Probe()
    with pytest.raises(OperationTimeout):
        await scheduler.submit(OperationKind.SEND, probe.op("send", 10.0))
    assert await scheduler.submit(SCRAPE, probe.op("scrape", 0.03)) == "scrape"
    await scheduler.stop()


async def test_an_operation_that_swallows_its_timeout_still_times_out(
    scheduler: Scheduler,
) -> None:
    async def stubborn() -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            await asyncio.sleep(0.01)  # cleanup; the lock is still held meanwhile
            return "pretend all is well"
        return "unreachable"

    handle = scheduler.submit(SCRAPE, stubborn, timeout=0.02)
    with pytest.raises(OperationTimeout):
        await handle
    assert handle.state is OperationState.TIMED_OUT


async def test_inline_operation_times_out_on_its_own_limit(scheduler: Scheduler) -> None:
    probe = Probe()

    async def outer() -> str:
        try:
            await scheduler.submit(SCRAPE, probe.op("inner", 10.0), timeout=0.02)
        except OperationTimeout:
            return "handled"
        return "not timed out"

    assert await scheduler.submit(SCRAPE, outer) == "handled"


async def test_lock_held_outside_too_long_fails_waiting_operations() -> None:
    scheduler = Scheduler(SchedulerConfig(lock_timeout=0.03), name="guarded")
    await scheduler.start()
    probe = Probe()
    async with scheduler.lock.hold("reconnect"):
        waiting = scheduler.submit(SCRAPE, probe.op("waiting"))
        with pytest.raises(LockTimeout) as raised:
            await waiting
    error = raised.value
    assert isinstance(error, QueueTimeout)
    assert error.holder == "reconnect"
    assert error.waited == pytest.approx(0.03, abs=1e-5)
    assert "reconnect" in str(error) and "lock_timeout" in str(error)
    assert waiting.state is OperationState.EXPIRED
    assert probe.started == []
    assert await scheduler.submit(SCRAPE, probe.op("after")) == "after"
    await scheduler.stop()


async def test_awaiting_an_operation_inside_the_lock_fails_instead_of_deadlocking() -> None:
    scheduler = Scheduler(SchedulerConfig(lock_timeout=0.03), name="deadlock")
    await scheduler.start()
    async with scheduler.lock:
        with pytest.raises(LockTimeout, match="outside the scheduler"):
            await scheduler.submit(SCRAPE, Probe().op("would deadlock"))
    await scheduler.stop()


async def test_taking_the_lock_inside_an_operation_is_refused(scheduler: Scheduler) -> None:
    async def takes_lock() -> None:
        async with scheduler.lock:
            pass

    with pytest.raises(RuntimeError, match="would deadlock"):
        await scheduler.submit(SCRAPE, takes_lock)
    assert current_operation() is None
    assert not scheduler.is_busy
