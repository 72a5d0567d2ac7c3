"""Immutable views of a SessionManager for the dashboard and for tests.

``ManagerSnapshot`` has the shape the notebook dashboard shows for one
session, once per session (``sessions``: each session's own snapshot), plus
the manager's own state: its queue (``pending``), the work handed to
sessions (``active``), slots held against the caps, targets being collected
and flood waits it knows of. ``ManagerEvent`` is what ``subscribe``
callbacks receive: the manager's own events, and every session's events
wrapped with the session's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tgkit.core import OperationKind, OperationState

from .jobs import AttemptRecord, Job
from .limits import ManagerLimits

__all__ = ["DispatchSnapshot", "JobView", "ManagerEvent", "ManagerSnapshot", "job_view"]


@dataclass(frozen=True, slots=True)
class JobView:
    """One manager operation at one moment.

    ``reason`` says why a queued one waits (a cap, its target, a flood wait);
    ``flood_until`` is set while every session is in a flood wait for it.
    """

    id: str
    kind: OperationKind
    label: str
    priority: int
    state: OperationState
    target: str | None
    session: str | None
    attempts: tuple[AttemptRecord, ...]
    waited_seconds: float
    reason: str
    flood_until: datetime | None
    joined_by: int


@dataclass(frozen=True, slots=True)
class DispatchSnapshot:
    """The manager's own queue and caps (no session state)."""

    taken_at: datetime
    limits: ManagerLimits
    pending: tuple[JobView, ...]
    active: tuple[JobView, ...]
    running_by_kind: Mapping[OperationKind, int]
    targets: tuple[str, ...]
    flood_waits: Mapping[str, Mapping[str, datetime]]
    sessions: tuple[str, ...]

    @property
    def running_total(self) -> int:
        """Slots held against ``limits.max_running``."""
        return sum(self.running_by_kind.values())


@dataclass(frozen=True, slots=True)
class ManagerSnapshot:
    """Every session's snapshot plus the manager's queue and caps.

    Example::

        snap = manager.snapshot()
        [s.name for s in snap.sessions], len(snap.manager.pending)
    """

    taken_at: datetime
    sessions: tuple[Any, ...]
    manager: DispatchSnapshot

    @property
    def session_names(self) -> tuple[str, ...]:
        return self.manager.sessions


@dataclass(frozen=True, slots=True)
class ManagerEvent:
    """An event from the manager or one of its sessions.

    ``type`` is one of the manager's own "queued", "joined", "dispatched",
    "moved", "waiting", "finished", "session_added", "session_removed", or
    "session" for a session's own event (then ``event`` holds it and
    ``session`` names the session).
    """

    type: str
    at: datetime
    job: JobView | None = None
    session: str | None = None
    detail: str = ""
    event: Any = None


def job_view(job: Job, now: float, wall: Callable[[float], datetime]) -> JobView:
    """The view of ``job`` at ``now`` (the dispatcher's clock; ``wall`` converts it)."""
    waiting = sum(1 for handle in job.handles if not handle.done())
    return JobView(
        id=job.id,
        kind=job.kind,
        label=job.work.label,
        priority=job.priority,
        state=job.state if job.done else job.live_state,
        target=job.work.target,
        session=job.attempts[-1].session if job.attempts else None,
        attempts=tuple(attempt.record() for attempt in job.attempts),
        waited_seconds=(job.finished_at or now) - job.queued_at,
        reason=job.reason,
        flood_until=None if job.waiting_until is None else wall(job.waiting_until),
        joined_by=max(waiting - 1, 0),
    )
