"""Property tests over random mixes of kinds, priorities, durations, failures,
cancellations, timeouts and inline calls, submitted at random moments from
several tasks. Whatever the interleaving:

- exclusivity: never two (top-level) operations running at once;
- ordering: an operation leaves the queue only when it is the highest
  priority, earliest submitted one waiting;
- every operation ends in exactly one terminal state, with events
  queued → [started → progress*] → finished, and a matching history record;
- the lock is always released, and history agrees with what happened.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

from core_probes import run_on_virtual_clock
from hypothesis import given, settings
from hypothesis import strategies as st

from tgkit.core import (
    OperationHandle,
    OperationKind,
    OperationState,
    OperationTimeout,
    QueueTimeout,
    Scheduler,
    SchedulerConfig,
    SchedulerEvent,
    SessionClosed,
    current_operation,
)

TERMINAL = {s for s in OperationState if s.is_terminal}
EPSILON = 1e-3


class Boom(Exception):
    pass


@dataclass(frozen=True)
class Spec:
    kind: OperationKind
    priority: int | None
    duration: float
    fails: bool
    timeout: float | None
    queue_timeout: float | None
    submit_after: float
    submitter: int
    cancel: str | None  # "handle" or "caller"
    cancel_after: float
    inline_child: bool


specs = st.builds(
    Spec,
    kind=st.sampled_from(list(OperationKind)),
    priority=st.one_of(st.none(), st.integers(0, 12)),
    duration=st.sampled_from([0.0, 0.0005, 0.002, 0.004]),
    fails=st.booleans(),
    timeout=st.one_of(st.none(), st.sampled_from([0.001, 0.003])),
    queue_timeout=st.one_of(st.none(), st.sampled_from([0.002, 0.006, 0.02])),
    submit_after=st.sampled_from([0.0, 0.0, 0.001, 0.003]),
    submitter=st.integers(0, 2),
    cancel=st.sampled_from([None, None, "handle", "caller"]),
    cancel_after=st.sampled_from([0.0, 0.001, 0.004]),
    inline_child=st.booleans(),
)


class Run:
    """One scenario: submits the specs and records what happened."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.active = 0
        self.max_active = 0
        self.events: list[SchedulerEvent] = []
        self.order_violations: list[str] = []
        self.waiting: dict[str, tuple[int, int]] = {}  # queued op id -> (priority, seq)
        self.handles: dict[str, tuple[Spec, OperationHandle]] = {}
        self.cancel_requested: set[str] = set()
        self.lock_violations: list[str] = []
        self.refused: list[Spec] = []
        scheduler.subscribe(self.on_event)

    def on_event(self, event: SchedulerEvent) -> None:
        self.events.append(event)
        view = event.operation
        if view.parent_id is not None:
            return
        if event.type == "queued":
            self.waiting[view.id] = (view.priority, -int(view.id.removeprefix("op-")))
        elif event.type == "started":
            best = max(self.waiting, key=self.waiting.__getitem__)
            if best != view.id:
                self.order_violations.append(f"{view.id} started before {best}")
            del self.waiting[view.id]
        elif event.type == "finished":
            self.waiting.pop(view.id, None)

    def operation(self, spec: Spec):  # type: ignore[no-untyped-def]
        async def run() -> str:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            try:
                op = current_operation()
                assert op is not None
                if self.scheduler.lock.holder is not op:
                    self.lock_violations.append(f"{op.id} ran without holding the lock")
                op.report_progress(0, 1)
                if spec.inline_child:
                    await self.scheduler.submit(OperationKind.SEND, _short, label="child")
                await asyncio.sleep(spec.duration)
                op.report_progress(1, 1)
                if spec.fails:
                    raise Boom("failed on purpose")
                return "ok"
            finally:
                self.active -= 1

        return run

    async def submitter(self, mine: list[Spec]) -> None:
        loop = asyncio.get_running_loop()
        for spec in mine:
            await asyncio.sleep(spec.submit_after)
            try:
                handle = self.scheduler.submit(
                    spec.kind,
                    self.operation(spec),
                    priority=spec.priority,
                    timeout=spec.timeout,
                    queue_timeout=spec.queue_timeout,
                )
            except SessionClosed:
                self.refused.append(spec)
                continue
            self.handles[handle.id] = (spec, handle)
            if spec.cancel == "handle":
                loop.call_later(spec.cancel_after, self.cancel, handle)
            elif spec.cancel == "caller":
                caller = asyncio.ensure_future(_await(handle))
                loop.call_later(spec.cancel_after, self.cancel_caller, handle, caller)

    def cancel(self, handle: OperationHandle) -> None:
        if handle.cancel():
            self.cancel_requested.add(handle.id)

    def cancel_caller(self, handle: OperationHandle, caller: asyncio.Future[object]) -> None:
        if not handle.done():
            self.cancel_requested.add(handle.id)
        caller.cancel()


async def _short() -> str:
    await asyncio.sleep(0.0002)
    return "child"


async def _await(handle: OperationHandle) -> object:
    return await handle


