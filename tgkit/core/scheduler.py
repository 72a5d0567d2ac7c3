"""Scheduler: one operation at a time per session, in priority order, with timeouts.

The public face of the session core: checks what is submitted, manages the
lifecycle (``start``/``stop``), and shows the state (``snapshot``,
``subscribe``, ``history``). The ``Engine`` behind it holds the lock and the
queue and moves every operation to exactly one terminal state.
"""

from __future__ import annotations

import asyncio
import logging
import math
import weakref
from collections.abc import Callable
from inspect import CO_COROUTINE
from types import FunctionType

from tgkit.core import outcomes, submission
from tgkit.core.config import SchedulerConfig
from tgkit.core.engine import Engine
from tgkit.core.kinds import OperationKind
from tgkit.core.lock import SessionLock
from tgkit.core.operation import Operation, OperationState, current_operation
from tgkit.core.submission import _nothing, _Status, check_func, name_of
from tgkit.core.views import OperationRecord, SchedulerEvent, SchedulerSnapshot, view_of, wall

logger = logging.getLogger(__name__)

RUNNING = OperationState.RUNNING




class Scheduler:
    """Runs async operations one at a time, highest priority first, FIFO within a priority.

    Submitting before ``start()`` or after ``stop()`` raises ``SessionClosed``.
    ``start()`` and ``stop()`` are idempotent, and a stopped scheduler can be
    started again. ``submit`` must be called on the loop ``start()`` ran on.

    ``config`` is a ``SchedulerConfig`` (a ``tgkit.SessionConfig`` is one).

    >>> scheduler = Scheduler(SchedulerConfig(queue_timeout=120), name="alice")
    >>> await scheduler.start()  # doctest: +SKIP
    >>> handle = scheduler.submit(OperationKind.SCRAPE, scrape_members, "@group",
    ...                           label="members @group")  # doctest: +SKIP
    >>> members = await handle  # doctest: +SKIP
    >>> await scheduler.stop()  # doctest: +SKIP
    """

    def __init__(self, config: SchedulerConfig | None = None, *, name: str = "session") -> None:
        if config is None:
            config = SchedulerConfig()
        if not isinstance(config, SchedulerConfig):
            raise TypeError(
                f"config must be a SchedulerConfig (or a tgkit.SessionConfig), got {config!r}"
            )
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        self._config = config
        self._name = name
        #: Per kind: its priority, run timeout and queue timeout when the call gives none.
        self._defaults = {
            kind: (config.priority_for(kind), config.timeout_for(kind), config.queue_timeout)
            for kind in OperationKind
        }
        #: The last function submitted (weakly) and its default label: a function is
        #: checked once, not on every submit of it (see ``_check_new_func``).
        self._last_func: Callable[[], object] = _nothing
        self._last_label = ""
        self._status = _Status.NEW
        self._engine = Engine(config, name)
        self._engine.lock.guard = self._refuse_lock_from_inside
        self._stopped: asyncio.Future[None] | None = None

    def __repr__(self) -> str:
        running = self._engine.running
        return (
            f"<Scheduler {self._name!r} {self._status.value}: running "
            f"{running.describe() if running else 'nothing'}, {self._engine.queue.size} queued>"
        )

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Start accepting operations on the running event loop. Idempotent."""
        if self._status is _Status.STARTED:
            return
        if self._status is _Status.STOPPING:
            await self.stop()
        self._engine.bind(asyncio.get_running_loop())
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
            self._engine.stand_down(including_run_timer=False)  # a drain keeps its timeout
            self._engine.end_queued(lambda op: outcomes.closed_before_start(op, self._name))
            await self._drain()
        finally:
            self._engine.stand_down()
            self._status = _Status.STOPPED
            self._stopped.set_result(None)
            logger.debug("scheduler %r stopped", self._name)

    async def _drain(self) -> None:
        run = self._engine.running
        if run is None:
            return
        op = run
        ended = run.completion()
        closed = outcomes.closed_while_running(op, self._name, self._config.drain_timeout)
        try:
            done, _ = await asyncio.wait({ended}, timeout=_finite(self._config.drain_timeout))
            if done:
                return
            logger.info("%s did not finish within drain_timeout; cancelling it", op.describe())
            self._engine._cancel(run, error=closed)
        except asyncio.CancelledError:
            self._engine._cancel(run, error=closed)
            raise
        done, _ = await asyncio.wait({ended}, timeout=_finite(self._config.lock_timeout))
        if not done:
            logger.error(
                "%s ignored cancellation for lock_timeout (%s s); it is left running",
                op.describe(),
                self._config.lock_timeout,
            )

    # -- submitting and cancelling -----------------------------------------------

    # submit: on every operation's path; it lives in submission.py (so that this
    # module stays readable) and is this class's method.
    submit = submission.submit

    def cancel(self, op_id: str, by: str = "handle") -> bool:
        """Cancel the queued or running operation with this id; False if there is none.

        Safe from any thread, like ``OperationHandle.cancel``; ``by`` names who
        cancelled (``tgkit.errors.Cancelled.by``).

        >>> scheduler.cancel("op-7")  # doctest: +SKIP
        True
        """
        for run in self._engine.live_runs():
            if run.id == op_id:
                return self._engine._cancel_from_anywhere(run, by)
        return False

    def _check_new_func(self, func: object) -> None:
        """Check a function submit has not just seen (TypeError if it is not async) and
        remember it, weakly, with its default label: the next submit of the same
        function skips both (most submits repeat the previous one's function)."""
        if func.__class__ is not FunctionType or not func.__code__.co_flags & CO_COROUTINE:
            func = check_func(func)
        label = func.__name__ if func.__class__ is FunctionType else name_of(func)
        try:
            self._last_func = weakref.ref(func)
        except TypeError:  # not weakly referenceable: checked every time
            self._last_func = _nothing
        self._last_label = label

    def _check_open(self, inline: bool) -> None:
        status = self._status
        if status is _Status.STARTED or (inline and status is _Status.STOPPING):
            try:
                loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not self._engine.loop:
                raise RuntimeError(outcomes.wrong_loop(self._name))
            return
        raise outcomes.not_open(self._name, started=status is not _Status.NEW)

    def _refuse_lock_from_inside(self) -> None:
        op = current_operation()
        if op is not None and getattr(op, "engine", None) is self._engine and op.state is RUNNING:
            raise RuntimeError(
                f"{op.describe()} already runs under scheduler {self._name!r}'s lock; "
                "taking the lock again from inside it would deadlock"
            )

    # -- observing -----------------------------------------------------------------

    def subscribe(self, callback: Callable[[SchedulerEvent], object]) -> Callable[[], None]:
        """Call ``callback(event)`` on every queued / started / progress / finished event.

        Returns a function that unsubscribes. Callbacks run on the event loop,
        synchronously; one that raises is logged and never breaks the scheduler.

        >>> unsubscribe = scheduler.subscribe(lambda e: print(e.type, e.operation.id))
        ... # doctest: +SKIP
        """
        return self._engine.subscribers.add(callback)

    def snapshot(self, recent: int = 20) -> SchedulerSnapshot:
        """An immutable view: the lock holder, the queue in order, the ``recent`` last finished.

        >>> scheduler.snapshot().queued  # doctest: +SKIP
        (OperationView(id='op-9', ...),)
        """
        engine = self._engine
        now = engine.clock()
        running = engine.running
        return SchedulerSnapshot(
            name=self._name,
            taken_at=wall(now, engine.wall_offset),
            status=self._status.value,
            running=None if running is None else view_of(running, now),
            lock_holder=engine.lock.holder_name,
            queued=tuple(view_of(run, now) for run in engine.queue),
            recent=engine.history.recent(recent),
        )

    @property
    def history(self) -> tuple[OperationRecord, ...]:
        """Records of the last ``config.history_size`` finished operations, oldest first."""
        return self._engine.history.records()

    @property
    def name(self) -> str:
        """The name given at creation (shown in snapshots, events and errors)."""
        return self._name

    @property
    def config(self) -> SchedulerConfig:
        """The config in force, as given (a ``SchedulerConfig`` or a ``SessionConfig``)."""
        return self._config

    @property
    def status(self) -> str:
        """``"new"``, ``"started"``, ``"stopping"`` or ``"stopped"``."""
        return self._status.value

    @property
    def lock(self) -> SessionLock:
        """The session lock; ``async with scheduler.lock.hold("why"):`` excludes all operations."""
        return self._engine.lock

    @property
    def is_busy(self) -> bool:
        """True while an operation (or outside code) holds the lock."""
        return self._engine.lock.locked()

    @property
    def running(self) -> Operation | None:
        """The operation holding the lock, or None."""
        running = self._engine.running
        return None if running is None else running

    @property
    def queued_count(self) -> int:
        """How many operations wait in the queue."""
        return self._engine.queue.size


def _finite(seconds: float) -> float | None:
    return None if seconds == math.inf else seconds
