"""Immutable views of operations and of a scheduler: what dashboards and history show.

Nothing here refers back to live objects, so a view can be kept, compared,
or read from another thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal

from tgkit.core.kinds import OperationKind
from tgkit.core.operation import Operation, OperationState, Progress

EventType = Literal["queued", "started", "progress", "finished"]


@dataclass(frozen=True, slots=True)
class OperationView:
    """An operation at one moment.

    ``waited_seconds`` is the time spent queued (so far, if still queued);
    ``running_seconds`` the time it has held the session (so far, if running).
    """

    id: str
    kind: OperationKind
    label: str
    priority: int
    state: OperationState
    progress: Progress
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    waited_seconds: float
    running_seconds: float | None
    timeout: float
    error: str | None
    parent_id: str | None


@dataclass(frozen=True, slots=True)
class OperationRecord:
    """One finished operation in the history.

    Datetimes are timezone-aware UTC; ``error`` is ``"Type: message"``
    (``error_type`` the type alone); ``report`` is read-only.
    """

    id: str
    kind: OperationKind
    label: str
    priority: int
    state: OperationState
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime
    wait_seconds: float
    run_seconds: float | None
    error: str | None
    error_type: str | None
    report: Mapping[str, Any]
    parent_id: str | None


@dataclass(frozen=True, slots=True)
class SchedulerSnapshot:
    """A scheduler at one moment: who holds the lock, what waits, what just ended.

    ``running`` is the operation holding the lock (its ``running_seconds`` is
    how long it has held it); ``lock_holder`` names the holder when code
    outside the scheduler holds the lock instead. ``queued`` is in dispatch
    order; ``recent`` the latest finished operations, oldest first.
    """

    name: str
    taken_at: datetime
    status: str
    running: OperationView | None
    lock_holder: str | None
    queued: tuple[OperationView, ...]
    recent: tuple[OperationRecord, ...]

    @property
    def is_busy(self) -> bool:
        """True when an operation or outside code holds the lock."""
        return self.lock_holder is not None


@dataclass(frozen=True, slots=True)
class SchedulerEvent:
    """What a subscriber receives: an operation was queued, started, progressed or finished."""

    type: EventType
    scheduler: str
    operation: OperationView
    at: datetime


def wall(loop_time: float, offset: float) -> datetime:
    """A loop-clock time as a UTC datetime, given the scheduler's wall offset."""
    return datetime.fromtimestamp(loop_time + offset, UTC)


def view_of(op: Operation, now: float) -> OperationView:
    """The view of ``op`` at loop time ``now``."""
    started = op.started_at
    waited_until = started if started is not None else (op.finished_at or now)
    running_for = None if started is None else (op.finished_at or now) - started
    return OperationView(
        id=op.id,
        kind=op.kind,
        label=op.label,
        priority=op.priority,
        state=op.state,
        progress=op.progress,
        queued_at=op.queued_wall,
        started_at=op.started_wall,
        finished_at=op.finished_wall,
        waited_seconds=max(0.0, waited_until - op.queued_at),
        running_seconds=running_for,
        timeout=op.timeout,
        error=describe_error(op.error),
        parent_id=op.parent_id,
    )


def record_of(
    id: str,
    kind: OperationKind,
    label: str,
    priority: int,
    state: OperationState,
    queued_at: float,
    started_at: float | None,
    finished_at: float | None,
    error: BaseException | None,
    report: Mapping[str, Any] | None,
    parent_id: str | None,
    wall_offset: float,
) -> OperationRecord:
    """The history record of a finished operation, from its facts (loop-clock times)."""
    if finished_at is None:
        raise ValueError(f"{id} has not finished; only finished operations have records")
    return OperationRecord(
        id=id,
        kind=kind,
        label=label,
        priority=priority,
        state=state,
        queued_at=wall(queued_at, wall_offset),
        started_at=None if started_at is None else wall(started_at, wall_offset),
        finished_at=wall(finished_at, wall_offset),
        wait_seconds=max(0.0, (finished_at if started_at is None else started_at) - queued_at),
        run_seconds=None if started_at is None else finished_at - started_at,
        error=describe_error(error),
        error_type=None if error is None else type(error).__name__,
        report=MappingProxyType(dict(report or {})),
        parent_id=parent_id,
    )


def describe_error(error: BaseException | None) -> str | None:
    """``"Type: message"`` (or just the type when the message is empty)."""
    if error is None:
        return None
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
