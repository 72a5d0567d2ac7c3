"""One piece of manager work (a ``Job``), its attempts on sessions, and its handle.

A job is what a caller asked the manager for; an attempt is one try of it on
one session (an ``OperationHandle`` of that session's scheduler). A job that
moves (after a long flood wait, to an idle session, off a removed session)
has several attempts and one result. Callers hold a ``ManagedHandle``:
awaitable like an ``OperationHandle``, and a request that joined an
identical one in flight holds its own handle onto the same job.
"""

from __future__ import annotations

import asyncio
import enum
from collections import Counter
from collections.abc import Callable, Generator, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tgkit.core import OperationKind, OperationState, Progress
from tgkit.errors import (
    Banned,
    Cancelled,
    FloodWait,
    NotAMember,
    PrivateChat,
    SessionClosed,
    canceller_text,
)

from .routing import Reach

if TYPE_CHECKING:
    from tgkit.core import OperationHandle

__all__ = ["Attempt", "AttemptRecord", "Job", "ManagedHandle", "Outcome", "Work", "classify"]


class Outcome(enum.Enum):
    """What an attempt's end means for its job."""

    DONE = "done"
    FLOOD = "flood"  # a flood wait too long to sleep: move to a session free of it
    UNREACHABLE = "unreachable"  # this account cannot reach the target: try another
    SESSION_GONE = "session_gone"  # the session closed under it: try another
    FINAL = "final"  # the error is the answer


def classify(error: BaseException) -> Outcome:
    """The default reading of an attempt's error."""
    if isinstance(error, FloodWait):
        return Outcome.FLOOD
    if isinstance(error, PrivateChat | NotAMember | Banned):
        return Outcome.UNREACHABLE
    if isinstance(error, SessionClosed):
        return Outcome.SESSION_GONE
    return Outcome.FINAL


@dataclass(frozen=True, slots=True)
class Work:
    """What to run and how the manager may place it.

    ``start(worker, job)`` hands the work to one session and returns that
    session's ``OperationHandle``; it is called once per attempt. ``target``
    is the exclusivity key (one job per target at a time); ``key`` makes
    identical requests join (``None``: never joined). ``request_types`` are
    the Telegram request types the work needs (a session in a flood wait on
    one of them is not chosen). ``reach(worker)`` says what a session knows
    about reaching the target; errors of a type in ``unreachable`` mean "this
    session cannot reach it, try another" (beside ``classify``'s defaults).
    """

    kind: OperationKind
    label: str
    start: Callable[[Any, Job], OperationHandle]
    priority: int | None = None
    target: str | None = None
    key: Hashable | None = None
    request_types: frozenset[str] = frozenset()
    reach: Callable[[Any], Reach] | None = None
    unreachable: tuple[type[BaseException], ...] = ()


@dataclass(slots=True)
class Attempt:
    """One try of a job on one session."""

    session: str
    handle: OperationHandle | None = None
    moved: str | None = None  # why the manager took it away (rebalanced, session removed)
    outcome: Outcome | None = None

    @property
    def ended(self) -> bool:
        return self.outcome is not None or self.moved is not None

    def record(self) -> AttemptRecord:
        handle = self.handle
        error = None if handle is None or not handle.done() else _error_text(handle)
        return AttemptRecord(
            session=self.session,
            operation_id=None if handle is None else handle.id,
            state=None if handle is None else handle.state,
            error=error,
            moved=self.moved,
        )


def _error_text(handle: OperationHandle) -> str | None:
    if handle.state is OperationState.CANCELLED:
        return None
    error = handle.exception()
    return None if error is None else f"{type(error).__name__}: {error}"


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """A finished or running attempt, as callers and the dashboard see it."""

    session: str
    operation_id: str | None
    state: OperationState | None
    error: str | None
    moved: str | None


