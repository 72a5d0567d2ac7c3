"""Properties of the paths the lean dispatch added (issue 18 item 4).

- The first awaiter of a queued operation parks on a plain future that the
  engine checks when it dispatches: the awaiting task cancelled while its
  operation waits (before, in the same loop step as, or after the lock comes
  free) ends that operation CANCELLED by "task" without running it, the
  others run in order, one at a time, awaited or in tasks of their own.
- An operation's terminal state is written without a lock until a cancel
  comes from another thread: a cancel from a real other thread, racing the
  operations as they end, is accepted (True, and the operation ends
  CANCELLED by that caller) or refused (False, and it ended otherwise).
"""

from __future__ import annotations

import asyncio
import random
import sys
import threading
from dataclasses import dataclass

import pytest
from core_probes import run_on_virtual_clock
from hypothesis import given, settings
from hypothesis import strategies as st

from tgkit.core import (
    OperationHandle,
    OperationKind,
    OperationState,
    Scheduler,
    SchedulerConfig,
    current_operation,
)
from tgkit.errors import Cancelled

SCRAPE = OperationKind.SCRAPE
CANCELLED = OperationState.CANCELLED
DONE = OperationState.DONE


@dataclass(frozen=True)
class Waiter:
    awaited: bool  # awaited by a task of its own (else it runs in a task the scheduler makes)
    cancel_at: int | None  # the blocker's step at which its awaiting task is cancelled
    before_release: bool  # in that step, cancelled before (True) or after the release
    duration: int  # loop steps it runs for
    cancels_next: bool  # as it returns, it cancels the task awaiting the next operation


waiters = st.builds(
    Waiter,
    awaited=st.booleans(),
    cancel_at=st.one_of(st.none(), st.integers(0, 3)),
    before_release=st.booleans(),
    duration=st.integers(0, 2),
    cancels_next=st.booleans(),
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(waiters, min_size=1, max_size=6), st.integers(0, 3))
def test_a_cancelled_awaiter_ends_its_queued_operation_and_the_rest_run_in_order(
    plan: list[Waiter], release_at: int
) -> None:
    run_on_virtual_clock(_scenario(plan, release_at))


async def _scenario(plan: list[Waiter], release_at: int) -> None:
    scheduler = Scheduler(SchedulerConfig(queue_timeout=60), name="awaiters")
    await scheduler.start()
    active, most, started = 0, 0, []

    def body(name: int, steps: int):  # type: ignore[no-untyped-def]
        async def op() -> int:
            nonlocal active, most
            assert current_operation() is not None
            active += 1
            most = max(most, active)
            started.append(name)
            try:
                for _ in range(steps):
                    await asyncio.sleep(0)
            finally:
                active -= 1
            nxt = name + 1
            if plan[name].cancels_next and nxt < len(plan) and tasks[nxt] is not None:
                # the next one is dispatched as this one ends, in this very step
                state_at_cancel.setdefault(nxt, handles[nxt].state)
                tasks[nxt].cancel()  # type: ignore[union-attr]
            return name

        return op

    gate = asyncio.get_running_loop().create_future()
    handles: list[OperationHandle] = []
    tasks: list[asyncio.Task[object] | None] = []
    state_at_cancel: dict[int, OperationState] = {}

    async def blocker() -> None:
        await gate

    holder = scheduler.submit(SCRAPE, blocker)
    for name, waiter in enumerate(plan):
        handle = scheduler.submit(SCRAPE, body(name, waiter.duration))
        handles.append(handle)
        tasks.append(asyncio.ensure_future(_await(handle)) if waiter.awaited else None)
    await asyncio.sleep(0)  # every awaiter is parked on its queued operation
    for step in range(5):
        for name, waiter in enumerate(plan):
            task = tasks[name]
            if task is not None and waiter.cancel_at == step and waiter.before_release:
                state_at_cancel.setdefault(name, handles[name].state)
                task.cancel()
        if step == release_at:
            gate.set_result(None)  # the next operation is dispatched in this very step
        for name, waiter in enumerate(plan):
            task = tasks[name]
            if task is not None and waiter.cancel_at == step and not waiter.before_release:
                state_at_cancel.setdefault(name, handles[name].state)
                task.cancel()
        await asyncio.sleep(0)
    await holder
    outcomes = await asyncio.gather(*(t for t in tasks if t is not None), return_exceptions=True)
    await asyncio.gather(*(_quietly(h) for h in handles))

    assert most <= 1, "two operations ran at once"
    assert started == sorted(started), "operations started out of submission order"
    for name, handle in enumerate(handles):
        assert handle.state.is_terminal
        if name in state_at_cancel and not state_at_cancel[name].is_terminal:
            assert handle.state is CANCELLED, (name, plan[name], state_at_cancel[name])
            error = handle.exception()
            assert isinstance(error, asyncio.CancelledError)
            if state_at_cancel[name] is OperationState.QUEUED:
                assert name not in started, "an operation cancelled while queued ran"
                assert isinstance(error, Cancelled) and error.by == "task"
        elif name not in state_at_cancel:
            assert handle.state is DONE and handle.result() == name
    awaited = [name for name, task in enumerate(tasks) if task is not None]
    for name, outcome in zip(awaited, outcomes, strict=True):
        if name in state_at_cancel and not state_at_cancel[name].is_terminal:
            assert isinstance(outcome, asyncio.CancelledError), (name, outcome)
        elif name not in state_at_cancel:
            assert outcome == name
    await scheduler.stop()
    assert scheduler.lock.holder is None and scheduler.queued_count == 0


