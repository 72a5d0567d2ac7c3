"""Submits to a busy scheduler with nobody subscribed: order, exclusivity and expiry hold.

``Scheduler.submit`` queues such an operation itself (``Engine.enqueue``'s
common case, inline: no subscriber, engine busy, the same lane as the last
push), and falls back to ``Engine.enqueue`` for anything else. The property
test mixes both: random priorities and queue timeouts, submitted by a few
tasks at random moments, with no event subscriber (the other property tests
subscribe, which takes the fallback). Checked from inside the operations and
from the handles alone: one runs at a time; none was passed over (when one
ends, the next is dispatched in that same step: what was submitted by then and
is still queued when the next one runs must not have had to go first, with a
higher priority, or an equal one and submitted earlier);
an operation expires only once its queue timeout has passed, and every one
ends exactly once, run or expired.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from core_probes import run_on_virtual_clock
from hypothesis import given, settings
from hypothesis import strategies as st

from tgkit.core import (
    OperationHandle,
    OperationKind,
    OperationState,
    QueueTimeout,
    Scheduler,
    SchedulerConfig,
)


@dataclass(frozen=True)
class Spec:
    submitter: int
    submit_after: float
    priority: int | None
    queue_timeout: float | None
    duration: float


specs = st.lists(
    st.builds(
        Spec,
        submitter=st.integers(0, 2),
        submit_after=st.sampled_from([0.0, 0.0, 0.001, 0.003, 0.03]),
        priority=st.one_of(st.none(), st.sampled_from([1, 5, 5, 10])),
        queue_timeout=st.one_of(st.none(), st.none(), st.sampled_from([0.004, 0.01])),
        duration=st.sampled_from([0.0, 0.001, 0.002, 0.005]),
    ),
    min_size=1,
    max_size=25,
)


async def scenario(all_specs: list[Spec]) -> None:
    scheduler = Scheduler(SchedulerConfig(queue_timeout=1.0), name="busy")
    await scheduler.start()
    active = [0]
    problems: list[str] = []
    handles: list[OperationHandle] = []
    # The last seq submitted, and what it was when the last operation ended (when
    # the next one was dispatched): only those were queued at that dispatch.
    last_seq = [0]
    last_seq_at_end = [0]

    def body(duration: float):  # type: ignore[no-untyped-def]
        async def run() -> None:
            active[0] += 1
            if active[0] > 1:
                problems.append("two operations ran at once")
            me = scheduler.running
            assert me is not None
            for view in scheduler.snapshot().queued:
                seq = int(view.id.removeprefix("op-"))
                if seq <= last_seq_at_end[0] and (
                    view.priority > me.priority
                    or (view.priority == me.priority and seq < me.seq)
                ):
                    problems.append(f"{me.id} started before {view.id}")
            await asyncio.sleep(duration)
            active[0] -= 1
            last_seq_at_end[0] = last_seq[0]

        return run

    async def submitter(mine: list[Spec]) -> None:
        for spec in mine:
            await asyncio.sleep(spec.submit_after)
            handle = scheduler.submit(
                OperationKind.SCRAPE,
                body(spec.duration),
                priority=spec.priority,
                queue_timeout=spec.queue_timeout,
            )
            handles.append(handle)
            last_seq[0] = handle.seq

    groups = [[s for s in all_specs if s.submitter == i] for i in range(3)]
    await asyncio.gather(*(submitter(group) for group in groups))
    for handle in handles:
        try:
            await handle
        except QueueTimeout:
            pass
    await scheduler.stop()
    assert problems == []
    for handle in handles:
        assert handle.state in (OperationState.DONE, OperationState.EXPIRED)
        assert handle.finished_at is not None
        if handle.state is OperationState.EXPIRED:
            assert handle.started_at is None
            assert handle.finished_at - handle.queued_at >= handle.queue_timeout - 1e-9
        else:
            assert handle.started_at is not None
            assert handle.started_at - handle.queued_at <= handle.queue_timeout + 1e-9
    assert scheduler.queued_count == 0
    assert len(scheduler.history) == len(handles)


@settings(max_examples=300, deadline=None)
@given(specs)
def test_busy_submits_keep_order_exclusivity_and_expiry(all_specs: list[Spec]) -> None:
    run_on_virtual_clock(scenario(all_specs))
