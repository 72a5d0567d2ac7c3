"""Issue 20: a cancel requested before an operation ends always ends it CANCELLED.

A hypothesis property over *where* a cancel lands, driven by the scheduler's
own events and by futures the test completes itself (no sleeps, no wall
clock): while queued, in the submitting step (fast path), between dispatch
and the operation's first await (the ``started`` event), while it waits for a
page, in the step a page arrives (the task is ready but not resumed), inside
its own step (the ``progress`` event), at the last page, at the end (the
``finished`` event) and after it. Cancels come through the handle,
``Scheduler.cancel(op_id)``, another thread, or by cancelling the task that
awaits the handle (alone or together with a handle cancel). The operation
runs in the awaiting task, in a task of its own, or inline in a parent; it
may swallow the first CancelledError, as Python 3.11's ``asyncio.wait_for``
can when a result and a cancel arrive in one step.

The invariant: a cancel that was accepted (``cancel()`` returned True, or the
task was cancelled while the operation had not ended) ends the operation
CANCELLED, the awaiting caller gets the cancellation error and the partial
rows are kept; a cancel after the end returns False and changes nothing.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from core_probes import run_on_virtual_clock
from hypothesis import given, settings
from hypothesis import strategies as st

from tgkit.core import (
    OperationHandle,
    OperationKind,
    OperationState,
    Scheduler,
    SchedulerConfig,
    SchedulerEvent,
    current_operation,
)

SCRAPE = OperationKind.SCRAPE

MOMENTS = (
    "queued",  # a blocker holds the lock; cancel while queued
    "submit",  # the submitting step (fast path: RUNNING, not yet run)
    "started",  # the scheduler's started event: dispatched, before the first await
    "waiting",  # suspended on page `page`
    "ready",  # page `page` arrived in this step; the task has not resumed yet
    "progress",  # inside the operation's own step, at its progress report for `page`
    "finished",  # the finished event: it has ended
    "after",  # after the awaiter got its answer
)
WHO = ("handle", "scheduler", "thread", "task", "task+handle")
RUNS = ("awaited", "own_task", "inline")


@dataclass(frozen=True)
class Case:
    pages: int
    moment: str
    page: int
    who: str
    runs: str
    swallow: bool


cases = st.builds(
    Case,
    pages=st.integers(1, 3),
    moment=st.sampled_from(MOMENTS),
    page=st.integers(0, 2),
    who=st.sampled_from(WHO),
    runs=st.sampled_from(RUNS),
    swallow=st.booleans(),
)


@dataclass
class Scenario:
    case: Case
    scheduler: Scheduler
    gates: list[asyncio.Future[None]] = field(default_factory=list)
    handle: OperationHandle | None = None
    awaiter: asyncio.Task[Any] | None = None
    waiting_on: int | None = None
    rows: list[int] = field(default_factory=list)
    fired: bool = False
    accepted: bool | None = None
    state_at_cancel: OperationState | None = None
    rows_at_cancel: int = 0
    swallowed: bool = False
    on_handle: bool = False  # the awaiting task has reached ``await handle``
    go: asyncio.Future[None] | None = None

    # -- the operation ---------------------------------------------------------

    async def work(self) -> list[int]:
        op = current_operation()
        assert op is not None
        for k, gate in enumerate(self.gates):
            self.waiting_on = k
            try:
                await gate
            except asyncio.CancelledError:
                if not self.case.swallow or self.swallowed:
                    raise
                self.swallowed = True  # like 3.11's wait_for: the result wins, cancel lost
            self.waiting_on = None
            self.rows.append(k)
            op.set_partial(list(self.rows))
            op.report_progress(len(self.rows), len(self.gates))
        return list(self.rows)

    async def parent(self) -> list[int]:
        child = self.scheduler.submit(SCRAPE, self.work, label="child")
        self.handle = child
        self.maybe("submit")
        return await child

    # -- the cancel --------------------------------------------------------------

    def maybe(self, moment: str, page: int | None = None) -> None:
        case = self.case
        if self.fired or moment != case.moment:
            return
        if page is not None and page != min(case.page, case.pages - 1):
            return
        self.fire()

    def fire(self) -> None:
        self.fired = True
        handle = self.handle
        assert handle is not None
        self.state_at_cancel = handle.state
        self.rows_at_cancel = len(self.rows)
        who = self.case.who
        if who == "handle":
            self.accepted = handle.cancel()
        elif who == "scheduler":
            self.accepted = self.scheduler.cancel(handle.id)
        elif who == "thread":
            answer: list[bool] = []
            thread = threading.Thread(target=lambda: answer.append(handle.cancel()))
            thread.start()
            thread.join()  # the loop is blocked meanwhile: the reply is decided off-loop
            self.accepted = answer[0]
        else:
            task = self.awaiter
            assert task is not None
            live = self.on_handle and not handle.state.is_terminal
            self.accepted = task.cancel() and live
            if who == "task+handle":
                self.accepted = handle.cancel() or self.accepted

    def on_event(self, event: SchedulerEvent) -> None:
        if self.handle is None or event.operation.id != self.handle.id:
            return
        if event.type == "started":
            self.maybe("started")
        elif event.type == "progress":
            self.maybe("progress", event.operation.progress.done - 1)
        elif event.type == "finished":
            self.maybe("finished")


async def awaiting(scenario: Scenario, blocker: asyncio.Future[None] | None) -> Any:
    """The caller: submits (when the operation is to run here) and awaits the handle."""
    case = scenario.case
    if case.runs == "awaited":
        scenario.handle = scenario.scheduler.submit(SCRAPE, scenario.work, label="op")
        scenario.on_handle = True  # no await before ``await handle``: a cancel lands there
        scenario.maybe("submit")
        if blocker is not None:
            scenario.maybe("queued")
    elif case.runs == "inline":
        parent = scenario.scheduler.submit(SCRAPE, scenario.parent, label="parent")
        scenario.on_handle = True
        return await parent
    else:
        assert scenario.go is not None
        await scenario.go  # await only once the operation runs in a task of its own
    assert scenario.handle is not None
    scenario.on_handle = True
    return await scenario.handle


async def run_case(case: Case) -> None:
    scheduler = Scheduler(SchedulerConfig(), name="race")
    await scheduler.start()
    loop = asyncio.get_running_loop()
    scenario = Scenario(case, scheduler, [loop.create_future() for _ in range(case.pages)])
    scheduler.subscribe(scenario.on_event)
    queued = case.moment == "queued"
    release: asyncio.Future[None] | None = loop.create_future() if queued else None

    async def block() -> None:
        assert release is not None
        await release

    blocker = scheduler.submit(SCRAPE, block, label="blocker") if queued else None
    scenario.go = loop.create_future()
    if case.runs == "own_task":
        scenario.handle = scheduler.submit(SCRAPE, scenario.work, label="op")
        scenario.awaiter = asyncio.create_task(awaiting(scenario, release))
        scenario.maybe("submit")
        scenario.maybe("queued")
    else:
        scenario.awaiter = asyncio.create_task(awaiting(scenario, release))
    for _ in range(4):
        await asyncio.sleep(0)
    if release is not None:
        if scenario.handle is not None:
            scenario.maybe("queued")
        release.set_result(None)
        await blocker
    for _ in range(4):
        await asyncio.sleep(0)  # nobody awaited it within the step: it got its own task
    if not scenario.go.done():
        scenario.go.set_result(None)
    for k, gate in enumerate(scenario.gates):
        for _ in range(4):
            await asyncio.sleep(0)
        scenario.maybe("queued")  # an inline child never queues: its parent did
        if scenario.waiting_on == k:
            scenario.maybe("waiting", k)
        if not gate.done():
            gate.set_result(None)
        scenario.maybe("ready", k)
    outcome: BaseException | list[int]
    try:
        outcome = await scenario.awaiter
    except BaseException as error:  # the outcome is what we check
        outcome = error
    scenario.maybe("after")
    if not scenario.fired:
        scenario.fire()  # the moment did not arise in this shape: cancel after the end
    for _ in range(4):
        await asyncio.sleep(0)
    await scheduler.stop()
    check(scenario, outcome)


def check(scenario: Scenario, outcome: BaseException | list[int]) -> None:
    handle = scenario.handle
    assert handle is not None
    state = handle.state
    was_live = scenario.state_at_cancel is not None and not scenario.state_at_cancel.is_terminal
    if not scenario.case.who.startswith("task"):
        assert scenario.accepted == was_live, (
            f"cancel() said {scenario.accepted} while the operation was {scenario.state_at_cancel}"
        )
    if scenario.accepted:
        assert state is OperationState.CANCELLED, f"accepted cancel, yet it ended {state}"
        assert isinstance(outcome, asyncio.CancelledError), f"the caller got {outcome!r}"
        assert isinstance(handle.exception(), asyncio.CancelledError)
        if scenario.rows:
            assert handle.partial == scenario.rows  # what it gathered is kept
        assert len(scenario.rows) <= scenario.rows_at_cancel + 1  # it stopped promptly
    else:
        assert state is OperationState.DONE, f"no cancel was accepted, yet it ended {state}"
        if scenario.case.who.startswith("task") and isinstance(outcome, BaseException):
            assert isinstance(outcome, asyncio.CancelledError)  # the task itself was cancelled
        else:
            assert outcome == list(range(scenario.case.pages))


@settings(max_examples=600, deadline=None, database=None)
@given(case=cases)
def test_an_accepted_cancel_always_ends_the_operation_cancelled(case: Case) -> None:
    run_on_virtual_clock(run_case(case))