@dataclass(slots=True, eq=False)
class Job:
    """A caller's request, tracked across the sessions it runs on."""

    id: str
    work: Work
    seq: int
    priority: int
    future: asyncio.Future[Any]
    queued_at: float
    attempts: list[Attempt] = field(default_factory=list)
    request_types: set[str] = field(default_factory=set)
    flood_hits: Counter[str] = field(default_factory=Counter)
    unreachable: set[str] = field(default_factory=set)
    handles: list[ManagedHandle] = field(default_factory=list)
    state: OperationState = OperationState.QUEUED
    last_error: BaseException | None = None
    waiting_until: float | None = None
    reason: str = "queued"
    cancel_requested: bool = False
    cancel_error: Cancelled | None = None  # the first accepted cancel: who, while what
    finished_at: float | None = None

    @property
    def kind(self) -> OperationKind:
        return self.work.kind

    @property
    def done(self) -> bool:
        return self.state.is_terminal

    @property
    def current(self) -> Attempt | None:
        """The attempt in progress (handed to a session and not ended)."""
        if self.attempts and not self.attempts[-1].ended:
            return self.attempts[-1]
        return None

    @property
    def live_state(self) -> OperationState:
        """RUNNING while a session runs it, else QUEUED (for an unfinished job)."""
        current = self.current
        if current is not None and current.handle is not None:
            if current.handle.state is OperationState.RUNNING:
                return OperationState.RUNNING
        return OperationState.QUEUED

    @property
    def latest_handle(self) -> OperationHandle | None:
        for attempt in reversed(self.attempts):
            if attempt.handle is not None:
                return attempt.handle
        return None

    def cancelled(self, by: str) -> Cancelled:
        """The error a cancel of this job by ``by`` (``Cancelled.by``) raises to callers."""
        where = "running" if self.live_state is OperationState.RUNNING else "queued"
        return Cancelled(
            f"{self.id} {self.work.label} was cancelled while {where} by {canceller_text(by)}",
            by=by,
        )

    def finish(self, state: OperationState, *, result: Any = None,
               error: BaseException | None = None) -> None:
        """End the job once, resolving every handle still attached.

        CANCELLED raises to callers the first accepted cancel's ``Cancelled``,
        the attempt's own ``Cancelled`` (its parent ended, ...), or another
        error it ended with (e.g. ``SessionClosed`` when a session stopped
        under it), as a core handle does.
        """
        if self.done:
            return
        self.state = state
        if state is OperationState.DONE:
            self.future.set_result(result)
        else:
            if state is OperationState.CANCELLED:
                error = self.cancel_error or _as_cancelled(self, error)
            self.future.set_exception(error or RuntimeError("operation failed"))
            self.future.exception()  # retrieved here: callers may never await it
        for handle in self.handles:
            handle._resolve()


def _as_cancelled(job: Job, error: BaseException | None) -> BaseException:
    """What a job that ended CANCELLED with ``error`` (None: by the manager) raises."""
    if error is None or (
        isinstance(error, asyncio.CancelledError) and not isinstance(error, Cancelled)
    ):
        return job.cancelled("manager")
    return error


