"""What the dashboard shows, as plain immutable values.

The dashboard is a thin view over snapshots. This module turns whatever a
snapshot source gives (a scheduler's snapshot, a session's snapshot with its
pacing state, a manager's snapshot of many sessions) into a
:class:`DashboardView` of simple lines, with durations rounded to whole
seconds. Two views compare equal when the dashboard would look the same, which
is how the refresher knows whether anything changed::

    view = dashboard_view([session])
    view.sessions[0].running        # OperationLine or None: who holds the lock
    view.sessions[0].queued         # in dispatch order

Snapshots are read by attribute name, so a source only needs the shape, not
a type from tgkit.core (see :class:`SnapshotSource`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "BudgetLine",
    "DashboardView",
    "FloodLine",
    "HistoryLine",
    "OperationLine",
    "SessionView",
    "SnapshotSource",
    "dashboard_view",
    "session_view",
]

#: How many finished operations the dashboard lists.
RECENT_LIMIT = 10


@runtime_checkable
class SnapshotSource(Protocol):
    """Anything the dashboard can show: a Scheduler, a TelegramSession, a SessionManager.

    ``snapshot()`` returns a scheduler snapshot, a session snapshot (with
    ``scheduler`` and ``pacing``), or a manager snapshot (with ``sessions``);
    ``subscribe(callback)`` calls back on any change and returns an
    unsubscribe function; ``cancel(op_id, by)`` cancels a queued or running
    operation on behalf of ``by`` (``tgkit.errors.Cancelled.by``).
    """

    def snapshot(self) -> Any: ...

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]: ...

    def cancel(self, op_id: str, by: str = "handle") -> bool: ...


@dataclass(frozen=True, slots=True)
class OperationLine:
    """A queued or running operation.

    ``seconds`` is how long it has waited in the queue (queued) or held the
    lock (running); ``done`` / ``total`` its last reported progress.
    """

    id: str
    kind: str
    label: str
    priority: int
    state: str
    seconds: int
    done: int | None = None
    total: int | None = None

    @property
    def fraction(self) -> float | None:
        """Progress as 0..1, or None when the total is unknown."""
        if self.done is None or not self.total:
            return None
        return min(1.0, self.done / self.total)


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """A finished operation: its outcome and how long it waited and ran."""

    id: str
    kind: str
    label: str
    outcome: str
    wait_seconds: float | None
    run_seconds: float | None
    error: str | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class FloodLine:
    """A flood wait in force: no request of ``request_type`` until ``until``."""

    request_type: str
    until: datetime
    seconds_left: int


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One rate of a request budget: ``used`` of ``limit`` in the last ``window_seconds``."""

    name: str
    used: int
    limit: int
    window_seconds: float


@dataclass(frozen=True, slots=True)
class SessionView:
    """One session's lock, queue, pacing and recent history."""

    name: str
    running: OperationLine | None
    queued: tuple[OperationLine, ...]
    recent: tuple[HistoryLine, ...]
    flood_waits: tuple[FloodLine, ...] = ()
    budgets: tuple[BudgetLine, ...] = ()
    pacing_waits: tuple[FloodLine, ...] = ()
    lock_holder: str | None = None

    @property
    def lock_text(self) -> str:
        """'free', or who holds the lock and for how long."""
        if self.running is None:
            return f"held by {self.lock_holder}" if self.lock_holder else "free"
        run = self.running
        return f"held by {run.id} ({run.kind} {run.label!r}) for {run.seconds} s"


@dataclass(frozen=True, slots=True)
class DashboardView:
    """Everything a dashboard shows, for one or many sessions."""

    sessions: tuple[SessionView, ...]


def dashboard_view(sources: Iterable[SnapshotSource]) -> DashboardView:
    """Take a snapshot of every source and turn it into one view."""
    sessions: list[SessionView] = []
    for source in sources:
        snapshot = source.snapshot()
        inner = getattr(snapshot, "sessions", None)
        if inner is not None:  # a manager: its own queue, then one snapshot per session
            sessions.extend(_manager_queue(snapshot))
            values = inner.values() if isinstance(inner, Mapping) else inner
            sessions.extend(session_view(each) for each in values)
        else:
            sessions.append(session_view(snapshot))
    return DashboardView(tuple(sessions))


#: The name of the panel showing a manager's own queue (work not yet on a session).
MANAGER_QUEUE = "manager queue"