async def _await(handle: OperationHandle) -> object:
    return await handle


async def _quietly(handle: OperationHandle) -> None:
    try:
        await asyncio.shield(asyncio.ensure_future(_await(handle)))
    except (Exception, asyncio.CancelledError):
        pass


@pytest.mark.real_clock
@settings(max_examples=25, deadline=None, database=None)
@given(st.integers(20, 120), st.integers(0, 2**32 - 1))
def test_a_cancel_from_another_thread_lands_or_says_false(operations: int, seed: int) -> None:
    """Real threads, a tiny switch interval: the cancel races the ends for real."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        asyncio.run(_thread_race(operations, random.Random(seed)))
    finally:
        sys.setswitchinterval(interval)


async def _thread_race(operations: int, rng: random.Random) -> None:
    scheduler = Scheduler(SchedulerConfig(), name="threads")
    await scheduler.start()
    handles: list[OperationHandle] = []
    answers: list[tuple[OperationHandle, bool]] = []
    done = threading.Event()

    async def op() -> str:
        for _ in range(rng.randrange(3)):
            await asyncio.sleep(0)
        return "ran"

    def canceller() -> None:
        seen = 0
        while not done.is_set() or seen < len(handles):
            if seen < len(handles):
                handle = handles[seen]
                seen += 1
                for _ in range(rng.randrange(200)):
                    pass  # land anywhere in its life: queued, running, ending, ended
                answers.append((handle, handle.cancel(by="thread")))

    thread = threading.Thread(target=canceller)
    thread.start()

    async def submitter(count: int) -> None:
        for _ in range(count):
            handle = scheduler.submit(SCRAPE, op)
            handles.append(handle)
            try:
                await handle
            except Cancelled:
                pass

    await asyncio.gather(*(submitter(operations // 4 + 1) for _ in range(4)))
    done.set()
    await asyncio.to_thread(thread.join)
    await asyncio.sleep(0)  # cancels accepted late hop to the loop: let them land
    for handle in handles:
        if not handle.done():
            await _quietly(handle)
    await scheduler.stop()

    assert len(answers) == len(handles)
    for handle, accepted in answers:
        error = handle.exception()
        if accepted:
            assert handle.state is CANCELLED, (handle, handle.state)
            assert isinstance(error, Cancelled) and error.by == "thread"
        else:
            assert not (isinstance(error, Cancelled) and error.by == "thread"), handle
