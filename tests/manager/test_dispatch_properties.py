"""Property tests: random workloads on bare schedulers never break the manager's rules.

Each example builds 1–4 sessions (real ``Scheduler``s), random caps, and
a random workload: operations of random kinds, targets, durations, some
identical (they must join), some hitting flood waits or unreachable
targets on some sessions, some cancelled, some sessions removed mid-way.
Checked for every example:

- caps: never more operations running at once than ``max_running``, nor of
  one kind than its cap;
- exclusivity: never two jobs collecting one target at once, never one job
  running on two sessions;
- routing: never handed to a session in a flood wait for a request type
  it needs;
- joining: handles with the same id share one outcome;
- every handle ends in a terminal state, with the expected result or
  error; the manager ends with no slot, target, queue entry or task left.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from manager_fakes import (
    FakeSession,
    Tracker,
    dispatcher_for,
    other_tasks,
    run_on_virtual_clock,
    started,
    stop_all,
)

from tgkit.core import OperationKind, OperationState, SessionConfig
from tgkit.errors import FloodWait, PrivateChat
from tgkit.manager.jobs import Job, ManagedHandle, Work
from tgkit.manager.limits import ManagerLimits

KINDS = (OperationKind.SCRAPE, OperationKind.SEND, OperationKind.MONITOR)
REQUEST_TYPES = ("channels.GetParticipants", "messages.GetHistory")
CONFIG = SessionConfig(queue_timeout=math.inf, lock_timeout=0.2, drain_timeout=0.05)


@dataclass(frozen=True)
class Plan:
    """One request of the workload."""

    index: int
    kind: OperationKind
    target: str | None
    duplicate: bool  # identical to other requests with the same target and kind
    duration: float
    request_type: str
    floods_on: frozenset[int]  # sessions that answer its first run there with a flood wait
    flood_seconds: float
    private_on: frozenset[int]  # sessions that cannot reach its target
    fails: bool
    submit_at: float
    cancel_at: float | None

    @property
    def key(self) -> object:
        return ("same", self.kind, self.target) if self.duplicate else None


@dataclass(frozen=True)
class Scenario:
    sessions: int
    limits: ManagerLimits
    plans: tuple[Plan, ...]
    remove_at: float | None  # the last session is removed (and stopped) then


def plans(sessions: int) -> st.SearchStrategy[Plan]:
    indices = st.frozensets(st.integers(0, sessions - 1), max_size=sessions)
    return st.builds(
        Plan,
        index=st.just(0),
        kind=st.sampled_from(KINDS),
        target=st.sampled_from([None, "@a", "@b", "@c"]),
        duplicate=st.booleans(),
        duration=st.sampled_from([0.0, 0.001, 0.004, 0.01]),
        request_type=st.sampled_from(REQUEST_TYPES),
        floods_on=indices,
        flood_seconds=st.sampled_from([0.002, 0.01, 0.03]),
        private_on=indices,
        fails=st.sampled_from([False, False, False, True]),
        submit_at=st.sampled_from([0.0, 0.0, 0.002, 0.01, 0.02]),
        cancel_at=st.none() | st.none() | st.none() | st.sampled_from([0.0, 0.005, 0.02]),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    sessions = draw(st.integers(1, 4))
    per_kind = draw(st.dictionaries(st.sampled_from(KINDS), st.integers(1, 3), max_size=2))
    limits = ManagerLimits(
        max_running=draw(st.none() | st.integers(1, 4)),
        per_kind=per_kind,
        max_attempts=50,
        rebalance=draw(st.booleans()),
    )
    drawn = draw(st.lists(plans(sessions), min_size=1, max_size=12))
    numbered = tuple(Plan(**{**plan.__dict__, "index": i}) for i, plan in enumerate(drawn))
    remove_at = draw(st.none() | st.sampled_from([0.0, 0.005, 0.015])) if sessions > 1 else None
    return Scenario(sessions, limits, numbered, remove_at)


class Run:
    """One example's sessions, dispatcher and observations."""

    def __init__(self, scenario: Scenario, sessions: list[FakeSession]) -> None:
        self.scenario = scenario
        self.sessions = sessions
        self.index = {s.name: i for i, s in enumerate(sessions)}
        self.tracker = Tracker()
        self.flooded: set[tuple[int, str]] = set()  # (plan, session) that flooded already
        self.bad_routes: list[str] = []
        self.dispatcher = dispatcher_for(sessions, scenario.limits)

    def work(self, plan: Plan) -> Work:
        def start(session: FakeSession, job: Job) -> object:
            for request_type in job.request_types:
                if session.flood_wait_remaining(request_type) > 0:
                    self.bad_routes.append(f"{job.id} sent to {session.name} in a flood wait")
            return session.scheduler.submit(
                plan.kind, self.operation, plan, session, job, label=f"plan {plan.index}"
            )

        return Work(
            kind=plan.kind,
            label=f"plan {plan.index}",
            start=start,
            target=plan.target,
            key=plan.key,
            request_types=frozenset({plan.request_type}),
        )

    async def operation(self, plan: Plan, session: FakeSession, job: Job) -> int:
        self.tracker.enter(session, job)
        try:
            remaining = session.flood_wait_remaining(plan.request_type)
            if remaining > 0:  # what a session's pacer does
                raise FloodWait(remaining, plan.request_type)
            where = self.index[session.name]
            if where in plan.private_on:
                raise PrivateChat(f"{plan.target} is private")
            await asyncio.sleep(plan.duration)
            if where in plan.floods_on and (plan.index, session.name) not in self.flooded:
                self.flooded.add((plan.index, session.name))
                session.flood(plan.request_type, plan.flood_seconds)
                raise FloodWait(plan.flood_seconds, plan.request_type)
            if plan.fails:
                raise ValueError(f"plan {plan.index} fails")
            return plan.index
        finally:
            self.tracker.leave(session, job)

    async def submit(self, plan: Plan) -> tuple[Plan, ManagedHandle]:
        await asyncio.sleep(plan.submit_at)
        handle = self.dispatcher.submit(self.work(plan))
        if plan.cancel_at is not None:
            asyncio.get_running_loop().call_later(plan.cancel_at, handle.cancel)
        return plan, handle

    async def remove_last(self) -> None:
        assert self.scenario.remove_at is not None
        await asyncio.sleep(self.scenario.remove_at)
        last = self.sessions[-1]
        self.dispatcher.remove_worker(last.name)
        await last.scheduler.stop()


