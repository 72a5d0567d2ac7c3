"""Run: an operation as the engine runs it, with the state and methods of its run.

An ``Operation`` is the data of a submitted call (what was asked, its state,
progress and outcome) that anyone may read. How it is being run is the
engine's business: the task it runs in, the awaiter parked to run it and the
futures of everyone else waiting for its end, the cancels sent to its task,
whether a cancel or its timeout is ending it, its inline children, its place
in the queue, and the context it was submitted from. A ``Run`` is an
``Operation`` with that state added, and ``OperationHandle`` (what
``Scheduler.submit`` returns) is a ``Run`` with the public methods to await
and cancel it: one object per submitted operation, made once by ``submit``,
because submit is on every operation's path and each object costs. The run's
state is only changed by the engine and the code running the operation, and
is let go (``released``) when the operation ends.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from tgkit.core.kinds import OperationKind
from tgkit.core.operation import _NO_PROGRESS as NO_PROGRESS
from tgkit.core.operation import Operation, OperationState, next_seq

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from tgkit.core.engine import Engine

#: What a parked awaiter is woken with: run the operation here, or it has ended.
RUN = "run"
ENDED = "ended"

QUEUED = OperationState.QUEUED
RUNNING = OperationState.RUNNING


class Run(Operation):
    """An operation as its ``Engine`` runs it. Made by ``Scheduler.submit`` (as a handle).

    >>> run = new_run(Run, kind, func, args, kwargs, "label", 5, 300.0, 60.0,
    ...               engine.clock(), engine, contextvars.copy_context())  # doctest: +SKIP
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
        "parent",
        "queued",
        "runner",
        "task",
        "timed_out",
        "waiters",
    )

    engine: Engine
    #: The context it was submitted in (its own task, if it gets one, runs there).
    context: contextvars.Context | None
    #: Taken to run (by its awaiter or a task of its own); ended by its run timeout;
    #: in the queue (the queue removes lazily and checks this).
    claimed: bool
    timed_out: bool
    queued: bool
    #: Cancels sent to its task (taken back with ``uncancel`` when it ends), and
    #: the task's ``cancelling()`` when the run began.
    cancels_sent: int
    cancelling_before: int
    #: The task running it; the awaiter parked to run it; everyone else waiting for its end.
    task: asyncio.Task[Any] | None
    runner: asyncio.Future[str] | None
    waiters: list[asyncio.Future[str]] | None
    done_callbacks: list[Callable[[Operation], None]] | None
    #: Inline operations it started that are still live, and its own parent's run.
    children: set[Run] | None
    parent: Run | None
    #: The error a cancel accepted for it will end it with.
    cancel_error: BaseException | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(f"a {type(self).__name__} is made by tgkit.core.run.new_run (or submit)")

    def __repr__(self) -> str:
        return f"<Run {self.describe()} {self.state.name}>"

    @property
    def ending(self) -> bool:
        """A cancel or its timeout has decided how it ends."""
        return self.cancel_error is not None or self.timed_out

    def progressed(self) -> None:
        """It reported progress: tell subscribers, and obey a cancel it has not obeyed."""
        self.engine._on_progress(self)
        if self.task is not None and self.cancel_pending():
            # a cancel it swallowed (or that arrived in this very step): obey it now
            error = self.cancel_error
            raise error or asyncio.CancelledError(f"{self.describe()} was cancelled")

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
        if self.state is RUNNING and self.task is task and task.cancel():
            self.cancels_sent += 1

    def completion(self) -> asyncio.Future[str]:
        """A future that gets ``ENDED`` when the operation reaches a terminal state."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if self.state.is_terminal:
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
        child.parent_id = self.id
        if self.children is None:
            self.children = set()
        self.children.add(child)

    def released(self) -> None:
        """It has ended: drop what ties it to the loop, its parent and the engine."""
        # The context maps current_operation to it: drop it (and the task that
        # holds it) so a finished operation is freed by refcount, not by the GC.
        self.context = self.task = None
        parent = self.parent
        if parent is not None and parent.children is not None:
            parent.children.discard(self)


R = TypeVar("R", bound=Run)
_new = object.__new__


def new_run(
    cls: type[R],
    kind: OperationKind,
    func: Callable[..., Coroutine[Any, Any, Any]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    label: str,
    priority: int,
    timeout: float,
    queue_timeout: float,
    queued_at: float,
    engine: Engine,
    context: contextvars.Context | None,
) -> R:
    """A new ``cls`` (``Run`` or ``OperationHandle``), QUEUED, with every field set.

    Runs are made here, not by an ``__init__``: calling a class whose
    ``__init__`` is Python code takes CPython 3.11's slow generic path, and
    submit makes one per operation.
    """
    run = _new(cls)
    # Operation.__init__'s fields, set here (a call fewer); Scheduler.submit
    # (submission.py) sets the same fields itself: change the three together
    # (tests/core/test_queue.py checks that all set every slot, alike).
    run.seq = next_seq()
    run.kind = kind
    run.label = label
    run.func = func
    run.args = args
    run.kwargs = kwargs
    run.priority = priority
    run.timeout = timeout
    run.queue_timeout = queue_timeout
    run.queued_at = queued_at
    run.wall_offset = engine.wall_offset if engine is not None else 0.0
    run.state = QUEUED
    run.progress = NO_PROGRESS
    run.started_at = run.finished_at = run.error = run.result_value = run.partial = (
        run._report
    ) = run.parent_id = None
    run.engine = engine
    #: The context it was submitted in (its own task, if it gets one, runs there).
    run.context = context
    # The run's own fields (Operation.__init__ set the operation's), None until set:
    # the task running it, the awaiter parked to run it, everyone else waiting for
    # its end, done callbacks, inline children and its parent's run, the error a
    # cancel accepted for it will end it with.
    run.task = run.runner = run.waiters = run.done_callbacks = run.children = run.parent = (
        run.cancel_error
    ) = None
    #: Taken to run (by its awaiter or a task of its own); ended by its run timeout;
    #: in the queue (the queue removes lazily and checks this).
    run.claimed = run.timed_out = run.queued = False
    #: Cancels sent to its task (taken back with ``uncancel`` when it ends), and
    #: the task's ``cancelling()`` when the run began.
    run.cancels_sent = run.cancelling_before = 0
    return run