async def scenario(all_specs: list[Spec]) -> Run:
    scheduler = Scheduler(SchedulerConfig(queue_timeout=1.0, drain_timeout=0.5), name="prop")
    await scheduler.start()
    run = Run(scheduler)
    groups = [[s for s in all_specs if s.submitter == i] for i in range(3)]
    await asyncio.gather(*(run.submitter(group) for group in groups))
    for _, handle in list(run.handles.values()):
        try:
            await asyncio.shield(handle)
        except (Boom, OperationTimeout, QueueTimeout, asyncio.CancelledError):
            pass
    await asyncio.sleep(0.005)  # let cancelled callers settle
    assert not scheduler.is_busy and scheduler.running is None and scheduler.queued_count == 0
    fast = scheduler.submit(OperationKind.SEND, _short)  # the lock really is free
    assert fast.state is OperationState.RUNNING
    await fast
    await scheduler.stop()
    assert asyncio.all_tasks() == {asyncio.current_task()}
    return run


@settings(deadline=None, max_examples=60)
@given(st.lists(specs, min_size=1, max_size=10))
def test_random_mixes_keep_every_promise(all_specs: list[Spec]) -> None:
    run = run_on_virtual_clock(scenario(all_specs))
    scheduler = run.scheduler

    assert run.max_active <= 1, "two operations ran at once"
    assert run.order_violations == []
    assert run.lock_violations == []

    history = {r.id: r for r in scheduler.history}
    top_level = {op_id: r for op_id, r in history.items() if r.parent_id is None}
    assert set(top_level) == set(run.handles) | {max(top_level, key=_number)}

    for op_id, (spec, handle) in run.handles.items():
        assert handle.state in TERMINAL
        types = [e.type for e in run.events if e.operation.id == op_id]
        assert types[0] == "queued" and types[-1] == "finished"
        assert types.count("queued") == 1 and types.count("finished") == 1
        assert types.count("started") <= 1
        record = history[op_id]
        assert record.state is handle.state
        started = "started" in types
        assert (record.started_at is not None) == started
        check_outcome(spec, handle, record, started, op_id in run.cancel_requested)

    runs = sorted(
        (r.started_at, r.finished_at) for r in top_level.values() if r.started_at is not None
    )
    for (_, end), (next_start, _) in itertools.pairwise(runs):
        assert next_start >= end, "history shows overlapping operations"


def check_outcome(spec, handle, record, started, cancel_requested) -> None:  # type: ignore[no-untyped-def]
    state = handle.state
    if state is OperationState.DONE:
        assert not spec.fails and handle.result() == "ok"
    elif state is OperationState.FAILED:
        assert spec.fails and isinstance(handle.exception(), Boom)
    elif state is OperationState.EXPIRED:
        assert not started and isinstance(handle.exception(), QueueTimeout)
        limit = spec.queue_timeout or 1.0
        assert record.wait_seconds >= limit - EPSILON
    elif state is OperationState.TIMED_OUT:
        assert started and spec.timeout is not None
        assert record.run_seconds >= spec.timeout - EPSILON
        assert isinstance(handle.exception(), OperationTimeout)
    elif state is OperationState.CANCELLED:
        assert cancel_requested
    assert record.wait_seconds >= 0
    assert record.run_seconds is None or record.run_seconds >= 0


def _number(op_id: str) -> int:
    return int(op_id.removeprefix("op-"))


async def outside_holder(scheduler: Scheduler, holds: list[float], seen: list[str]) -> None:
    """Code outside the scheduler taking the session lock now and then."""
    for hold in holds:
        async with scheduler.lock.hold("maintenance"):
            if scheduler.running is not None:
                seen.append(f"{scheduler.running.id} ran while maintenance held the lock")
            await asyncio.sleep(hold)


async def stopped_midway(
    all_specs: list[Spec], stop_after: float, holds: list[float]
) -> tuple[Run, list[str]]:
    config = SchedulerConfig(queue_timeout=1.0, drain_timeout=0.002, lock_timeout=0.05)
    scheduler = Scheduler(config, name="stopping")
    await scheduler.start()
    run = Run(scheduler)
    overlaps: list[str] = []
    groups = [[s for s in all_specs if s.submitter == i] for i in range(3)]
    submitters = asyncio.gather(*(run.submitter(group) for group in groups))
    holder = asyncio.create_task(outside_holder(scheduler, holds, overlaps))
    await asyncio.sleep(stop_after)
    await scheduler.stop()
    await submitters
    await holder
    await asyncio.sleep(0.002)  # let cancelled callers settle
    assert asyncio.all_tasks() == {asyncio.current_task()}
    return run, overlaps


@settings(deadline=None, max_examples=40)
@given(
    st.lists(specs, min_size=1, max_size=10),
    st.sampled_from([0.0, 0.002, 0.005, 0.01]),
    st.lists(st.sampled_from([0.0, 0.001, 0.003]), max_size=4),
)
def test_stopping_at_any_moment_ends_everything(
    all_specs: list[Spec], stop_after: float, holds: list[float]
) -> None:
    """stop() mid-flight, with outside code taking the lock too: all end, nothing is left."""
    run, overlaps = run_on_virtual_clock(stopped_midway(all_specs, stop_after, holds))
    assert overlaps == [] and run.lock_violations == []
    assert run.max_active <= 1
    assert len(run.handles) + len(run.refused) == len(all_specs)
    history = {r.id: r for r in run.scheduler.history}
    for op_id, (_, handle) in run.handles.items():
        assert handle.state in TERMINAL
        assert history[op_id].state is handle.state
        types = [e.type for e in run.events if e.operation.id == op_id]
        assert types.count("finished") == 1 and types[-1] == "finished"
        if handle.state is OperationState.CANCELLED and history[op_id].started_at is None:
            error = handle.exception()
            assert isinstance(error, SessionClosed | asyncio.CancelledError)
    assert run.scheduler.status == "stopped"
