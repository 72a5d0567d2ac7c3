"""Cancelling operations, and ending the queue, for the ``Engine``.

Functions of the engine (bound as its methods), kept apart from the running
and ending code in ``engine.py``. A cancel from the loop acts at once: a
queued operation ends CANCELLED, a running one gets its task cancelled (the
CancelledError lands inside it, ``Run.cancel_task``). A cancel from another
thread is accepted or refused at once, under the engine's ``_ending`` lock,
and delivered on the loop; once one has come, ``decide`` takes that lock to
fix each operation's terminal state, so an accepted cancel always wins.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tgkit.core import outcomes
from tgkit.core.operation import Operation, OperationState
from tgkit.core.run import Run

if TYPE_CHECKING:
    from tgkit.core.engine import Engine

QUEUED = OperationState.QUEUED
RUNNING = OperationState.RUNNING
CANCELLED = OperationState.CANCELLED


def cancel(
    engine: Engine,
    run: Run,
    *,
    reason: str | None = None,
    error: BaseException | None = None,
    by: str = "handle",
) -> bool:
    """Cancel ``run`` from the loop: True if it was live (it will end CANCELLED)."""
    if run.state is QUEUED:
        engine.queue.discard(run)
        error = error or run.cancel_error or outcomes.cancelled(run, "queued", reason, by)
        engine._end(run, CANCELLED, error)
        return True
    if run.state is RUNNING:
        if run.timed_out:
            return False  # its timeout is already ending it
        if run.cancel_error is None:
            run.cancel_error = error or outcomes.cancelled(run, "running", reason, by)
        run.cancel_task()
        return True
    return False


def cancel_from_anywhere(engine: Engine, run: Run, by: str = "handle") -> bool:
    """Cancel ``run`` from any thread; the answer is decided at once."""
    try:
        on_loop = asyncio.get_running_loop() is engine.loop
    except RuntimeError:
        on_loop = False
    if on_loop or engine.loop is None:
        return cancel(engine, run, by=by)
    # Another thread (a widget, a cell): accept the cancel here, under the lock
    # the end is decided under, so the operation cannot end DONE after we said True.
    with engine._ending:
        engine._cross_thread = True  # before reading the state: _end reads it after writing
        if run.state.is_terminal or run.timed_out:
            return False
        if run.cancel_error is None:
            where = "queued" if run.state is QUEUED else "running"
            run.cancel_error = outcomes.cancelled(run, where, by=by)
    engine.loop.call_soon_threadsafe(functools.partial(cancel, engine, run, by=by))
    return True


def decide(
    engine: Engine, run: Run, state: OperationState, error: BaseException | None, result: Any
) -> tuple[OperationState, BaseException | None, Any]:
    """The terminal state, under the lock a cancel from another thread is accepted under."""
    with engine._ending:
        if run.cancel_error is not None and state is not CANCELLED:
            # a cancel accepted from another thread while it was ending: it wins
            state, error, result = CANCELLED, run.cancel_error, None
        run.state = state
    return state, error, result


def live_runs(engine: Engine) -> list[Run]:
    """The running operation's run, its inline children's, and the queue's."""
    live = []
    pending = [engine.running] if engine.running is not None else []
    while pending:
        run = pending.pop()
        live.append(run)
        pending.extend(run.children or ())
    live.extend(engine.queue)
    return live


def end_queued(engine: Engine, error_for: Callable[[Operation], BaseException]) -> None:
    """End every queued operation CANCELLED with ``error_for(op)``."""
    for run in list(engine.queue):
        engine.queue.discard(run)
        engine._end(run, CANCELLED, error_for(run))
