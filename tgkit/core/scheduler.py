"""Scheduler: one operation at a time per session, in priority order, with timeouts.

How it works, in brief:

- One lock (``SessionLock``), one queue (``OperationQueue``). ``submit``
  starts the operation at once when the lock is free and nothing is queued
  (the fast path); otherwise it queues it. A new submission never overtakes
  a queued one.
- Nothing polls. Releasing the lock dispatches the next queued operation in
  the same step. Expiry, run timeouts and the lock guard use one timer each
  (``DeadlineTimer``), armed for the earliest deadline.
- A dispatched operation runs in the task awaiting its handle, or in a task
  of its own when nobody awaits it (``execution.py``), with
  ``current_operation()`` set. Submitting to the same scheduler from inside an
  operation runs the inner call inline, under the lock the outer one holds.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
import time
from collections.abc import Callable, Coroutine
from inspect import CO_COROUTINE
from types import FunctionType
from typing import Any

from tgkit.core import execution, outcomes
from tgkit.core.config import SessionConfig, positive_seconds, priority_value
from tgkit.core.errors import SessionClosed
from tgkit.core.events import Subscribers
from tgkit.core.handle import OperationHandle
from tgkit.core.history import History
from tgkit.core.kinds import OperationKind
from tgkit.core.lock import SessionLock
from tgkit.core.operation import Operation, OperationState, _current, current_operation
from tgkit.core.queue import OperationQueue
from tgkit.core.submission import check_func, check_label, name_of
from tgkit.core.timers import DeadlineTimer
from tgkit.core.views import (
    EventType,
    OperationRecord,
    SchedulerEvent,
    SchedulerSnapshot,
    view_of,
    wall,
)

logger = logging.getLogger(__name__)

QUEUED = OperationState.QUEUED
RUNNING = OperationState.RUNNING


class _Status(enum.Enum):
    NEW = "new"
    STARTED = "started"
    STOPPING = "stopping"
    STOPPED = "stopped"


class Scheduler:
    """Runs async operations one at a time, highest priority first, FIFO within a priority.

    Submitting before ``start()`` or after ``stop()`` raises ``SessionClosed``.
    ``start()`` and ``stop()`` are idempotent, and a stopped scheduler can be
    started again. ``submit`` must be called on the loop ``start()`` ran on.

    >>> scheduler = Scheduler(SessionConfig(queue_timeout=120), name="alice")
    >>> await scheduler.start()  # doctest: +SKIP
    >>> handle = scheduler.submit(OperationKind.SCRAPE, scrape_members, "@group",
    ...                           label="members @group")  # doctest: +SKIP
    >>> members = await handle  # doctest: +SKIP
    >>> await scheduler.stop()  # doctest: +SKIP
    """

    def __init__(self, config: SessionConfig | None = None, *, name: str = "session") -> None:
        if config is None:
            config = SessionConfig()
        if not isinstance(config, SessionConfig):
            raise TypeError(f"config must be a SessionConfig, got {config!r}")
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        self._config = config
        self._name = name
        self._defaults = {
            kind: (config.priority_for(kind), config.timeout_for(kind)) for kind in OperationKind
        }
        self._status = _Status.NEW
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clock: Callable[[], float] = time.monotonic
        self._wall_offset = time.time() - time.monotonic()
        self._lock = SessionLock(self._dispatch)
        self._lock.guard = self._refuse_lock_from_inside
        self._queue = OperationQueue()
        self._running: Operation | None = None
        self._subscribers = Subscribers()
        self._history = History(config.history_size)
        self._expiry = DeadlineTimer(self._expire_due)
        self._run_timer = DeadlineTimer(self._run_timer_due)
        self._lock_guard = DeadlineTimer(self._lock_guard_due)
        self._stopped: asyncio.Future[None] | None = None

    def __repr__(self) -> str:
        running = self._running.describe() if self._running else "nothing"
        return (
            f"<Scheduler {self._name!r} {self._status.value}: running {running}, "
            f"{self._queue.size} queued>"
        )

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Start accepting operations on the running event loop. Idempotent."""
        if self._status is _Status.STARTED:
            return
        if self._status is _Status.STOPPING:
            await self.stop()
        loop = asyncio.get_running_loop()
        self._loop = loop
        # The standard loops' clock is time.monotonic; calling it directly is cheaper.
        standard = type(loop).time is asyncio.BaseEventLoop.time
        self._clock = time.monotonic if standard else loop.time
        self._lock._clock = self._clock
        self._wall_offset = time.time() - self._clock()
        for timer in (self._expiry, self._run_timer, self._lock_guard):
            timer.bind(loop)
        self._status = _Status.STARTED
        logger.debug("scheduler %r started", self._name)

    async def stop(self) -> None:
        """Stop: refuse new work, end queued work, drain the running operation.

        New submissions raise ``SessionClosed`` at once; every queued operation
        ends CANCELLED with ``SessionClosed``; the running one may finish
        within ``drain_timeout`` and is then cancelled (ending CANCELLED with
        ``SessionClosed``). Returns when no operation is left. Idempotent.
        """
        if self._status in (_Status.NEW, _Status.STOPPED):
            self._status = _Status.STOPPED
            return
        if self._status is _Status.STOPPING:
            assert self._stopped is not None
            await asyncio.shield(self._stopped)
            return
        self._status = _Status.STOPPING
        self._stopped = asyncio.get_running_loop().create_future()
        try:
            self._expiry.cancel()
            self._lock_guard.cancel()
            for op in list(self._queue):
                self._queue.discard(op)
                self._end(
                    op, OperationState.CANCELLED, outcomes.closed_before_start(op, self._name)
                )
            await self._drain()
        finally:
            for timer in (self._expiry, self._run_timer, self._lock_guard):
                timer.cancel()
            self._status = _Status.STOPPED
            self._stopped.set_result(None)
            logger.debug("scheduler %r stopped", self._name)

    async def _drain(self) -> None:
        op = self._running
        if op is None:
            return
        ended = execution.completion(op)
        closed = outcomes.closed_while_running(op, self._name, self._config.drain_timeout)
        try:
            done, _ = await asyncio.wait({ended}, timeout=_finite(self._config.drain_timeout))
            if done:
                return
            logger.info("%s did not finish within drain_timeout; cancelling it", op.describe())
            self._cancel(op, error=closed)
        except asyncio.CancelledError:
            self._cancel(op, error=closed)
            raise
        done, _ = await asyncio.wait({ended}, timeout=_finite(self._config.lock_timeout))
        if not done:
            logger.error(
                "%s ignored cancellation for lock_timeout (%s s); it is left running",
                op.describe(),
                self._config.lock_timeout,
            )

    # -- submitting and cancelling -----------------------------------------------

    def submit(
        self,
        kind: OperationKind | str,
        func: Callable[..., Coroutine[Any, Any, Any]],
        /,
        *args: Any,
        priority: int | None = None,
        timeout: float | None = None,
        queue_timeout: float | None = None,
        label: str | None = None,
        **kwargs: Any,
    ) -> OperationHandle:
        """Run ``await func(*args, **kwargs)`` as an operation of ``kind``; returns its handle.

        ``func`` must be an async function (``async def``, a partial of one, or
        an object with ``async def __call__``); anything else is a TypeError.
        ``priority``, ``timeout`` and ``queue_timeout`` default to the config's
        values for ``kind``; timeouts are seconds > 0 (``math.inf``: no limit).
        These four names and ``label`` are not forwarded to ``func``. Called
        from inside an operation of this scheduler, the new operation runs
        inline at once, under the lock the outer one holds.

        >>> handle = scheduler.submit(OperationKind.SEND, send, "@chat", "hi",
        ...                           timeout=30)  # doctest: +SKIP
        """
        # The common cases are checked inline: submit is on every operation's path.
        if kind.__class__ is not OperationKind:
            kind = OperationKind.of(kind)
        if func.__class__ is not FunctionType or not func.__code__.co_flags & CO_COROUTINE:
            func = check_func(func)
        if label is None:
            label = func.__name__ if func.__class__ is FunctionType else name_of(func)
        elif label.__class__ is not str:
            label = check_label(label, func)
        default_priority, default_timeout = self._defaults[kind]
        if priority is None:
            priority = default_priority
        else:
            priority = priority_value(priority, "priority")
        timeout = default_timeout if timeout is None else positive_seconds(timeout, "timeout")
        if queue_timeout is None:
            queue_timeout = self._config.queue_timeout
        else:
            queue_timeout = positive_seconds(queue_timeout, "queue_timeout")
        parent = _current.get()
        inline = parent is not None and parent._scheduler is self and parent.state is RUNNING
        self._check_open(inline)
        op = Operation(
            kind,
            func,
            args,
            kwargs,
            label,
            priority,
            timeout,
            queue_timeout,
            self._clock(),
            self._wall_offset,
        )
        op._scheduler = self
        if inline:
            assert parent is not None
            self._start_inline(op, parent)
        else:
            self._enqueue(op)
        return OperationHandle(op, self)

    def cancel(self, op_id: str) -> bool:
        """Cancel the queued or running operation with this id; False if there is none.

        Safe from any thread, like ``OperationHandle.cancel``.

        >>> scheduler.cancel("op-7")  # doctest: +SKIP
        True
        """
        for op in self._live_operations():
            if op.id == op_id:
                return self._cancel_from_anywhere(op)
        return False

    def _cancel_from_anywhere(self, op: Operation) -> bool:
        try:
            on_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            on_loop = False
        if on_loop or self._loop is None:
            return self._cancel(op)
        if op.state.is_terminal:
            return False
        self._loop.call_soon_threadsafe(self._cancel, op)  # another thread: a widget, a cell
        return True

    def _live_operations(self) -> list[Operation]:
        """The running operation, its inline children, and the queue."""
        live = []
        pending = [self._running] if self._running is not None else []
        while pending:
            op = pending.pop()
            live.append(op)
            pending.extend(op._children or ())
        live.extend(self._queue)
        return live

    def _check_open(self, inline: bool) -> None:
        status = self._status
        if status is _Status.STARTED or (inline and status is _Status.STOPPING):
            try:
                loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not self._loop:
                raise RuntimeError(
                    f"Scheduler {self._name!r}.submit was called outside the event loop it "
                    "was started on; from another thread use "
                    "asyncio.run_coroutine_threadsafe on that loop"
                )
            return
        if status is _Status.NEW:
            raise SessionClosed(
                f"scheduler {self._name!r} is not started; nothing was queued. "
                "Await scheduler.start() (connect the session) first"
            )
        raise SessionClosed(
            f"scheduler {self._name!r} is stopped; nothing was queued. "
            "Start it again (reconnect the session) to submit operations"
        )

    def _enqueue(self, op: Operation) -> None:
        if self._subscribers.callbacks:
            self._emit("queued", op)
        if not self._queue.size and self._running is None and self._lock.try_acquire(op):
            self._start(op)
            return
        self._queue.push(op)
        deadline = op.queued_at + op.queue_timeout
        if deadline < self._expiry.at:
            self._expiry.arm(deadline)
        if self._running is None:
            self._dispatch()

    def _cancel(
        self,
        op: Operation,
        *,
        reason: str = "cancelled through its handle",
        error: BaseException | None = None,
    ) -> bool:
        if op.state is QUEUED:
            self._queue.discard(op)
            error = error or outcomes.cancelled(op, "queued", reason)
            self._end(op, OperationState.CANCELLED, error)
            return True
        if op.state is RUNNING:
            if op._cancel_error is None and not op._timed_out:
                op._cancel_error = error or outcomes.cancelled(op, "running", reason)
            execution.cancel_task_of(op)
            return True
        return False

    # -- running -----------------------------------------------------------------

    def _dispatch(self) -> None:
        """Start the next queued operation if the lock is free. Called on every release."""
        if self._running is not None or not self._queue.size:
            return
        if self._lock.holder is not None:
            self._arm_lock_guard()
            return
        op = self._queue.pop()
        assert op is not None
        self._lock.try_acquire(op)
        self._start(op)

    def _start(self, op: Operation) -> None:
        self._lock_guard.cancel()
        self._running = op
        self._launch(op)
        assert op.started_at is not None
        deadline = op.started_at + op.timeout
        if deadline < self._run_timer.at:
            self._run_timer.arm(deadline)

    def _start_inline(self, op: Operation, parent: Operation) -> None:
        op.parent_id = parent.id
        op._parent = parent
        if parent._children is None:
            parent._children = set()
        parent._children.add(op)
        if self._subscribers.callbacks:
            self._emit("queued", op)
        self._launch(op)
        if op.timeout != math.inf:
            assert self._loop is not None and op.started_at is not None
            # inline operations are rare: a timer each (lock holders share one)
            self._loop.call_at(op.started_at + op.timeout, self._time_out, op)

    def _launch(self, op: Operation) -> None:
        """RUNNING from now: hand it to its parked awaiter, or to whoever takes it first."""
        assert self._loop is not None
        op.state = RUNNING
        op.started_at = self._clock()
        runner = op._runner
        if runner is not None and not runner.done():
            op._runner = None
            op._claimed = True
            runner.set_result(execution.RUN)
        else:
            self._loop.call_soon(self._run_unclaimed, op)
        if self._subscribers.callbacks:
            self._emit("started", op)

    def _run_unclaimed(self, op: Operation) -> None:
        if op._claimed or op.state is not RUNNING:
            return
        op._claimed = True
        assert self._loop is not None and op._context is not None
        self._loop.create_task(execution.run_in_own_task(op), context=op._context)

    def _run_timer_due(self) -> None:
        # One timer serves every lock holder: it was armed for the earliest
        # deadline seen and is re-armed here for the current holder's.
        op = self._running
        if op is None or op._timed_out or op.started_at is None:
            return
        deadline = op.started_at + op.timeout
        if deadline <= self._clock():
            self._time_out(op)
        elif deadline != math.inf:
            self._run_timer.arm(deadline)

    def _time_out(self, op: Operation) -> None:
        if op.state is not RUNNING or op._timed_out:
            return
        logger.info("%s ran past its timeout of %s s; cancelling it", op.describe(), op.timeout)
        op._timed_out = True
        execution.cancel_task_of(op)

    def _conclude(self, op: Operation, result: Any, error: BaseException | None) -> None:
        """End a RUNNING operation in the state its flags and outcome call for."""
        if op._timed_out:
            timed_out = outcomes.timed_out(op)
            if error is not None and not isinstance(error, asyncio.CancelledError):
                timed_out.__cause__ = error
            self._end(op, OperationState.TIMED_OUT, timed_out)
        elif op._cancel_error is not None:
            self._end(op, OperationState.CANCELLED, op._cancel_error)
        elif error is None:
            self._end(op, OperationState.DONE, None, result)
        elif isinstance(error, asyncio.CancelledError):
            self._end(op, OperationState.CANCELLED, error)
        else:
            self._end(op, OperationState.FAILED, error)

    def _end(
        self, op: Operation, state: OperationState, error: BaseException | None, result: Any = None
    ) -> None:
        """Put ``op`` in its terminal state, tell everyone, and release the lock if it held it."""
        op.state = state
        op.finished_at = self._clock()
        op.error = error
        op.result_value = result
        # The context maps current_operation to op: drop it (and the task that
        # holds it) so a finished operation is freed by refcount, not by the GC.
        op._context = op._task = None
        parent = op._parent
        if parent is not None and parent._children is not None:
            parent._children.discard(op)
        self._history.add(op)
        execution.wake_all(op)
        if self._subscribers.callbacks:
            self._emit("finished", op)
        if op._done_callbacks:
            assert self._loop is not None
            for callback in op._done_callbacks:
                self._loop.call_soon(callback, op)
        if op is self._running:
            self._running = None
            self._lock.release()
            if self._running is None and self._queue.size:
                self._dispatch()  # the lock went to outside code: guard the queue
            if self._running is None and not self._queue.size:
                self._went_idle()

    def _went_idle(self) -> None:
        """Leave nothing on the loop while there is nothing to do."""
        self._run_timer.cancel()
        self._expiry.cancel()

    # -- expiry and the lock guard ----------------------------------------------

    def _expire_due(self) -> None:
        now = self._clock()
        for op in self._queue.pop_expired(now):
            error = outcomes.expired(op, now - op.queued_at, self._blocker())
            self._end(op, OperationState.EXPIRED, error)
        deadline = self._queue.earliest_deadline()
        if deadline is not None:
            self._expiry.arm(deadline)

    def _blocker(self) -> str:
        if self._running is not None:
            return self._running.describe()
        holder = self._lock.holder_name
        return f"{holder!s} holding the session lock" if holder else "other operations"

    def _arm_lock_guard(self) -> None:
        """Code outside the scheduler holds the lock: expire operations that wait too long."""
        since = self._lock.held_since
        if since is None or not self._queue.size:
            return
        first_queued = min(op.queued_at for op in self._queue)
        self._lock_guard.arm(max(first_queued, since) + self._config.lock_timeout)

    def _lock_guard_due(self) -> None:
        since = self._lock.held_since
        if self._running is not None or since is None:
            return
        now = self._clock()
        limit = self._config.lock_timeout
        holder = self._lock.holder_name or "someone"
        for op in list(self._queue):
            if max(op.queued_at, since) + limit > now:
                continue
            self._queue.discard(op)
            error = outcomes.lock_held_outside(op, now - op.queued_at, holder, now - since, limit)
            self._end(op, OperationState.EXPIRED, error)
        self._arm_lock_guard()

    def _refuse_lock_from_inside(self) -> None:
        op = current_operation()
        if op is not None and op._scheduler is self and op.state is RUNNING:
            raise RuntimeError(
                f"{op.describe()} already runs under scheduler {self._name!r}'s lock; "
                "taking the lock again from inside it would deadlock"
            )

    # -- observing -----------------------------------------------------------------

    def _on_progress(self, op: Operation) -> None:
        if op.state is RUNNING and self._subscribers.callbacks:
            self._emit("progress", op)

    def _emit(self, event_type: EventType, op: Operation) -> None:
        now = self._clock()
        event = SchedulerEvent(
            event_type, self._name, view_of(op, now), wall(now, self._wall_offset)
        )
        self._subscribers.send(event)

    def subscribe(self, callback: Callable[[SchedulerEvent], object]) -> Callable[[], None]:
        """Call ``callback(event)`` on every queued / started / progress / finished event.

        Returns a function that unsubscribes. Callbacks run on the event loop,
        synchronously; one that raises is logged and never breaks the scheduler.

        >>> unsubscribe = scheduler.subscribe(lambda e: print(e.type, e.operation.id))
        ... # doctest: +SKIP
        """
        return self._subscribers.add(callback)

    def snapshot(self, recent: int = 20) -> SchedulerSnapshot:
        """An immutable view: the lock holder, the queue in order, the ``recent`` last finished.

        >>> scheduler.snapshot().queued  # doctest: +SKIP
        (OperationView(id='op-9', ...),)
        """
        now = self._clock()
        running = self._running
        return SchedulerSnapshot(
            name=self._name,
            taken_at=wall(now, self._wall_offset),
            status=self._status.value,
            running=None if running is None else view_of(running, now),
            lock_holder=self._lock.holder_name,
            queued=tuple(view_of(op, now) for op in self._queue),
            recent=self._history.recent(recent),
        )

    @property
    def history(self) -> tuple[OperationRecord, ...]:
        """Records of the last ``config.history_size`` finished operations, oldest first."""
        return self._history.records()

    @property
    def name(self) -> str:
        """The name given at creation (shown in snapshots, events and errors)."""
        return self._name

    @property
    def config(self) -> SessionConfig:
        """The SessionConfig in force."""
        return self._config

    @property
    def status(self) -> str:
        """``"new"``, ``"started"``, ``"stopping"`` or ``"stopped"``."""
        return self._status.value

    @property
    def lock(self) -> SessionLock:
        """The session lock; ``async with scheduler.lock.hold("why"):`` excludes all operations."""
        return self._lock

    @property
    def is_busy(self) -> bool:
        """True while an operation (or outside code) holds the lock."""
        return self._lock.locked()

    @property
    def running(self) -> Operation | None:
        """The operation holding the lock, or None."""
        return self._running

    @property
    def queued_count(self) -> int:
        """How many operations wait in the queue."""
        return self._queue.size


def _finite(seconds: float) -> float | None:
    return None if seconds == math.inf else seconds
