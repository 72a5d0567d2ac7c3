"""OperationHandle: what ``Scheduler.submit`` returns. Await it for the result."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Generator
from typing import Any

from tgkit.core.execution import RUN, Parked, run_here
from tgkit.core.kinds import OperationKind
from tgkit.core.operation import Operation, OperationState, Progress
from tgkit.core.outcomes import cancelled
from tgkit.core.run import Run

logger = logging.getLogger(__name__)

QUEUED, RUNNING, DONE = OperationState.QUEUED, OperationState.RUNNING, OperationState.DONE


class OperationHandle:
    """A submitted operation: await it, watch it, cancel it.

    Awaiting returns the operation's result or raises its error unchanged
    (``QueueTimeout`` if it expired in the queue, ``OperationTimeout`` if it
    ran too long, ``SessionClosed`` if the scheduler stopped first,
    ``tgkit.errors.Cancelled``, also an ``asyncio.CancelledError``, if it
    was cancelled). Cancelling the task that awaits the handle cancels the
    operation (wrap in ``asyncio.shield`` to avoid that): a dispatched
    operation runs in the task awaiting it. The attributes are plain state,
    safe to read from any thread, and ``cancel()`` is safe to call from any
    thread.

    >>> handle = scheduler.submit(OperationKind.SCRAPE, scrape, "@group")  # doctest: +SKIP
    >>> handle.state  # doctest: +SKIP
    <OperationState.RUNNING: 'running'>
    >>> members = await handle  # doctest: +SKIP
    """

    __slots__ = ("_op", "_run")

    def __init__(self, run: Run) -> None:
        self._op = run.op
        self._run = run

    def __repr__(self) -> str:
        return f"<OperationHandle {self._op.describe()} {self._op.state.name}>"

    @property
    def operation(self) -> Operation:
        """The operation itself (times, priority, error, ...)."""
        return self._op

    @property
    def id(self) -> str:
        """The operation's id, e.g. ``"op-7"``."""
        return self._op.id

    @property
    def kind(self) -> OperationKind:
        """MONITOR, SCRAPE or SEND."""
        return self._op.kind

    @property
    def label(self) -> str:
        """What the operation is, in a few words."""
        return self._op.label

    @property
    def state(self) -> OperationState:
        """QUEUED, RUNNING or the terminal state it ended in."""
        return self._op.state

    @property
    def progress(self) -> Progress:
        """The latest progress the operation reported."""
        return self._op.progress

    @property
    def partial(self) -> Any:
        """What the operation gathered so far (kept after failure, timeout or cancel)."""
        return self._op.partial

    @property
    def report(self) -> dict[str, Any]:
        """Free-form facts about the run (e.g. request counts) set by upper layers."""
        return self._op.report

    def cancel(self, by: str = "handle") -> bool:
        """Cancel the operation: a queued one ends at once, a running one is cancelled.

        Returns True when the cancel is accepted: the operation then always ends
        CANCELLED, and awaiting it raises ``tgkit.errors.Cancelled`` whose
        ``by`` is ``by`` (who cancelled: "handle", "dashboard", "ctrl-c", ...).
        Returns False when it had already ended (nothing changes). Safe from
        any thread: the answer is decided at once, the cancel delivered on the loop.
        """
        return self._run.engine._cancel_from_anywhere(self._run, by)

    def done(self) -> bool:
        """True once the operation has ended, in whatever state."""
        return self._op.state.is_terminal

    def result(self) -> Any:
        """The result; raises the operation's error, or InvalidStateError if not ended."""
        op = self._op
        if not op.state.is_terminal:
            raise asyncio.InvalidStateError(
                f"{op.describe()} is still {op.state.name}; await the handle for its result"
            )
        if op.error is not None:
            raise op.error
        return op.result_value

    def exception(self) -> BaseException | None:
        """The error the operation ended with (None if DONE); InvalidStateError if not ended."""
        op = self._op
        if not op.state.is_terminal:
            raise asyncio.InvalidStateError(f"{op.describe()} is still {op.state.name}")
        return op.error

    def add_done_callback(self, fn: Callable[[OperationHandle], object]) -> None:
        """Call ``fn(handle)`` soon after the operation ends (at once-ish if it has)."""
        run = self._run
        if run.op.state.is_terminal:
            asyncio.get_running_loop().call_soon(_call, fn, self)
        else:
            if run.done_callbacks is None:
                run.done_callbacks = []
            run.done_callbacks.append(lambda _op: _call(fn, self))

    def __await__(self) -> Generator[Any, Any, Any]:
        op = self._op
        run = self._run
        while op.state is QUEUED or op.state is RUNNING:
            if op.state is RUNNING and not run.claimed:
                run.claimed = True  # dispatched, nobody runs it yet: run it in this task
                yield from run_here(run)
                break
            # Park until it ends or, as its runner (the first awaiter of a queued
            # one), until it is handed over to run here. Inline: once per await.
            parked = Parked(loop=asyncio.get_running_loop())
            parked.run = run
            if op.state is QUEUED and run.runner is None:
                run.runner = parked
            else:
                run.wait_with(parked)
            try:
                woken = yield from parked
            except asyncio.CancelledError:
                self._abandon(parked)
                raise
            if woken == RUN:
                yield from run_here(run)
                break
        if op.state is DONE:
            return op.result_value
        return self.result()

    def _abandon(self, parked: asyncio.Future[str]) -> None:
        """The awaiting task was cancelled: so is the operation (it may have been ours)."""
        run = self._run
        op = run.op
        handed_over = parked.done() and not parked.cancelled() and parked.result() == RUN
        if handed_over and op.state is RUNNING and run.task is None:
            if run.cancel_error is None:
                why = "the task awaiting it was cancelled"
                run.cancel_error = cancelled(op, "running", why, "task")
            run.engine._conclude(run, None, None)  # it never started: end it here
        elif not op.state.is_terminal:
            run.engine._cancel(run, reason="the task awaiting it was cancelled", by="task")


def _call(fn: Callable[[OperationHandle], object], handle: OperationHandle) -> None:
    try:
        fn(handle)
    except Exception:
        logger.exception("done callback %r of %s raised; ignored", fn, handle.id)