async def run_scenario(scenario: Scenario) -> None:
    sessions = await started(*(f"s{i}" for i in range(scenario.sessions)), config=CONFIG)
    run = Run(scenario, sessions)
    removal = None if scenario.remove_at is None else asyncio.create_task(run.remove_last())
    submitted = await asyncio.gather(*(run.submit(plan) for plan in scenario.plans))
    outcomes = await asyncio.wait_for(
        asyncio.gather(*(h for _, h in submitted), return_exceptions=True), timeout=10
    )
    if removal is not None:
        await removal
    check_rules(run)
    check_outcomes(run, submitted, outcomes)
    check_nothing_left(run)
    await stop_all(sessions)
    assert other_tasks() == set()


def check_rules(run: Run) -> None:
    limits = run.scenario.limits
    assert not run.tracker.violations, run.tracker.violations
    assert not run.bad_routes, run.bad_routes
    if limits.max_running is not None:
        assert run.tracker.max_total <= limits.max_running
    for kind, cap in limits.per_kind.items():
        assert run.tracker.max_by_kind[kind] <= cap


def check_outcomes(run: Run, submitted: list[tuple[Plan, ManagedHandle]], outcomes: list) -> None:
    by_job: dict[str, list[object]] = {}
    for (plan, handle), outcome in zip(submitted, outcomes, strict=True):
        assert handle.done() and handle.state.is_terminal
        assert len(handle.attempts) <= run.scenario.limits.max_attempts
        if isinstance(outcome, asyncio.CancelledError):
            assert handle.state is OperationState.CANCELLED
            continue
        by_job.setdefault(handle.id, []).append(outcome)
        if handle.joined:
            continue
        if isinstance(outcome, int):
            assert outcome == plan.index and not plan.fails
            assert handle.state is OperationState.DONE
        elif isinstance(outcome, ValueError):
            assert plan.fails
        elif isinstance(outcome, PrivateChat):
            assert plan.private_on
            if run.scenario.remove_at is None:
                assert len(plan.private_on) == run.scenario.sessions
        else:  # removal of the last session may leave nothing to move to
            assert run.scenario.remove_at is not None, outcome
    for shared in by_job.values():
        assert all(o is shared[0] or o == shared[0] for o in shared), shared


def check_nothing_left(run: Run) -> None:
    snap = run.dispatcher.snapshot()
    assert snap.pending == () and snap.active == ()
    assert snap.running_total == 0 and snap.targets == ()


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(scenarios())
def test_random_workloads_keep_every_rule(scenario: Scenario) -> None:
    run_on_virtual_clock(run_scenario(scenario))
