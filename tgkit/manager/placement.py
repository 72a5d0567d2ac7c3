"""Where a job may go: the sessions as routing candidates, and work worth moving.

``Placement`` turns the dispatcher's workers into ``routing.Candidate``s
for one job (load from each scheduler's snapshot, flood waits from the
``FloodLedger`` and the sessions' pacers, reach from the job) and asks
``routing.choose_session``. It also finds the job to move to a session
that became idle: the one queued elsewhere that would start latest, if
the idle session reaches its target as well and is free of its flood
waits. No Telegram here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from tgkit.core import OperationState, Scheduler

from .floods import FloodLedger
from .jobs import Job
from .routing import Candidate, Decision, DurationEstimator, Reach, choose_session

__all__ = ["Placement", "Worker"]

Loads = dict[str, tuple[bool, float]]  # session name → (idle, expected wait), one pump's worth


class Worker(Protocol):
    """A session as the dispatcher needs it."""

    @property
    def name(self) -> str: ...

    @property
    def scheduler(self) -> Scheduler: ...

    def flood_wait_remaining(self, request_type: str) -> float:
        """Seconds left of this session's flood wait on ``request_type`` (0: none)."""
        ...


class Placement:
    """Routing inputs and decisions over the dispatcher's live workers."""

    def __init__(
        self,
        workers: Mapping[str, Worker],
        floods: FloodLedger,
        estimate: DurationEstimator,
        chosen: Callable[[str], int],
    ) -> None:
        self._workers = workers
        self._floods = floods
        self._estimate = estimate
        self._chosen = chosen

    def decide(self, job: Job, loads: Loads) -> Decision:
        """Where ``job`` should go now (``loads`` caches each session's load for one pump)."""
        if not self._workers:
            return Decision(None, None, "the manager has no sessions; add one with add(session)")
        candidates = [
            self._candidate(worker, job, loads)
            for worker in self._workers.values()
            if worker.scheduler.status == "started"  # one closed under the manager takes nothing
        ]
        if not candidates:
            return Decision(None, None, "none of the manager's sessions is connected")
        return choose_session(candidates)

    def _candidate(self, worker: Worker, job: Job, loads: Loads) -> Candidate:
        if worker.name not in loads:
            loads[worker.name] = self._estimate.load(worker.scheduler.snapshot(recent=0))
        idle, wait = loads[worker.name]
        return Candidate(
            name=worker.name,
            idle=idle,
            expected_wait=wait,
            flood_wait=self.flood_remaining(worker, job),
            reach=self.reach(worker, job),
            tried=worker.name in job.flood_hits,
            order=self._chosen(worker.name),
        )

    def reach(self, worker: Worker, job: Job) -> Reach:
        if worker.name in job.unreachable:
            return Reach.UNREACHABLE
        return Reach.OPEN if job.work.reach is None else job.work.reach(worker)

    def flood_remaining(self, worker: Worker, job: Job) -> float:
        return self._floods.remaining(worker.name, job.request_types, worker.flood_wait_remaining)

    def stealable_for(
        self, worker: Worker, jobs: Iterable[Job], snapshots: dict[str, Any]
    ) -> Job | None:
        """The job queued on another session that would start latest, if ``worker`` may take it."""
        best: tuple[float, Job] | None = None
        for job in jobs:
            attempt = job.current
            if attempt is None or attempt.handle is None or attempt.session == worker.name:
                continue
            if attempt.handle.state is not OperationState.QUEUED:
                continue
            if not self._reaches_as_well(worker, job, attempt.session):
                continue
            if self.flood_remaining(worker, job) > 0:
                continue
            start = self._expected_start(attempt.session, attempt.handle.id, snapshots)
            if best is None or start > best[0]:
                best = (start, job)
        return None if best is None else best[1]

    def _reaches_as_well(self, worker: Worker, job: Job, current: str) -> bool:
        """``worker`` may take ``job`` over: never a joiner in place of a member."""
        reach = self.reach(worker, job)
        if reach is Reach.UNREACHABLE:
            return False
        holder = self._workers.get(current)
        return holder is None or reach.rank <= self.reach(holder, job).rank

    def _expected_start(self, session: str, operation_id: str, snapshots: dict[str, Any]) -> float:
        worker = self._workers.get(session)
        if worker is None:
            return 0.0
        if session not in snapshots:
            snapshots[session] = worker.scheduler.snapshot(recent=0)
        return self._estimate.start_of(snapshots[session], operation_id)
