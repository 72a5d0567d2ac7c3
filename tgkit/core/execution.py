"""Running an operation's coroutine, and cancelling it, inside a task.

A dispatched operation (RUNNING, holding the lock) runs in the task that
awaits its handle, as an ``asyncio.Lock`` waiter runs its critical section:
the awaiter parked on a queued operation is handed the operation when it is
dispatched, and an awaiter arriving while it is RUNNING but not yet picked up
takes it at once. An operation nobody picks up within the dispatching step
gets a task of its own, created in the context it was submitted from. Either
way no extra task is created per operation, and cancelling the awaiting task
cancels the operation, because it is running there.

Cancellation of a running operation is delivered by cancelling the task it
runs in, never from inside that task's own step (that would surface at the
task's next await, possibly after the operation ended; ``Run.cancel_task``);
and every cancel the scheduler sends is taken back with ``Task.uncancel()``
once the operation has ended, so the awaiting task carries on as if it had
awaited a plain future (as ``asyncio.timeout`` does).
"""

from __future__ import annotations

import asyncio
import sys
import types
from asyncio import CancelledError
from collections.abc import Generator
from types import CoroutineType
from typing import Any

from tgkit.core import outcomes
from tgkit.core.operation import OperationState, _current
from tgkit.core.run import ENDED, RUN, Run

DONE = OperationState.DONE

__all__ = ["ENDED", "RUN", "Parked", "end_children", "run_here", "run_in_own_task"]

if sys.version_info >= (3, 12):
    _current_task = asyncio.current_task  # C from 3.12 on
else:  # a Python function in 3.11; this is the C dict it reads
    _current_task = asyncio.tasks._current_tasks.get  # type: ignore[attr-defined]


@types.coroutine
def run_here(run: Run, same_step: bool = False) -> Generator[Any, Any, None]:
    """Run the operation's coroutine in the current task and conclude it.

    ``same_step``: called in the very step of the task that awaits it (not just after
    the task resumed, when a cancel it got has already been raised): a cancel the
    task got but has not raised yet may be pending, and is then the operation's.

    Never raises the operation's error (the handle does); raises
    ``CancelledError`` only when the task itself is being cancelled from
    outside, and lets ``KeyboardInterrupt``/``SystemExit`` through. A
    generator-based coroutine: the handle's ``__await__`` runs it with
    ``yield from``, without a coroutine object per operation.
    """
    engine = run.engine
    task = _current_task(engine.loop)
    assert task is not None
    run.task = task
    cancelling = run.cancelling_before = task.cancelling()
    if same_step and getattr(task, "_must_cancel", False):
        # A cancel the task got but has not yet raised will raise inside the operation: its.
        run.cancelling_before = cancelling - 1
    token = _current.set(run)
    result: Any = None
    error: BaseException | None = None
    try:
        if run.cancel_error is None and not run.timed_out:
            if run.kwargs:
                awaitable = run.func(*run.args, **run.kwargs)
            else:  # (no keywords: no dict to build for the call)
                awaitable = run.func(*run.args)
            if type(awaitable) is CoroutineType:
                result = yield from awaitable  # type: ignore[misc]  # types.coroutine allows it
            else:
                result = yield from awaitable.__await__()
    except BaseException as exc:
        error = exc
    finally:
        _current.reset(token)
    if run.children:
        yield from end_children(run).__await__()
    sent = run.cancels_sent
    if error is None or not isinstance(error, CancelledError):
        if task.cancelling() > run.cancelling_before + sent:
            # The task running it was cancelled (Ctrl-C, asyncio.timeout, the awaiting
            # caller) and the operation swallowed the CancelledError: it still was cancelled.
            if run.cancel_error is None and not run.timed_out:
                why = "the task running it was cancelled"
                run.cancel_error = outcomes.cancelled(run, "running", why, "task")
        elif error is None and run.cancel_error is None and not run.timed_out:
            engine._end(run, DONE, None, result)  # the common case
            if sent:  # (cancels sent, then called off: taken back)
                _take_back(task, sent, cancelling)
            return
    engine._conclude(run, result, error)
    if error is not None and not isinstance(error, Exception | CancelledError):
        if sent:
            _take_back(task, sent, None)
        raise error  # KeyboardInterrupt, SystemExit: the operation ended; let them through
    if sent:
        _take_back(task, sent, cancelling)


def _take_back(task: asyncio.Task[Any], sent: int, cancelling: int | None) -> None:
    """Take back the ``sent`` cancels the scheduler sent to ``task`` (as asyncio.timeout does).

    Raises CancelledError if the task itself was cancelled as well (more
    cancels than ``cancelling``, its count when the run began).
    """
    for _ in range(sent):
        task.uncancel()
    if cancelling is not None and task.cancelling() > cancelling:
        raise CancelledError()  # the task itself was cancelled as well


class Parked(asyncio.Future[str]):
    """The future an awaiter parks on to wait for the end of an operation run elsewhere.

    (Its runner, the first awaiter of a queued operation, parks on a plain
    future: asyncio's tasks take a slower path for every Future subclass.)
    Cancelling the awaiting task calls ``cancel()`` on the future it waits
    for, synchronously: that is where the operation learns of it. Waiting
    until the task resumes would be too late when the operation ends in the
    same loop step (its last page arrived just as the caller was cancelled).
    """

    __slots__ = ("run",)

    run: Run  # set right after it is made (no __init__: this is made once per await)

    def cancel(self, msg: Any = None) -> bool:
        cancelled = super().cancel(msg=msg)
        run = self.run
        if not run.state.is_terminal:
            run.engine._cancel(run, reason="the task awaiting it was cancelled", by="task")
        return cancelled


async def run_in_own_task(run: Run) -> None:
    """``run_here`` as the body of the task an unclaimed operation gets."""
    await run_here(run)


async def end_children(run: Run) -> None:
    """Cancel the inline operations ``run`` left running, and wait until they end.

    They run under its lock, so the lock must not be released before.
    """
    children = list(run.children or ())
    for child in children:
        reason = f"{run.id} ended first"
        run.engine._cancel(child, reason=reason, by="parent")
    ends = {child.completion() for child in children}
    while True:
        try:
            await asyncio.wait(ends)
        except asyncio.CancelledError:
            continue  # keep waiting: the children must end before the lock is released
        return
