"""OperationHandle: what ``Scheduler.submit`` returns. Await it for the result.

The handle is the operation itself (an ``Operation``, through ``Run``) with
the methods to await, watch and cancel it: submit makes one object, not three.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import CancelledError, Future
from collections.abc import Callable, Generator
from typing import Any

from tgkit.core.execution import RUN, Parked, run_here
from tgkit.core.operation import Operation, OperationState
from tgkit.core.outcomes import cancelled
from tgkit.core.run import Run

logger = logging.getLogger(__name__)

QUEUED, RUNNING, DONE = OperationState.QUEUED, OperationState.RUNNING, OperationState.DONE


class OperationHandle(Run):
    """A submitted operation: await it, watch it, cancel it.

    Awaiting returns the operation's result or raises its error unchanged
    (``QueueTimeout`` if it expired in the queue, ``OperationTimeout`` if it
    ran too long, ``SessionClosed`` if the scheduler stopped first,
    ``tgkit.errors.Cancelled``, also an ``asyncio.CancelledError``, if it
    was cancelled). Cancelling the task that awaits the handle cancels the
    operation (wrap in ``asyncio.shield`` to avoid that): a dispatched
    operation runs in the task awaiting it. The attributes are plain state,
    safe to read from any thread, and ``cancel()`` is safe to call from any
    thread. ``id``, ``kind``, ``label``, ``state``, ``progress``, ``partial``
    and ``report`` are the operation's (the handle is the operation).

    >>> handle = scheduler.submit(OperationKind.SCRAPE, scrape, "@group")  # doctest: +SKIP
    >>> handle.state  # doctest: +SKIP
    <OperationState.RUNNING: 'running'>
    >>> members = await handle  # doctest: +SKIP
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<OperationHandle {self.describe()} {self.state.name}>"

    @property
    def operation(self) -> Operation:
        """The operation itself (times, priority, error, ...): the handle is it."""
        return self

    def cancel(self, by: str = "handle") -> bool:
        """Cancel the operation: a queued one ends at once, a running one is cancelled.

        Returns True when the cancel is accepted: the operation then always ends
        CANCELLED, and awaiting it raises ``tgkit.errors.Cancelled`` whose
        ``by`` is ``by`` (who cancelled: "handle", "dashboard", "ctrl-c", ...).
        Returns False when it had already ended (nothing changes). Safe from
        any thread: the answer is decided at once, the cancel delivered on the loop.
        """
        return self.engine._cancel_from_anywhere(self, by)

    def done(self) -> bool:
        """True once the operation has ended, in whatever state."""
        return self.state.is_terminal

    def result(self) -> Any:
        """The result; raises the operation's error, or InvalidStateError if not ended."""
        if not self.state.is_terminal:
            raise asyncio.InvalidStateError(
                f"{self.describe()} is still {self.state.name}; await the handle for its result"
            )
        if self.error is not None:
            raise self.error
        return self.result_value

    def exception(self) -> BaseException | None:
        """The error the operation ended with (None if DONE); InvalidStateError if not ended."""
        if not self.state.is_terminal:
            raise asyncio.InvalidStateError(f"{self.describe()} is still {self.state.name}")
        return self.error

    def add_done_callback(self, fn: Callable[[OperationHandle], object]) -> None:
        """Call ``fn(handle)`` soon after the operation ends (at once-ish if it has)."""
        if self.state.is_terminal:
            asyncio.get_running_loop().call_soon(_call, fn, self)
        else:
            if self.done_callbacks is None:
                self.done_callbacks = []
            self.done_callbacks.append(lambda _op: _call(fn, self))

    def __await__(self) -> Generator[Any, Any, Any]:
        run = self
        if run.state is QUEUED and run.runner is None:
            # The common case, first: its first awaiter parks as its runner on a plain
            # future (the engine checks it at dispatch) until it is handed over.
            # (The engine's loop: asyncio.get_running_loop() costs a getpid() call.)
            runner = run.runner = Future(loop=run.engine.loop)
            try:
                woken = yield from runner
            except CancelledError:
                self._abandon(runner)
                raise
            if woken == RUN:
                yield from run_here(run)
            if run.state is DONE:
                return run.result_value
        while run.state is QUEUED or run.state is RUNNING:
            if run.state is RUNNING and not run.claimed:
                run.claimed = True  # dispatched, nobody runs it yet: run it in this task
                yield from run_here(run, same_step=True)
                break
            # Park until it ends or, as its runner (the first awaiter of a queued
            # one), until it is handed over to run here. Inline: once per await.
            # Anyone but the runner parks on a Parked, which hears of its task's
            # cancel at once.
            parked: asyncio.Future[str]
            if run.state is QUEUED and run.runner is None:
                parked = run.runner = Future(loop=run.engine.loop)
            else:
                parked = Parked(loop=run.engine.loop)
                parked.run = run
                run.wait_with(parked)
            try:
                woken = yield from parked
            except asyncio.CancelledError:
                self._abandon(parked)
                raise
            if woken == RUN:
                yield from run_here(run)
                break
        if run.state is DONE:
            return run.result_value
        return self.result()

    def _abandon(self, parked: asyncio.Future[str]) -> None:
        """The awaiting task was cancelled: so is the operation (it may have been ours)."""
        run = self
        handed_over = parked.done() and not parked.cancelled() and parked.result() == RUN
        if handed_over and run.state is RUNNING and run.task is None:
            if run.cancel_error is None:
                why = "the task awaiting it was cancelled"
                run.cancel_error = cancelled(run, "running", why, "task")
            run.engine._conclude(run, None, None)  # it never started: end it here
        elif not run.state.is_terminal:
            run.engine._cancel(run, reason="the task awaiting it was cancelled", by="task")


def _call(fn: Callable[[OperationHandle], object], handle: OperationHandle) -> None:
    try:
        fn(handle)
    except Exception:
        logger.exception("done callback %r of %s raised; ignored", fn, handle.id)