class ManagedHandle:
    """An operation run by a SessionManager: awaitable, cancellable, observable.

    Like ``OperationHandle``, plus ``session`` (where it runs or ran),
    ``attempts`` (every session it was tried on) and ``joined`` (True when
    this request joined an identical one already in flight).

    Example::

        handle = manager.scrape_group_members("@group")
        handle.session         # "alice"
        members = await handle
    """

    def __init__(
        self, job: Job, cancel: Callable[[Job, str], bool], *, joined: bool
    ) -> None:
        self._job = job
        self._cancel_job = cancel
        self._detached = False
        self.joined = joined
        self._future: asyncio.Future[Any] = job.future.get_loop().create_future()
        self._future.add_done_callback(_retrieve)
        job.handles.append(self)
        if job.done:
            self._resolve()

    def __repr__(self) -> str:
        return (
            f"<ManagedHandle {self.id} {self.kind.name} {self.label!r} "
            f"{self.state.name} session={self.session}>"
        )

    @property
    def id(self) -> str:
        return self._job.id

    @property
    def kind(self) -> OperationKind:
        return self._job.kind

    @property
    def label(self) -> str:
        return self._job.work.label

    @property
    def target(self) -> str | None:
        return self._job.work.target

    @property
    def state(self) -> OperationState:
        """QUEUED until a session runs it, RUNNING, then one terminal state."""
        if self._detached:
            return OperationState.CANCELLED
        return self._job.state if self._job.done else self._job.live_state

    @property
    def session(self) -> str | None:
        """The session it runs on now, or ran on last."""
        return self._job.attempts[-1].session if self._job.attempts else None

    @property
    def attempts(self) -> tuple[AttemptRecord, ...]:
        return tuple(attempt.record() for attempt in self._job.attempts)

    @property
    def operation_handle(self) -> OperationHandle | None:
        """The session-level handle of the latest attempt."""
        return self._job.latest_handle

    @property
    def progress(self) -> Progress:
        """The latest attempt's progress (nothing done before a session runs it)."""
        handle = self._job.latest_handle
        return Progress() if handle is None else handle.progress

    @property
    def partial(self) -> Any:
        """What was gathered so far (the latest attempt's partial)."""
        handle = self._job.latest_handle
        return None if handle is None else handle.partial

    @property
    def report(self) -> dict[str, Any]:
        """The latest attempt's report, with request counts and waits summed over attempts.

        Adds ``attempts`` (how many) and ``sessions`` (where, in order).
        """
        handles = [a.handle for a in self._job.attempts if a.handle is not None]
        report = dict(handles[-1].report) if handles else {}
        requests: dict[str, int] = {}
        for handle in handles:
            for request_type, count in handle.report.get("requests", {}).items():
                requests[request_type] = requests.get(request_type, 0) + count
        if requests:
            report["requests"] = requests
        for key in ("budget_wait_s", "flood_wait_s"):
            if any(key in handle.report for handle in handles):
                report[key] = sum(float(handle.report.get(key, 0.0)) for handle in handles)
        report["attempts"] = len(self._job.attempts)
        report["sessions"] = [attempt.session for attempt in self._job.attempts]
        return report

    @property
    def elapsed(self) -> float | None:
        """Seconds from the request to its end, queueing and moves included (None until then)."""
        job = self._job
        return None if job.finished_at is None else job.finished_at - job.queued_at

    def done(self) -> bool:
        return self._future.done()

    def cancel(self, by: str = "handle") -> bool:
        """Withdraw this request; the work stops when no other request joined it.

        Awaiting it then raises ``tgkit.errors.Cancelled`` whose ``by`` is
        ``by`` (who cancelled: "handle", "dashboard", "ctrl-c", ...). False if
        it had already ended.
        """
        if self._future.done():
            return False
        job = self._job
        error = job.cancel_error or job.cancelled(by)
        self._detached = True
        job.handles.remove(self)
        self._future.set_exception(error)
        if not job.handles:
            self._cancel_job(job, by)
        return True

    def result(self) -> Any:
        """The result; raises the operation's error, or if it has not finished."""
        if not self._future.done():
            raise asyncio.InvalidStateError(f"{self.id} has not finished ({self.state.name})")
        return self._future.result()

    def exception(self) -> BaseException | None:
        """The error it ended with (a ``Cancelled`` if cancelled), None if DONE."""
        if not self._future.done():
            raise asyncio.InvalidStateError(f"{self.id} has not finished ({self.state.name})")
        return self._future.exception()

    def add_done_callback(self, fn: Callable[[ManagedHandle], Any]) -> None:
        self._future.add_done_callback(lambda _: fn(self))

    def __await__(self) -> Generator[Any, None, Any]:
        return self._wait().__await__()

    async def _wait(self) -> Any:
        future = self._future
        if not future.done():
            waiter = _Waiter(future.get_loop(), self)
            future.add_done_callback(waiter.settle)
            try:
                await waiter
            except asyncio.CancelledError:
                if not future.done():
                    self.cancel(by="task")  # the awaiting task was cancelled: withdraw it
                raise
        return future.result()

    def _resolve(self) -> None:
        if self._future.done():
            return
        source = self._job.future
        if (error := source.exception()) is not None:
            self._future.set_exception(error)
        else:
            self._future.set_result(source.result())


class _Waiter(asyncio.Future[None]):
    """What a task awaiting a ManagedHandle waits on.

    Cancelling that task calls ``cancel()`` here at once, so the request is
    withdrawn in that very step: a job ending in the same step can no longer
    come back DONE after the caller was cancelled (as it could behind a shield).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, handle: ManagedHandle) -> None:
        super().__init__(loop=loop)
        self._handle: ManagedHandle | None = handle

    def settle(self, _source: asyncio.Future[Any]) -> None:
        self._handle = None
        if not self.done():
            self.set_result(None)

    def cancel(self, msg: Any = None) -> bool:
        handle, self._handle = self._handle, None
        if handle is not None and not handle.done():
            handle.cancel(by="task")  # the awaiting task was cancelled: withdraw it now
        return super().cancel(msg=msg)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