def _manager_queue(snapshot: Any) -> list[SessionView]:
    pending = getattr(getattr(snapshot, "manager", None), "pending", None)
    if pending is None:
        return []
    return [SessionView(MANAGER_QUEUE, None, tuple(_operation_line(op) for op in pending), ())]


def session_view(snapshot: Any) -> SessionView:
    """A SessionView from a scheduler snapshot or a session snapshot."""
    scheduler = getattr(snapshot, "scheduler", None) or snapshot
    pacing = getattr(snapshot, "pacing", None)
    name = getattr(snapshot, "name", None) or getattr(scheduler, "name", "session")
    running = getattr(scheduler, "running", None)
    recent = tuple(getattr(scheduler, "recent", ()))[-RECENT_LIMIT:]
    flood, budgets, waits = _pacing_lines(pacing)
    return SessionView(
        name=str(name),
        running=_operation_line(running) if running is not None else None,
        queued=tuple(_operation_line(op) for op in getattr(scheduler, "queued", ())),
        recent=tuple(_history_line(record) for record in reversed(recent)),
        flood_waits=flood,
        budgets=budgets,
        pacing_waits=waits,
        lock_holder=getattr(scheduler, "lock_holder", None),
    )


def _name(value: Any) -> str:
    return value.name if isinstance(value, Enum) else str(value)


def _first(obj: Any, *names: str) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


def _operation_line(op: Any) -> OperationLine:
    progress = getattr(op, "progress", None)
    # a running operation shows how long it has held the lock, a queued one its wait
    seconds = _first(op, "running_seconds", "waited_seconds")
    return OperationLine(
        id=str(op.id),
        kind=_name(op.kind),
        label=str(getattr(op, "label", "") or ""),
        priority=int(getattr(op, "priority", 0)),
        state=_name(getattr(op, "state", "")),
        seconds=int(seconds or 0),
        done=getattr(progress, "done", None),
        total=getattr(progress, "total", None),
    )


def _history_line(record: Any) -> HistoryLine:
    error = getattr(record, "error", None)
    return HistoryLine(
        id=str(record.id),
        kind=_name(record.kind),
        label=str(getattr(record, "label", "") or ""),
        outcome=_name(record.state),
        wait_seconds=_rounded(getattr(record, "wait_seconds", None)),
        run_seconds=_rounded(getattr(record, "run_seconds", None)),
        error=str(error) if error else None,
        finished_at=getattr(record, "finished_at", None),
    )


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds), 2)


def _pacing_lines(
    pacing: Any,
) -> tuple[tuple[FloodLine, ...], tuple[BudgetLine, ...], tuple[FloodLine, ...]]:
    if pacing is None:
        return (), (), ()
    now = time.time()
    floods = tuple(
        _flood_line(request_type, until, now)
        for request_type, until in sorted(dict(getattr(pacing, "flood_waits", {}) or {}).items())
        if until > now
    )
    waits = tuple(
        _flood_line(request_type, until, now)
        for request_type, until in (getattr(pacing, "waiting", ()) or ())
    )
    return floods, _budget_lines(getattr(pacing, "usage", {}) or {}), waits


def _flood_line(request_type: str, until: float, now: float) -> FloodLine:
    return FloodLine(
        request_type=str(request_type),
        until=datetime.fromtimestamp(until, UTC).replace(microsecond=0),
        seconds_left=max(0, round(until - now)),
    )


def _budget_lines(usage: Mapping[str, Any]) -> tuple[BudgetLine, ...]:
    lines: list[BudgetLine] = []
    for name, rates in sorted(usage.items()):
        # one (used, limit, window) per rate, or a single such triple
        triples = rates if rates and isinstance(rates[0], tuple | list) else (rates,)
        for rate in triples:
            used, limit, window = _triple(rate)
            if not used:  # an untouched budget is noise on a dashboard
                continue
            lines.append(BudgetLine(str(name), int(used), int(limit), float(window)))
    return tuple(lines)


def _triple(rate: Any) -> tuple[Any, Any, Any]:
    if isinstance(rate, tuple | list):
        return rate[0], rate[1], rate[2]
    return (
        getattr(rate, "used", 0),
        _first(rate, "limit", "calls") or 0,
        _first(rate, "window", "per", "window_seconds") or 0,
    )
