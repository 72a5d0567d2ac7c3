"""LockGuard: no operation waits forever for a lock held outside the scheduler.

Code outside the scheduler may hold the session lock (``async with
scheduler.lock.hold("reconnect"):``). If it holds it too long, most likely
it is awaiting an operation of the same scheduler inside that block, a
deadlock. The guard gives every queued operation at most ``lock_timeout``
of waiting for such a holder (counted from when it was queued, or when the
holder took the lock, whichever is later) and then ends it EXPIRED with
``LockTimeout``. One timer serves the whole queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tgkit.core import outcomes
from tgkit.core.errors import LockTimeout
from tgkit.core.lock import SessionLock
from tgkit.core.operation import Operation
from tgkit.core.queue import OperationQueue
from tgkit.core.run import Run
from tgkit.core.timers import DeadlineTimer


class LockGuard:
    """Expires queued operations that waited ``limit`` seconds for an outside lock holder.

    ``expire(run, error)`` is how the engine ends one.
    """

    __slots__ = ("_clock", "_expire", "_limit", "_lock", "_queue", "_timer")

    def __init__(
        self,
        lock: SessionLock,
        queue: OperationQueue,
        limit: float,
        expire: Callable[[Run, LockTimeout], None],
    ) -> None:
        self._lock = lock
        self._queue = queue
        self._limit = limit
        self._expire = expire
        self._clock = lock.clock
        self._timer = DeadlineTimer(self._due)

    def bind(self, loop: asyncio.AbstractEventLoop, clock: Callable[[], float]) -> None:
        """Use ``loop`` and its ``clock`` from now on."""
        self._timer.bind(loop)
        self._clock = clock

    def watch(self) -> None:
        """The queue waits for an outside holder: arm for the first operation to give up."""
        since = self._outside_since()
        if since is None or not self._queue.size:
            return
        first_queued = min(run.queued_at for run in self._queue)
        self._timer.arm(max(first_queued, since) + self._limit)

    def cancel(self) -> None:
        """The lock came back (or the scheduler stops): stand down."""
        self._timer.cancel()

    def _outside_since(self) -> float | None:
        holder = self._lock.holder
        if holder is None or isinstance(holder, Operation):
            return None
        return self._lock.held_since

    def _due(self) -> None:
        since = self._outside_since()
        if since is None:
            return
        now = self._clock()
        holder = self._lock.holder_name or "someone"
        for run in list(self._queue):
            op = run
            if max(op.queued_at, since) + self._limit > now:
                continue
            self._queue.discard(run)
            waited = now - op.queued_at
            self._expire(
                run, outcomes.lock_held_outside(op, waited, holder, now - since, self._limit)
            )
        self.watch()
