"""Run: the engine's state for one operation while it is live, with the methods that change it.

An ``Operation`` is plain data (what was asked, its state, progress and
outcome) that anyone may read. How it is being run is the engine's business
and lives here, in one ``Run`` per operation, made for the engine when the
operation is submitted (``Scheduler.submit``), held by the engine (its queue,
its running slot) and let go when the operation ends: the task it runs in, the awaiter
parked to run it and the futures of everyone else waiting for its end, the
cancels sent to its task, whether a cancel or its timeout is ending it, its
inline children, its place in the queue, and the context it was submitted
from. The queue holds runs; the lock holds the operation.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tgkit.core.operation import Operation, OperationState

if TYPE_CHECKING:
    from tgkit.core.engine import Engine

#: What a parked awaiter is woken with: run the operation here, or it has ended.
RUN = "run"
ENDED = "ended"

RUNNING = OperationState.RUNNING


class Run:
    """How one live operation is being run. Created and owned by its ``Engine``.

    >>> run = Run(op, engine, contextvars.copy_context())  # doctest: +SKIP
    """

    __slots__ = (
        "cancel_error",
        "cancelling_before",
        "cancels_sent",
        "children",
        "claimed",
        "context",
        "done_callbacks",
        "engine",
        "op",
        "parent",
        "queued",
        "runner",
        "task",
        "timed_out",
        "waiters",
    )

    def __init__(self, op: Operation, engine: Engine, context: contextvars.Context) -> None:
        op._run = self
        self.op = op
        self.engine = engine
        #: The context it was submitted in (its own task, if it gets one, runs there).
        self.context: contextvars.Context | None = context
        #: The task running it, once it runs.
        self.task: asyncio.Task[Any] | None = None
        #: Whether someone has taken it to run (its awaiter, or a task of its own).
        self.claimed = False
        #: The awaiter parked to run it when it is dispatched.
        self.runner: asyncio.Future[str] | None = None
        #: Everyone else waiting for its end.
        self.waiters: list[asyncio.Future[str]] | None = None
        #: Cancels sent to its task (taken back with ``uncancel`` when it ends).
        self.cancels_sent = 0
        #: The task's ``cancelling()`` when the run began.
        self.cancelling_before = 0
        self.done_callbacks: list[Callable[[Operation], None]] | None = None
        #: Inline operations it started that are still live, and its own parent's run.
        self.children: set[Run] | None = None
        self.parent: Run | None = None
        #: The error a cancel accepted for it will end it with.
        self.cancel_error: BaseException | None = None
        #: Its run timeout is ending it.
        self.timed_out = False
        #: It is in the queue (the queue removes lazily and checks this).
        self.queued = False

    def __repr__(self) -> str:
        return f"<Run of {self.op!r}>"

    @property
    def ending(self) -> bool:
        """A cancel or its timeout has decided how it ends."""
        return self.cancel_error is not None or self.timed_out

    def progressed(self) -> None:
        """It reported progress: tell subscribers, and obey a cancel it has not obeyed."""
        self.engine._on_progress(self.op)
        if self.task is not None and self.cancel_pending():
            # a cancel it swallowed (or that arrived in this very step): obey it now
            error = self.cancel_error
            raise error or asyncio.CancelledError(f"{self.op.describe()} was cancelled")

    def cancel_pending(self) -> bool:
        """True when it (running in the current task) has a cancel it has not obeyed.

        Either the engine decided to end it (cancel, timeout) or the task
        running it was cancelled from outside; ``report_progress`` raises
        CancelledError then, so an operation that swallowed the first
        CancelledError (as Python 3.11's ``asyncio.wait_for`` can) stops at its next page.
        """
        task = self.task
        if task is None or task is not asyncio.current_task():
            return False
        if self.cancel_error is not None or self.timed_out:
            return True
        return task.cancelling() > self.cancelling_before + self.cancels_sent

    def cancel_task(self) -> None:
        """Cancel the task it runs in, so the CancelledError lands inside the operation.

        Before it runs (no task yet) there is nothing to do: ``run_here`` checks
        the flags first. From inside that very task the cancel is delivered on
        the next loop step, when the task is suspended inside the operation.
        """
        task = self.task
        if task is None:
            return
        if task is asyncio.current_task():
            task.get_loop().call_soon(self._cancel_later, task)
        elif task.cancel():
            self.cancels_sent += 1

    def _cancel_later(self, task: asyncio.Task[Any]) -> None:
        if self.op.state is RUNNING and self.task is task and task.cancel():
            self.cancels_sent += 1

    def completion(self) -> asyncio.Future[str]:
        """A future that gets ``ENDED`` when the operation reaches a terminal state."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if self.op.state.is_terminal:
            future.set_result(ENDED)
        else:
            self.wait_with(future)
        return future

    def wait_with(self, future: asyncio.Future[str]) -> None:
        """Resolve ``future`` with ``ENDED`` when the operation ends."""
        if self.waiters is None:
            self.waiters = [future]
        else:
            self.waiters.append(future)

    def wake_all(self) -> None:
        """Wake everyone parked on it: it has ended."""
        runner = self.runner
        if runner is not None:
            self.runner = None
            if not runner.done():
                runner.set_result(ENDED)
        waiters = self.waiters
        if waiters is not None:
            self.waiters = None
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(ENDED)

    def adopt(self, child: Run) -> None:
        """``child`` runs inline under this run's lock, until it ends."""
        child.parent = self
        child.op.parent_id = self.op.id
        if self.children is None:
            self.children = set()
        self.children.add(child)

    def released(self) -> None:
        """It has ended: drop what ties it to the loop, its parent and the engine."""
        # The context maps current_operation to it: drop it (and the task that
        # holds it) so a finished operation is freed by refcount, not by the GC.
        self.context = self.task = None
        self.op._run = None
        parent = self.parent
        if parent is not None and parent.children is not None:
            parent.children.discard(self)
