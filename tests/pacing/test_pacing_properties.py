"""Property tests: over random workloads on a fake clock, budgets are never exceeded.

A workload is a few concurrent callers, each sending random request types
after random pauses, sometimes with flood waits recorded in between.
Acquisition times are read from the fake clock, so the checks are exact.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_pacing_support import FakeClock, MemoryPacingStore, run_fake

from tgkit.errors import FloodWait
from tgkit.pacing import Pacer
from tgkit.pacing.budgets import BUDGET_GROUPS, Rate, budget_name

REQUEST_TYPES = (
    "messages.GetHistory",
    "contacts.ResolveUsername",
    "channels.JoinChannel",
    "messages.ImportChatInvite",
    "messages.GetDialogs",
    "users.GetFullUser",
)
OPTIONAL_BUDGETS = ("messages.GetHistory", "contacts.ResolveUsername", "join")

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

rates = st.lists(
    st.builds(
        Rate,
        calls=st.integers(1, 4),
        per=st.sampled_from([0.5, 1.0, 2.5, 3.0, 7.0]) | st.floats(0.1, 10.0),
    ),
    min_size=1,
    max_size=2,
).map(tuple)


@st.composite
def budgets(draw: st.DrawFn) -> dict[str, tuple[Rate, ...]]:
    names = draw(st.lists(st.sampled_from(OPTIONAL_BUDGETS), unique=True))
    return {name: draw(rates) for name in [*names, "*"]}


pauses = st.sampled_from([0.0, 0.0, 0.25, 1.0]) | st.floats(0.0, 4.0)
steps = st.lists(st.tuples(pauses, st.sampled_from(REQUEST_TYPES)), min_size=1, max_size=8)
callers = st.lists(steps, min_size=1, max_size=5)
floods = st.lists(
    st.tuples(pauses, st.sampled_from(REQUEST_TYPES), st.floats(0.0, 8.0)), max_size=4
)


@dataclass(frozen=True, slots=True)
class Acquired:
    request_type: str
    budget: str
    arrived: float
    at: float
    arrival: int  # order of calls to acquire()
    finish: int  # order of returns from acquire()


@dataclass(frozen=True, slots=True)
class FloodRecord:
    request_type: str
    at: float
    until: float
    order: int


class Workload:
    """Runs callers and flood scripts against one Pacer and logs what happened."""

    def __init__(self, pacer: Pacer, clock: FakeClock, budgets: dict[str, tuple[Rate, ...]]):
        self.pacer, self.clock, self.budgets = pacer, clock, budgets
        self.acquired: list[Acquired] = []
        self.refused: list[tuple[str, float, FloodWait]] = []
        self.floods: list[FloodRecord] = []
        self._order = itertools.count()

    async def caller(self, script: list[tuple[float, str]]) -> None:
        for pause, request_type in script:
            if pause:
                await self.clock.sleep(pause)
            arrived, arrival = self.clock.now, next(self._order)
            try:
                await self.pacer.acquire(request_type)
            except FloodWait as refused:
                self.refused.append((request_type, self.clock.now, refused))
                continue
            budget = budget_name(request_type, self.budgets)
            self.acquired.append(
                Acquired(request_type, budget, arrived, self.clock.now, arrival, next(self._order))
            )

    async def flooder(self, script: list[tuple[float, str, float]]) -> None:
        for pause, request_type, seconds in script:
            await self.clock.sleep(pause)
            self.pacer.record_flood_wait(request_type, seconds)
            until = self.clock.now + self.pacer.flood_wait_remaining(request_type)
            self.floods.append(FloodRecord(request_type, self.clock.now, until, next(self._order)))


def family(request_type: str) -> set[str]:
    group = BUDGET_GROUPS.get(request_type)
    if group is None:
        return {request_type}
    return {kind for kind, name in BUDGET_GROUPS.items() if name == group}


def by_budget(acquired: list[Acquired]) -> dict[str, list[Acquired]]:
    groups: dict[str, list[Acquired]] = {}
    for item in sorted(acquired, key=lambda item: item.arrival):
        groups.setdefault(item.budget, []).append(item)
    return groups


def assert_budgets_never_exceeded(
    acquired: list[Acquired], budgets: dict[str, tuple[Rate, ...]]
) -> None:
    for budget, items in by_budget(acquired).items():
        times = sorted(item.at for item in items)
        for rate in budgets[budget]:
            for first, later in zip(times, times[rate.calls :], strict=False):
                assert later >= first + rate.per, (
                    f"{budget}: {rate.calls + 1} requests within {later - first} s "
                    f"(limit {rate.calls} per {rate.per} s)"
                )


def run_workload(
    budgets: dict[str, tuple[Rate, ...]],
    scripts: list[list[tuple[float, str]]],
    flood_script: list[tuple[float, str, float]] = (),  # type: ignore[assignment]
    **pacer_options: object,
) -> Workload:
    async def main() -> Workload:
        clock = FakeClock()
        pacer = Pacer("alice", budgets, clock=clock.clock, sleep=clock.sleep, **pacer_options)  # type: ignore[arg-type]
        workload = Workload(pacer, clock, budgets)
        coroutines = [workload.caller(script) for script in scripts]
        results = await clock.run(*coroutines, workload.flooder(list(flood_script)))
        assert [r for r in results if r is not None] == []
        assert pacer.snapshot().waiting == ()
        return workload

    return run_fake(main())


@PROPERTY_SETTINGS
@given(budgets(), callers)
def test_budgets_are_never_exceeded_and_no_caller_waits_longer_than_needed(
    budgets: dict[str, tuple[Rate, ...]], scripts: list[list[tuple[float, str]]]
) -> None:
    workload = run_workload(budgets, scripts)
    assert len(workload.acquired) == sum(len(script) for script in scripts)
    assert_budgets_never_exceeded(workload.acquired, budgets)
    for budget, items in by_budget(workload.acquired).items():
        assert [item.finish for item in items] == sorted(item.finish for item in items), (
            f"{budget}: callers were not served in arrival order"
        )
        for index, item in enumerate(items):
            earliest = max(item.arrived, items[index - 1].at if index else item.arrived)
            for rate in budgets[budget]:
                if index >= rate.calls:
                    earliest = max(earliest, items[index - rate.calls].at + rate.per)
            assert math.isclose(item.at, earliest, abs_tol=1e-9), (
                f"{budget}: request {index} went at {item.at}, could have gone at {earliest}"
            )


@PROPERTY_SETTINGS
@given(
    budgets(),
    callers,
    floods,
    st.sampled_from([0.0, 2.0, 5.0, 60.0]),
)
def test_flood_waits_are_kept_and_budgets_hold_under_them(
    budgets: dict[str, tuple[Rate, ...]],
    scripts: list[list[tuple[float, str]]],
    flood_script: list[tuple[float, str, float]],
    flood_sleep_max: float,
) -> None:
    workload = run_workload(budgets, scripts, flood_script, flood_sleep_max=flood_sleep_max)
    assert len(workload.acquired) + len(workload.refused) == sum(map(len, scripts))
    assert_budgets_never_exceeded(workload.acquired, budgets)
    for flood in workload.floods:
        for item in workload.acquired:
            if item.request_type in family(flood.request_type) and item.finish > flood.order:
                assert item.at >= flood.until, (
                    f"{item.request_type} went at {item.at} during a flood wait "
                    f"on {flood.request_type} until {flood.until}"
                )
    for request_type, at, refused in workload.refused:
        assert refused.seconds > flood_sleep_max
        assert refused.request_type == request_type
        assert any(
            math.isclose(flood.until - at, refused.seconds)
            for flood in workload.floods
            if request_type in family(flood.request_type)
        )
    for request_type in REQUEST_TYPES:
        same = sorted(
            (item for item in workload.acquired if item.request_type == request_type),
            key=lambda item: item.arrival,
        )
        assert [item.finish for item in same] == sorted(item.finish for item in same)


@PROPERTY_SETTINGS
@given(budgets(), callers, callers, st.floats(0.0, 12.0))
def test_budgets_hold_across_a_restart(
    budgets: dict[str, tuple[Rate, ...]],
    before: list[list[tuple[float, str]]],
    after: list[list[tuple[float, str]]],
    downtime: float,
) -> None:
    async def main() -> list[Acquired]:
        clock = FakeClock()
        store = MemoryPacingStore()
        acquired: list[Acquired] = []
        for scripts in (before, after):
            pacer = Pacer("alice", budgets, store=store, clock=clock.clock, sleep=clock.sleep)
            workload = Workload(pacer, clock, budgets)
            await clock.run(*(workload.caller(script) for script in scripts))
            acquired += workload.acquired
            clock.now += downtime
        return acquired

    acquired = run_fake(main())
    assert len(acquired) == sum(map(len, before)) + sum(map(len, after))
    assert_budgets_never_exceeded(acquired, budgets)


@settings(max_examples=50, deadline=None)
@given(budgets(), callers, st.data())
def test_cancelling_waiters_never_breaks_the_budget_or_the_queue(
    budgets: dict[str, tuple[Rate, ...]],
    scripts: list[list[tuple[float, str]]],
    data: st.DataObject,
) -> None:
    cancel_after = data.draw(st.lists(st.floats(0.0, 6.0), min_size=len(scripts)))

    async def main() -> Workload:
        clock = FakeClock()
        pacer = Pacer("alice", budgets, clock=clock.clock, sleep=clock.sleep)
        workload = Workload(pacer, clock, budgets)
        tasks = [asyncio.ensure_future(workload.caller(script)) for script in scripts]

        async def cancel(task: asyncio.Future[None], delay: float) -> None:
            await clock.sleep(delay)
            task.cancel()

        await clock.run(*tasks, *(cancel(t, d) for t, d in zip(tasks, cancel_after, strict=False)))
        assert pacer.snapshot().waiting == ()
        survivor = [asyncio.ensure_future(workload.caller([(0.0, "messages.GetDialogs")]))]
        await clock.run(*survivor)  # the queue still works after the cancellations
        return workload

    workload = run_fake(main())
    assert_budgets_never_exceeded(workload.acquired, budgets)
    assert workload.acquired[-1].request_type == "messages.GetDialogs"
