"""Issue 20 through the manager: an accepted cancel always ends the work CANCELLED.

A hypothesis property over where a cancel of manager work lands, driven by
futures the test completes and by the schedulers' own events (no sleeps):
while the work waits in the manager's queue, in the submitting step, while
its attempt waits for a page, in the step a page arrives, when the attempt
has ended but the job has not yet heard (the attempt's ``finished`` event),
while the work is being moved to another account (its session removed with
``cancel_running=True``), and after the end. Cancels come through the
``ManagedHandle``, ``Dispatcher.cancel`` with the job's id or with its
attempt's operation id, or by cancelling the task that awaits the handle.
Accepted: the work ends CANCELLED, the caller gets CancelledError (the
handle's ``tgkit.errors.Cancelled`` naming who: "handle" for a handle or an
id, "task" for the awaiting task) and no attempt is left running. Refused
(False): it had ended DONE.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from manager_fakes import (
    FakeSession,
    dispatcher_for,
    run_on_virtual_clock,
    started,
    stop_all,
    work,
)

from tgkit.core import OperationState, SchedulerEvent
from tgkit.errors import Cancelled
from tgkit.manager.jobs import Job, ManagedHandle
from tgkit.manager.limits import ManagerLimits

MOMENTS = ("manager_queued", "submit", "waiting", "ready", "attempt_ended", "moving", "after")
WHO = ("handle", "job_id", "attempt_id", "task")


@dataclass(frozen=True)
class Case:
    pages: int
    moment: str
    page: int
    who: str


cases = st.builds(
    Case,
    pages=st.integers(1, 3),
    moment=st.sampled_from(MOMENTS),
    page=st.integers(0, 2),
    who=st.sampled_from(WHO),
)


@dataclass
class Scenario:
    case: Case
    gates: list[asyncio.Future[None]]
    handle: ManagedHandle | None = None
    awaiter: asyncio.Task[Any] | None = None
    dispatcher: Any = None
    waiting_on: int | None = None
    fired: bool = False
    accepted: bool | None = None
    done_at_cancel: bool = False
    events: list[str] = field(default_factory=list)

    async def op(self, session: FakeSession, job: Job) -> list[int]:
        rows = []
        for k, gate in enumerate(self.gates):
            self.waiting_on = k
            await gate
            self.waiting_on = None
            rows.append(k)
        return rows

    def maybe(self, moment: str, page: int | None = None) -> None:
        if self.fired or moment != self.case.moment or self.handle is None:
            return
        if page is not None and page != min(self.case.page, self.case.pages - 1):
            return
        self.fire()

    def fire(self) -> None:
        self.fired = True
        handle = self.handle
        assert handle is not None
        self.done_at_cancel = handle.done()
        who = self.case.who
        if who == "handle":
            self.accepted = handle.cancel()
        elif who == "job_id":
            self.accepted = self.dispatcher.cancel(handle.id)
        elif who == "attempt_id":
            attempt = handle.operation_handle
            op_id = handle.id if attempt is None or attempt.done() else attempt.id
            self.accepted = self.dispatcher.cancel(op_id)
        else:
            assert self.awaiter is not None
            live = not handle.done()
            self.accepted = self.awaiter.cancel() and live

    def on_event(self, event: SchedulerEvent) -> None:
        if event.type == "finished" and event.operation.label == "op":
            if event.operation.state is OperationState.DONE:
                self.maybe("attempt_ended")


async def run_case(case: Case) -> None:
    loop = asyncio.get_running_loop()
    sessions = await started("a", "b")
    dispatcher = dispatcher_for(sessions, ManagerLimits(max_running=1, rebalance=False))
    scenario = Scenario(case, [loop.create_future() for _ in range(case.pages)])
    scenario.dispatcher = dispatcher
    for session in sessions:
        session.scheduler.subscribe(scenario.on_event)
    release = loop.create_future()

    async def block(session: FakeSession, job: Job) -> None:
        await release

    queued = case.moment == "manager_queued"
    blocker = dispatcher.submit(work(block, label="blocker")) if queued else None

    async def awaiting() -> Any:
        scenario.handle = dispatcher.submit(work(scenario.op, label="op"))
        scenario.maybe("submit")
        return await scenario.handle

    scenario.awaiter = asyncio.create_task(awaiting())
    for _ in range(4):
        await asyncio.sleep(0)
    if blocker is not None:
        scenario.maybe("manager_queued")
        release.set_result(None)
        await blocker
    for k, gate in enumerate(scenario.gates):
        for _ in range(4):
            await asyncio.sleep(0)
        if k == 0 and case.moment == "moving" and scenario.handle is not None:
            session = scenario.handle.session
            if session is not None and not scenario.handle.done():
                dispatcher.remove_worker(session, cancel_running=True)
                scenario.maybe("moving")  # the attempt is cancelled, the job not yet moved
                for _ in range(6):
                    await asyncio.sleep(0)
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
        scenario.fire()
    for _ in range(6):
        await asyncio.sleep(0)
    handle = scenario.handle
    assert handle is not None
    if scenario.accepted:
        assert handle.state is OperationState.CANCELLED, f"accepted, yet {handle.state}"
        assert isinstance(outcome, asyncio.CancelledError), f"the caller got {outcome!r}"
        # ... and the error names who cancelled: the handle or id, or the awaiting task
        error = handle.exception()
        expected = "task" if case.who == "task" else "handle"
        assert isinstance(error, Cancelled) and error.by == expected, f"it ended with {error!r}"
        if case.who != "task":
            assert outcome is error, f"the caller got {outcome!r}, the handle has {error!r}"
    else:
        assert scenario.done_at_cancel or case.who == "task", "refused a cancel of live work"
        assert handle.state is OperationState.DONE, f"refused, yet {handle.state}"
        if not isinstance(outcome, asyncio.CancelledError):
            assert outcome == list(range(case.pages))
    assert dispatcher.snapshot().active == () and dispatcher.snapshot().running_total == 0
    assert all(s.scheduler.running is None for s in sessions), "an attempt was left running"
    await stop_all(sessions)


@settings(max_examples=300, deadline=None, database=None)
@given(case=cases)
def test_an_accepted_manager_cancel_always_ends_the_work_cancelled(case: Case) -> None:
    run_on_virtual_clock(run_case(case))
