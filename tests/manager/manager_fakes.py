"""Bare schedulers as the dispatcher's workers, and fake operations that record what ran.

No Telegram here: a ``FakeSession`` is a real ``tgkit.core.Scheduler`` plus
a flood-wait table, and ``Tracker`` checks the concurrency rules from inside
the operations while they run.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import looptime

from tgkit.core import OperationKind, Scheduler, SessionConfig
from tgkit.errors import FloodWait
from tgkit.manager.dispatch import Dispatcher
from tgkit.manager.floods import loop_clock
from tgkit.manager.jobs import Job, Work
from tgkit.manager.limits import ManagerLimits

FAST = SessionConfig(queue_timeout=math.inf, lock_timeout=0.2, drain_timeout=0.2)


T = TypeVar("T")


def run_on_virtual_clock(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on looptime's virtual clock: what happens when depends on the
    schedule alone, never on the machine's load."""
    with asyncio.Runner(loop_factory=looptime.new_event_loop) as runner:
        return runner.run(coroutine)


class FakeSession:
    """A dispatcher worker: a started-on-demand Scheduler and per-type flood waits."""

    def __init__(self, name: str, config: SessionConfig = FAST) -> None:
        self.name = name
        self.scheduler = Scheduler(config, name=name)
        self.floods: dict[str, float] = {}

    def flood(self, request_type: str, seconds: float) -> None:
        self.floods[request_type] = loop_clock() + seconds

    def flood_wait_remaining(self, request_type: str) -> float:
        return max(0.0, self.floods.get(request_type, 0.0) - loop_clock())


async def started(*names: str, config: SessionConfig = FAST) -> list[FakeSession]:
    sessions = [FakeSession(name, config) for name in names]
    for session in sessions:
        await session.scheduler.start()
    return sessions


async def stop_all(sessions: Iterable[FakeSession]) -> None:
    for session in sessions:
        await session.scheduler.stop()


def dispatcher_for(
    sessions: Iterable[FakeSession], limits: ManagerLimits | None = None, **kw: Any
) -> Dispatcher:
    dispatcher = Dispatcher(limits, **kw)
    for session in sessions:
        dispatcher.add_worker(session)
    return dispatcher


OpFunc = Callable[[FakeSession, Job], Awaitable[Any]]


def work(
    func: OpFunc,
    *,
    kind: OperationKind = OperationKind.SCRAPE,
    label: str = "op",
    target: str | None = None,
    key: Any = None,
    request_types: Iterable[str] = (),
    priority: int | None = None,
    reach: Any = None,
    queue_timeout: float = math.inf,
) -> Work:
    """Work that runs ``func(session, job)`` as an operation of the chosen session."""

    def start(session: FakeSession, job: Job) -> Any:
        return session.scheduler.submit(
            kind, func, session, job, label=label, queue_timeout=queue_timeout
        )

    return Work(
        kind=kind,
        label=label,
        start=start,
        priority=priority,
        target=target,
        key=key,
        request_types=frozenset(request_types),
        reach=reach,
    )


def busy(seconds: float) -> Callable[[], Awaitable[None]]:
    """An operation submitted to a scheduler directly, not through the manager."""

    async def outside() -> None:
        await asyncio.sleep(seconds)

    return outside


def sleeper(seconds: float, result: Any = None) -> OpFunc:
    async def op(session: FakeSession, job: Job) -> Any:
        await asyncio.sleep(seconds)
        return (session.name, result)

    return op


@dataclass
class Tracker:
    """Watches operations from inside: what runs at once, where and for which job."""

    running: list[tuple[str, str, OperationKind, str | None]] = field(default_factory=list)
    max_total: int = 0
    max_by_kind: Counter[OperationKind] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    runs: Counter[str] = field(default_factory=Counter)

    def enter(self, session: FakeSession, job: Job) -> None:
        target = job.work.target
        for other_session, job_id, _kind, other_target in self.running:
            if job_id == job.id:
                self.violations.append(f"{job.id} runs on {session.name} and {other_session}")
            elif target is not None and other_target == target:
                self.violations.append(f"{job.id} and {job_id} both collect {target}")
        self.running.append((session.name, job.id, job.kind, target))
        self.runs[job.id] += 1
        self.max_total = max(self.max_total, len(self.running))
        kinds = Counter(kind for _s, _j, kind, _t in self.running)
        for kind, n in kinds.items():
            self.max_by_kind[kind] = max(self.max_by_kind[kind], n)

    def leave(self, session: FakeSession, job: Job) -> None:
        self.running.remove((session.name, job.id, job.kind, job.work.target))


def tracked(tracker: Tracker, body: OpFunc) -> OpFunc:
    async def op(session: FakeSession, job: Job) -> Any:
        tracker.enter(session, job)
        try:
            return await body(session, job)
        finally:
            tracker.leave(session, job)

    return op


def paced(request_type: str, body: OpFunc) -> OpFunc:
    """Like a session's pacer: a flood wait on ``request_type`` fails the operation at once."""

    async def op(session: FakeSession, job: Job) -> Any:
        remaining = session.flood_wait_remaining(request_type)
        if remaining > 0:
            raise FloodWait(remaining, request_type)
        return await body(session, job)

    return op


def other_tasks() -> set[asyncio.Task[Any]]:
    return asyncio.all_tasks() - {asyncio.current_task()}
