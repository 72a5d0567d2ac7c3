"""Operation: one submitted call, its state, progress and outcome.

Code running inside an operation finds it with ``current_operation()``::

    async def scrape(chat):
        op = current_operation()
        for page, total in pages(chat):
            op.set_partial(collected)
            op.report_progress(len(collected), total)
"""

from __future__ import annotations

import contextvars
import enum
import itertools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tgkit.core.kinds import OperationKind

#: The next operation's sequence number (its id is ``op-{seq}``).
next_seq = itertools.count(1).__next__
_current: contextvars.ContextVar[Operation | None] = contextvars.ContextVar(
    "tgkit_current_operation", default=None
)


def current_operation() -> Operation | None:
    """The operation whose coroutine is running in this context, or None outside one.

    >>> current_operation() is None
    True
    """
    return _current.get()


class OperationState(enum.Enum):
    """Where an operation is in its life.

    QUEUED → RUNNING → DONE | FAILED | CANCELLED | TIMED_OUT;
    QUEUED → EXPIRED | CANCELLED. Every operation ends in exactly one
    terminal state.
    """

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    EXPIRED = "expired"

    __hash__ = object.__hash__  # identity, as for OperationKind: cheap in hot paths

    @property
    def is_terminal(self) -> bool:
        """True once the operation has ended (anything but QUEUED or RUNNING)."""
        return self is not _QUEUED and self is not _RUNNING


@dataclass(frozen=True, slots=True)
class Progress:
    """How far an operation got: ``done`` items of ``total`` (None when unknown)."""

    done: int = 0
    total: int | None = None

    @property
    def fraction(self) -> float | None:
        """``done / total`` between 0 and 1, or None when the total is unknown or 0."""
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


_NO_PROGRESS = Progress()
# Enum members as module constants: attribute access on an Enum class is slow in 3.11.
_QUEUED = OperationState.QUEUED
_RUNNING = OperationState.RUNNING


class Operation:
    """One call submitted to a Scheduler. Plain data, safe to read anywhere.

    What was asked (kind, label, function, arguments, priority, timeouts), where
    it is (state, times, progress) and how it ended (result, error, partial).
    How the engine runs it is added by the subclass ``Run`` (``tgkit.core.run``),
    whose subclass ``OperationHandle`` is what ``Scheduler.submit`` returns:
    the operation, its run and its handle are one object.

    Times (``queued_at``, ``started_at``, ``finished_at``) are the event
    loop's clock (``time.monotonic()`` on the standard loop);
    ``queued_wall`` and friends give the same instants as UTC datetimes.
    ``args`` and ``kwargs`` never appear in its repr (they may hold secrets).
    """

    __slots__ = (
        "_report",
        "args",
        "error",
        "finished_at",
        "func",
        "kind",
        "kwargs",
        "label",
        "parent_id",
        "partial",
        "priority",
        "progress",
        "queue_timeout",
        "queued_at",
        "result_value",
        "seq",
        "started_at",
        "state",
        "timeout",
        "wall_offset",
    )

    # Declared here: in __init__ these annotations would be code run for every operation.
    started_at: float | None
    finished_at: float | None
    error: BaseException | None
    result_value: Any
    partial: Any
    _report: dict[str, Any] | None
    parent_id: str | None

    def __init__(
        self,
        kind: OperationKind,
        func: Callable[..., Coroutine[Any, Any, Any]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        label: str,
        priority: int,
        timeout: float,
        queue_timeout: float,
        queued_at: float,
        wall_offset: float,
    ) -> None:
        self.seq = next_seq()
        self.kind = kind
        self.label = label
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.priority = priority
        self.timeout = timeout
        self.queue_timeout = queue_timeout
        self.queued_at = queued_at
        self.wall_offset = wall_offset
        self.state = _QUEUED
        self.progress = _NO_PROGRESS
        self.started_at = self.finished_at = self.error = self.result_value = self.partial = (
            self._report
        ) = self.parent_id = None

    def __repr__(self) -> str:
        return f"<Operation {self.describe()} {self.state.name}>"

    @property
    def id(self) -> str:
        """The operation's id, e.g. ``"op-7"`` (made when asked: most are never asked)."""
        return f"op-{self.seq}"

    def describe(self) -> str:
        """``op-7 (SCRAPE 'members @x')``: how messages and logs name this operation."""
        return f"{self.id} ({self.kind.name} {self.label!r})"

    @property
    def report(self) -> dict[str, Any]:
        """Free-form facts about this run that upper layers fill (e.g. request counts)."""
        report = self._report
        if report is None:
            report = self._report = {}
        return report

    @property
    def queue_deadline(self) -> float:
        """When (loop clock) this operation expires if it is still queued."""
        return self.queued_at + self.queue_timeout

    @property
    def queued_wall(self) -> datetime:
        """When it was submitted, as a UTC datetime."""
        return self._wall(self.queued_at)

    @property
    def started_wall(self) -> datetime | None:
        """When it started running, as a UTC datetime (None if it never ran)."""
        return None if self.started_at is None else self._wall(self.started_at)

    @property
    def finished_wall(self) -> datetime | None:
        """When it ended, as a UTC datetime (None while it has not)."""
        return None if self.finished_at is None else self._wall(self.finished_at)

    def report_progress(self, done: int, total: int | None = None) -> None:
        """Record that ``done`` of ``total`` items are collected; subscribers get an event.

        Cheap enough to call on every page; throttling is the subscriber's business.

        >>> op = current_operation()  # doctest: +SKIP
        >>> op.report_progress(200, total=1500)  # doctest: +SKIP
        """
        if isinstance(done, bool) or not isinstance(done, int) or done < 0:
            raise ValueError(f"done must be an int >= 0, got {done!r}")
        if total is not None and (isinstance(total, bool) or not isinstance(total, int)):
            raise ValueError(f"total must be an int >= 0 or None, got {total!r}")
        if total is not None and total < 0:
            raise ValueError(f"total must be an int >= 0 or None, got {total!r}")
        self.progress = Progress(done, total)
        self.progressed()

    def set_partial(self, value: Any) -> None:
        """Keep ``value`` as what was gathered so far; it survives failure and timeout.

        >>> current_operation().set_partial(members_so_far)  # doctest: +SKIP
        """
        self.partial = value

    def progressed(self) -> None:
        """Called on every progress report; the engine's ``Run`` tells subscribers here."""

    def _wall(self, loop_time: float) -> datetime:
        return datetime.fromtimestamp(loop_time + self.wall_offset, UTC)
