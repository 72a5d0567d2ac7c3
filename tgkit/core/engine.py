"""Engine: the lock, the queue and the running operation of one scheduler.

It takes the ``Run`` of each checked operation from the ``Scheduler`` (its
public face; a ``Run`` is the ``Operation`` with its per-run state, which only
the engine and the code running it change, and is also the handle submit
returns) and moves it from QUEUED through RUNNING to exactly one terminal
state:

- ``enqueue`` starts an operation at once when the lock is free and nothing
  is queued (the fast path), otherwise queues it; a new operation never
  overtakes a queued one.
- The lock passes from an ending operation straight to the next queued one,
  in the same step (no release, no dispatch round).
  Nothing polls: expiry, run timeouts and the lock guard use one timer each
  (``DeadlineTimer``), armed for the earliest deadline.
- A dispatched operation is handed to the task parked on its handle (its
  runner, parked on a plain future), or runs in a task of its own if nobody
  takes it within the step (``execution.py``).
- ``_end`` is the one place an operation ends: history, wake-ups, events,
  done callbacks, and the release of the lock; its ``Run`` is let go there.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from tgkit.core import cancelling, execution, outcomes
from tgkit.core.config import SchedulerConfig
from tgkit.core.errors import LockTimeout
from tgkit.core.events import Subscribers
from tgkit.core.history import History
from tgkit.core.lock import SessionLock
from tgkit.core.lock_guard import LockGuard
from tgkit.core.operation import Operation, OperationState
from tgkit.core.queue import OperationQueue
from tgkit.core.run import Run
from tgkit.core.timers import DeadlineTimer
from tgkit.core.views import EventType, SchedulerEvent, view_of, wall

logger = logging.getLogger(__name__)

# Enum members as module constants: attribute access on an Enum class is slow in 3.11.
QUEUED = OperationState.QUEUED
RUNNING = OperationState.RUNNING
DONE = OperationState.DONE
FAILED = OperationState.FAILED
CANCELLED = OperationState.CANCELLED
TIMED_OUT = OperationState.TIMED_OUT
EXPIRED = OperationState.EXPIRED
RUN = execution.RUN


class Engine:
    """Runs the operations it is given one at a time. Used through ``Scheduler``."""

    def __init__(self, config: SchedulerConfig, name: str) -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = 0
        self.clock: Callable[[], float] = time.monotonic
        self.wall_offset = time.time() - time.monotonic()
        self.lock = SessionLock(self._dispatch)
        self.queue = OperationQueue()
        #: The run of the operation holding the lock, or None.
        self.running: Run | None = None
        self.subscribers = Subscribers()
        self.history = History(config.history_size)
        self._remember = self.history.remember
        self.expiry = DeadlineTimer(self._expire_due)
        self._run_timer = DeadlineTimer(self._run_timer_due)
        self._lock_guard = LockGuard(self.lock, self.queue, config.lock_timeout, self._lock_gone)
        self._guarding = False  # the lock guard watches an outside holder
        # Held while a cancel from another thread is accepted, and, once one has
        # been (``_cross_thread``), while an operation's terminal state is decided:
        # so that such a cancel either lands or says False. Until then _end writes
        # the state first and checks the flag after, which is enough (see _end).
        self._ending = threading.Lock()
        self._cross_thread = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run on ``loop`` from now on."""
        self.loop = loop
        #: The thread running ``loop`` (submit's cheap check that it is called there).
        self.thread = threading.get_ident()
        # The standard loops' clock is time.monotonic; calling it directly is cheaper.
        standard = type(loop).time is asyncio.BaseEventLoop.time
        self.clock = time.monotonic if standard else loop.time
        self.lock.clock = self.clock
        self.wall_offset = time.time() - self.clock()
        self.expiry.bind(loop)
        self._run_timer.bind(loop)
        self._lock_guard.bind(loop, self.clock)

    def stand_down(self, *, including_run_timer: bool = True) -> None:
        """Disarm the timers (the run timer stays while a drain still needs it)."""
        self.expiry.cancel()
        self._guarding = False
        self._lock_guard.cancel()
        if including_run_timer:
            self._run_timer.cancel()

    # -- taking operations in ------------------------------------------------------

    # Scheduler.submit (submission.py) does what enqueue does inline when the engine is busy and
    # the run goes to the lane the last push went to: change them together.
    def enqueue(self, run: Run) -> None:
        """Start it now if the lock is free and nothing waits, else queue it."""
        if self.subscribers.callbacks:
            self._emit("queued", run)
        now = run.queued_at  # read by submit just now
        if self.running is None and not self.queue.size and self.lock.try_acquire(run, now):
            self._start(run, now)
            return
        queue = self.queue
        if run.priority == queue._tail_priority and run.queue_timeout == queue._tail_timeout:
            queue._tail.append(run)  # OperationQueue.push, inline for the common case
            run.queued = True
            queue.size += 1
        else:
            queue.push(run)
        deadline = now + run.queue_timeout
        if deadline < self.expiry.at:
            self.expiry.arm(deadline)
        if self.running is None:
            self._dispatch()

    def start_inline(self, run: Run, parent: Run) -> None:
        """Run it now, under the lock its running ``parent`` holds."""
        parent.adopt(run)
        op = run
        if self.subscribers.callbacks:
            self._emit("queued", op)
        self._launch(run, self.clock())
        if op.timeout != math.inf:
            assert self.loop is not None and op.started_at is not None
            # inline operations are rare: a timer each (lock holders share one)
            self.loop.call_at(op.started_at + op.timeout, self._time_out, run)

    # -- cancelling (tgkit/core/cancelling.py) ------------------------------------

    _cancel = cancelling.cancel
    _cancel_from_anywhere = cancelling.cancel_from_anywhere
    _decide = cancelling.decide
    live_runs = cancelling.live_runs
    end_queued = cancelling.end_queued

    # -- running -----------------------------------------------------------------

    def _dispatch(self) -> None:
        """Start the next queued operation if the lock is free. Called on every release."""
        if self.running is not None or not self.queue.size:
            return
        if self.lock.holder is not None:
            self._guarding = True
            self._lock_guard.watch()  # held outside the scheduler
            return
        run = self.queue.pop()
        assert run is not None
        now = self.clock()
        self.lock.try_acquire(run, now)
        self._start(run, now)

    def _start(self, run: Run, now: float) -> None:
        """It holds the lock from ``now`` on: run it, under the shared run timer."""
        if self._guarding:
            self._guarding = False
            self._lock_guard.cancel()
        self.running = run
        self._launch(run, now)
        deadline = now + run.timeout
        if deadline < self._run_timer.at:
            self._run_timer.arm(deadline)

    def _launch(self, run: Run, now: float) -> None:
        """RUNNING from ``now``: hand it to its parked awaiter, or to whoever takes it first."""
        run.state = RUNNING
        run.started_at = now
        runner = run.runner
        if runner is not None and not runner.done():
            run.runner = None
            run.claimed = True
            runner.set_result(RUN)
        else:
            self._unparked(run)
        if self.subscribers.callbacks:
            self._emit("started", run)

    def _unparked(self, run: Run) -> None:
        """Dispatched with nobody parked to run it: the first awaiter takes it, else a
        task of its own. A runner that is done was cancelled with the task awaiting it
        (while it was queued): then it only ends, CANCELLED (``run_here`` checks first)."""
        if run.runner is not None:
            run.runner = None
            if run.cancel_error is None and not run.timed_out:
                why = "the task awaiting it was cancelled"
                run.cancel_error = outcomes.cancelled(run, "queued", why, "task")
        assert self.loop is not None
        self.loop.call_soon(self._run_unclaimed, run)

    def _run_unclaimed(self, run: Run) -> None:
        if run.claimed or run.state is not RUNNING:
            return
        run.claimed = True
        assert self.loop is not None and run.context is not None
        self.loop.create_task(execution.run_in_own_task(run), context=run.context)

    def _run_timer_due(self) -> None:
        # One timer serves every lock holder: it was armed for the earliest
        # deadline seen and is re-armed here for the current holder's.
        run = self.running
        if run is None or run.timed_out or run.started_at is None:
            return
        deadline = run.started_at + run.timeout
        if deadline <= self.clock():
            self._time_out(run)
        elif deadline != math.inf:
            self._run_timer.arm(deadline)

    def _time_out(self, run: Run) -> None:
        op = run
        if op.state is not RUNNING or run.timed_out or run.cancel_error is not None:
            return  # not running, or a cancel accepted first is ending it
        logger.info("%s ran past its timeout of %s s; cancelling it", op.describe(), op.timeout)
        run.timed_out = True
        run.cancel_task()

    # -- ending ------------------------------------------------------------------

    def _conclude(self, run: Run, result: Any, error: BaseException | None) -> None:
        """End a RUNNING operation in the state its run's flags and outcome call for."""
        if run.timed_out:
            timed_out = outcomes.timed_out(run)
            if error is not None and not isinstance(error, asyncio.CancelledError):
                timed_out.__cause__ = error
            self._end(run, TIMED_OUT, timed_out)
        elif run.cancel_error is not None:
            self._end(run, CANCELLED, run.cancel_error)
        elif error is None:
            self._end(run, DONE, None, result)
        elif isinstance(error, asyncio.CancelledError):
            self._end(run, CANCELLED, error)
        else:
            self._end(run, FAILED, error)

    def _end(
        self, run: Run, state: OperationState, error: BaseException | None, result: Any = None
    ) -> None:
        """Put it in its terminal state, tell everyone, and pass the lock on if it held it."""
        if self._cross_thread:
            state, error, result = self._decide(run, state, error, result)
        else:
            run.state = state
            if self._cross_thread:  # the first cancel from another thread came just now
                state, error, result = self._decide(run, state, error, result)
        run.finished_at = now = self.clock()
        run.error = error
        run.result_value = result
        # Let the run go (Run.released, inline: this is every operation's path).
        run.context = run.task = None
        if run.parent is not None:
            run.released()
        # History.add's entry, built here from what is at hand (a call fewer per operation)
        self._remember(
            (
                run.seq,
                run.kind,
                run.label,
                run.priority,
                state,
                run.queued_at,
                run.started_at,
                now,
                error,
                run._report,
                run.parent_id,
                run.wall_offset,
            )
        )
        if run.runner is not None or run.waiters is not None:
            run.wake_all()
        callbacks = self.subscribers.callbacks
        if callbacks:
            self._emit("finished", run)
        if run.done_callbacks:
            assert self.loop is not None
            for callback in run.done_callbacks:
                self.loop.call_soon(callback, run)
        if run is not self.running:
            return
        # The lock goes straight on to the next queued operation (no release, no
        # dispatch round) unless outside code waits for it; _start and _launch
        # inline for that common case.
        queue, lock = self.queue, self.lock
        if queue.size and not lock._waiters and not self._guarding:
            following = None
            lane = queue._head  # OperationQueue.pop, inline for the common case
            while lane:  # (None when there is no head lane)
                candidate = lane.popleft()
                if candidate.queued:
                    candidate.queued = False
                    queue.size -= 1
                    following = candidate
                    break
                queue._dead -= 1
            if following is None:
                following = queue._pop_elsewhere()
                assert following is not None
            lock._holder, lock._since = following, now  # SessionLock.hand_over, inline
            self.running = following
            following.state = RUNNING
            following.started_at = now
            runner = following.runner
            if runner is not None and not runner.done():
                following.runner = None
                following.claimed = True
                runner.set_result(RUN)
            else:
                self._unparked(following)
            if callbacks:
                self._emit("started", following)
            deadline = now + following.timeout
            if deadline < self._run_timer.at:
                self._run_timer.arm(deadline)
            return
        self.running = None
        self._next(now)

    def _next(self, now: float) -> None:
        """The running operation has ended and the lock was not simply passed on."""
        queue, lock = self.queue, self.lock
        if queue.size and not lock.awaited():
            run = queue.pop()
            assert run is not None
            lock.hand_over(run, now)
            self._start(run, now)
            return
        lock.release()  # to outside code waiting for it, or free (on_release dispatches)
        if self.running is None and queue.size:
            self._dispatch()  # the lock went to outside code: guard the queue
        if self.running is None and not queue.size:
            self._run_timer.cancel()  # idle: leave nothing on the loop
            self.expiry.cancel()

    def _expire_due(self) -> None:
        now = self.clock()
        for run in self.queue.pop_expired(now):
            error = outcomes.expired(run, now - run.queued_at, self._blocker())
            self._end(run, EXPIRED, error)
        deadline = self.queue.earliest_deadline()
        if deadline is not None:
            self.expiry.arm(deadline)

    def _blocker(self) -> str:
        if self.running is not None:
            return self.running.describe()
        holder = self.lock.holder_name
        return f"{holder!s} holding the session lock" if holder else "other operations"

    def _lock_gone(self, run: Run, error: LockTimeout) -> None:
        self._end(run, EXPIRED, error)

    # -- events ------------------------------------------------------------------

    def _on_progress(self, op: Operation) -> None:
        if op.state is RUNNING and self.subscribers.callbacks:
            self._emit("progress", op)

    def _emit(self, event_type: EventType, op: Operation) -> None:
        now = self.clock()
        event = SchedulerEvent(event_type, self.name, view_of(op, now), wall(now, self.wall_offset))
        self.subscribers.send(event)
