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
task's next await, possibly after the operation ended); and every cancel the
scheduler sends is taken back with ``Task.uncancel()`` once the operation has
ended, so the awaiting task carries on as if it had awaited a plain future
(as ``asyncio.timeout`` does).
"""

from __future__ import annotations

import asyncio
from typing import Any

from tgkit.core import outcomes
from tgkit.core.operation import Operation, OperationState, _current

#: What a parked awaiter is woken with: run the operation here, or it has ended.
RUN = "run"
ENDED = "ended"

RUNNING = OperationState.RUNNING


async def run_here(op: Operation) -> None:
    """Run ``op``'s coroutine in the current task and conclude it.

    Never raises the operation's error (the handle does); raises
    ``CancelledError`` only when the task itself is being cancelled from
    outside, and lets ``KeyboardInterrupt``/``SystemExit`` through.
    """
    task = asyncio.current_task()
    assert task is not None
    owner = op._engine
    assert owner is not None
    op._task = task
    cancelling = task.cancelling()
    # A cancel the task got but has not yet raised will raise inside the operation: it is its.
    op._cancelling_before = cancelling - 1 if getattr(task, "_must_cancel", False) else cancelling
    token = _current.set(op)
    result: Any = None
    error: BaseException | None = None
    try:
        if op._cancel_error is None and not op._timed_out:
            result = await op.func(*op.args, **op.kwargs)
    except BaseException as exc:
        error = exc
    finally:
        _current.reset(token)
    if op._children:
        await end_children(op)
    sent = op._cancels_sent
    swallowed = not isinstance(error, asyncio.CancelledError)
    if swallowed and task.cancelling() > op._cancelling_before + sent:
        # The task running it was cancelled (Ctrl-C, asyncio.timeout, the awaiting
        # caller) and the operation swallowed the CancelledError: it still was cancelled.
        if op._cancel_error is None and not op._timed_out:
            why = "the task running it was cancelled"
            op._cancel_error = outcomes.cancelled(op, "running", why, "task")
    owner._conclude(op, result, error)
    for _ in range(sent):
        task.uncancel()
    if error is not None and not isinstance(error, Exception | asyncio.CancelledError):
        raise error  # KeyboardInterrupt, SystemExit: the operation ended; let them through
    if sent and task.cancelling() > cancelling:
        raise asyncio.CancelledError()  # the task itself was cancelled as well


def cancel_pending(op: Operation) -> bool:
    """True when ``op`` (running in the current task) has a cancel it has not obeyed.

    Either the scheduler decided to end it (cancel, timeout) or the task
    running it was cancelled from outside; ``report_progress`` raises
    CancelledError then, so an operation that swallowed the first
    CancelledError (as Python 3.11's ``asyncio.wait_for`` can) stops at its next page.
    """
    task = op._task
    if task is None or task is not asyncio.current_task():
        return False
    if op._cancel_error is not None or op._timed_out:
        return True
    return task.cancelling() > op._cancelling_before + op._cancels_sent


class Parked(asyncio.Future[str]):
    """The future an awaiter of a handle is parked on.

    Cancelling the awaiting task calls ``cancel()`` on the future it waits
    for, synchronously: that is where the operation learns of it. Waiting
    until the task resumes would be too late when the operation ends in the
    same loop step (its last page arrived just as the caller was cancelled).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, op: Operation) -> None:
        super().__init__(loop=loop)
        self.op = op

    def cancel(self, msg: Any = None) -> bool:
        cancelled = super().cancel(msg=msg)
        op = self.op
        if op.state.is_terminal:
            return cancelled
        reason = "the task awaiting it was cancelled"
        if not cancelled and self.result() == RUN and op._task is None:
            # handed over, not started: the task will not run it (handle._abandon ends it)
            if op._cancel_error is None and not op._timed_out:
                op._cancel_error = outcomes.cancelled(op, "running", reason, "task")
        else:
            owner = op._engine
            assert owner is not None
            owner._cancel(op, reason=reason, by="task")
        return cancelled


async def run_in_own_task(op: Operation) -> None:
    """``run_here`` as the body of the task an unclaimed operation gets."""
    await run_here(op)


def cancel_task_of(op: Operation) -> None:
    """Cancel the task ``op`` runs in, so the CancelledError lands inside ``op``.

    Before it runs (no task yet) there is nothing to do: ``run_here`` checks
    the flags first. From inside that very task the cancel is delivered on
    the next loop step, when the task is suspended inside the operation.
    """
    task = op._task
    if task is None:
        return
    if task is asyncio.current_task():
        task.get_loop().call_soon(_cancel_later, op, task)
    elif task.cancel():
        op._cancels_sent += 1


def _cancel_later(op: Operation, task: asyncio.Task[Any]) -> None:
    if op.state is RUNNING and op._task is task and task.cancel():
        op._cancels_sent += 1


def completion(op: Operation) -> asyncio.Future[str]:
    """A future that gets ``ENDED`` when ``op`` reaches a terminal state."""
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    if op.state.is_terminal:
        future.set_result(ENDED)
    elif op._waiters is None:
        op._waiters = [future]
    else:
        op._waiters.append(future)
    return future


def wake_all(op: Operation) -> None:
    """Wake everyone parked on ``op``: it has ended."""
    runner = op._runner
    if runner is not None:
        op._runner = None
        if not runner.done():
            runner.set_result(ENDED)
    waiters = op._waiters
    if waiters is not None:
        op._waiters = None
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(ENDED)


async def end_children(op: Operation) -> None:
    """Cancel the inline operations ``op`` left running, and wait until they end.

    They run under ``op``'s lock, so the lock must not be released before.
    """
    owner = op._engine
    assert owner is not None
    children = list(op._children or ())
    for child in children:
        owner._cancel(child, reason=f"its parent {op.id} ended first", by="parent")
    ends = {completion(child) for child in children}
    while True:
        try:
            await asyncio.wait(ends)
        except asyncio.CancelledError:
            continue  # keep waiting: the children must end before the lock is released
        return
