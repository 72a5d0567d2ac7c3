"""What the pool dashboard shows, as plain immutable values.

A pool (``tgkit.connect([...])``) is a ``SessionManager`` over several
accounts. Its dashboard shows a row per account (the account's own
:class:`~tgkit.notebook.view.SessionView`: lock, running operation, queue,
flood waits, budgets), the pool's jobs with the account each one runs on or
waits for, and the moves between accounts (after a flood wait, a target the
account cannot reach, a session removed)::

    view = pool_view(manager.snapshot(), moves.lines())
    view.accounts[0].lock_text      # 'free', 'held by op-3 (SCRAPE ...)', ...
    view.jobs[0].where              # 'on lab2' or 'waiting for a free account'

Like :mod:`tgkit.notebook.view`, two views compare equal when the dashboard
would look the same, which is how the refresher knows when to redraw.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tgkit.notebook.view import FloodLine, HistoryLine, OperationLine, SessionView, session_view

__all__ = ["JobLine", "MoveLine", "MoveLog", "PoolView", "pool_view"]

#: How many moves and finished operations the pool dashboard lists.
RECENT_LIMIT = 10


@dataclass(frozen=True, slots=True)
class JobLine:
    """One job of the pool: where it runs, or what it waits for.

    ``account`` is the account running it (RUNNING), or the last one it was
    on (a moved job waiting for another); ``where`` says it in words.
    """

    id: str
    kind: str
    label: str
    priority: int
    state: str
    account: str | None
    where: str
    seconds: int
    attempts: int
    operation_id: str | None = None
    done: int | None = None
    total: int | None = None


@dataclass(frozen=True, slots=True)
class MoveLine:
    """A job taken from one account to try another: why, and where it went."""

    job_id: str
    label: str
    source: str
    reason: str
    at: datetime
    to: str | None = None


@dataclass(frozen=True, slots=True)
class AccountHistoryLine:
    """A finished operation of one account."""

    account: str
    line: HistoryLine


@dataclass(frozen=True, slots=True)
class PoolView:
    """Everything the pool dashboard shows."""

    name: str
    accounts: tuple[SessionView, ...]
    jobs: tuple[JobLine, ...]
    moves: tuple[MoveLine, ...]
    recent: tuple[AccountHistoryLine, ...]

    def account(self, name: str) -> SessionView:
        """The row of the account called ``name``."""
        for account in self.accounts:
            if account.name == name:
                return account
        raise KeyError(f"no account named {name!r} in this pool")


class MoveLog:
    """The moves between accounts, from the manager's "moved" and "dispatched" events.

    Call it with every ``ManagerEvent`` (``manager.subscribe(log)``); runs on
    the manager's loop.
    """

    def __init__(self, limit: int = 100) -> None:
        self._limit = limit
        self._moves: list[MoveLine] = []

    def __call__(self, event: Any) -> None:
        job = getattr(event, "job", None)
        if job is None:
            return
        if event.type == "moved":
            move = MoveLine(job.id, job.label, job.session or "?", event.detail, event.at)
            self._moves = [*self._moves, move][-self._limit:]
        elif event.type == "dispatched":
            for index in range(len(self._moves) - 1, -1, -1):
                move = self._moves[index]
                if move.job_id == job.id:
                    if move.to is None:
                        self._moves[index] = _with_destination(move, job.session)
                    break

    def lines(self) -> tuple[MoveLine, ...]:
        """The moves so far, oldest first."""
        return tuple(self._moves)


def _with_destination(move: MoveLine, to: str | None) -> MoveLine:
    return MoveLine(move.job_id, move.label, move.source, move.reason, move.at, to)


def pool_view(
    snapshot: Any,
    moves: Iterable[MoveLine] = (),
    *,
    name: str = "pool",
    clock: Callable[[], float] = time.time,
) -> PoolView:
    """The view of a ``ManagerSnapshot`` (and the moves logged so far)."""
    dispatch = snapshot.manager
    known_floods = dict(getattr(dispatch, "flood_waits", {}) or {})
    accounts = tuple(
        _with_manager_floods(session_view(each), known_floods.get(each.name, {}), clock())
        for each in snapshot.sessions
    )
    operations = {
        line.id: line
        for account in accounts
        for line in (*account.queued, *((account.running,) if account.running else ()))
    }
    jobs = tuple(
        _job_line(job, operations)
        for job in (*dispatch.active, *dispatch.pending)
        if not getattr(job.state, "is_terminal", False)
    )
    recent = sorted(
        (AccountHistoryLine(account.name, line) for account in accounts for line in account.recent),
        key=lambda each: each.line.finished_at or datetime.min.replace(tzinfo=UTC),
        reverse=True,
    )
    return PoolView(
        name=name,
        accounts=accounts,
        jobs=jobs,
        moves=tuple(moves)[-RECENT_LIMIT:][::-1],
        recent=tuple(recent[:RECENT_LIMIT]),
    )


def _with_manager_floods(
    view: SessionView, floods: Mapping[str, datetime], now: float
) -> SessionView:
    """Add the flood waits the manager knows of (a session without pacing keeps none)."""
    shown = {line.request_type for line in view.flood_waits}
    extra = tuple(
        FloodLine(str(kind), until.replace(microsecond=0), max(0, round(until.timestamp() - now)))
        for kind, until in sorted(floods.items())
        if kind not in shown and until.timestamp() > now
    )
    if not extra:
        return view
    return SessionView(
        name=view.name,
        running=view.running,
        queued=view.queued,
        recent=view.recent,
        flood_waits=view.flood_waits + extra,
        budgets=view.budgets,
        pacing_waits=view.pacing_waits,
        lock_holder=view.lock_holder,
    )


def _job_line(job: Any, operations: Mapping[str, OperationLine]) -> JobLine:
    attempts = tuple(job.attempts)
    current = attempts[-1] if attempts else None
    op_id = None
    if current is not None and current.moved is None and not _ended(current.state):
        op_id = current.operation_id
    operation = operations.get(op_id) if op_id is not None else None
    account = None if current is None else str(current.session)
    if operation is not None and operation.state == "RUNNING":
        where = f"on {account}"
    elif operation is not None:
        where = f"queued on {account}"
    else:
        where = _waiting(job)
    return JobLine(
        id=str(job.id),
        kind=str(job.kind.name),
        label=str(job.label),
        priority=int(job.priority),
        state="RUNNING" if operation is not None and operation.state == "RUNNING" else "QUEUED",
        account=account,
        where=where,
        seconds=int(job.waited_seconds),
        attempts=len(attempts),
        operation_id=op_id,
        done=None if operation is None else operation.done,
        total=None if operation is None else operation.total,
    )


def _ended(state: Any) -> bool:
    return state is not None and bool(getattr(state, "is_terminal", False))


def _waiting(job: Any) -> str:
    reason = str(job.reason or "queued")
    if job.flood_until is not None:
        return f"waiting for a flood wait to end ({job.flood_until:%H:%M:%S} UTC): {reason}"
    if reason == "queued":
        return "waiting for a free account"
    return f"waiting: {reason}"
