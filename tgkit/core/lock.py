"""SessionLock: the one lock of a session. Operations hold it while they run.

Code outside the scheduler may hold it too, for work that must not overlap
any operation (a reconnect, direct use of the client)::

    async with scheduler.lock.hold("reconnect"):
        await client.connect()

Waiters are served first come, first served, and the lock is handed to the
next waiter directly on release. When nobody waits, release calls
``on_release`` so the scheduler can start the next operation at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

_OUTSIDE = "code outside the scheduler"


class SessionLock:
    """An exclusive, FIFO, non-reentrant lock that knows who holds it and since when.

    ``async with lock:`` holds it as "code outside the scheduler";
    ``async with lock.hold("reconnect"):`` names the holder (shown in
    snapshots and in ``LockTimeout`` messages).
    """

    __slots__ = ("_holder", "_since", "_waiters", "clock", "guard", "on_release")

    def __init__(
        self,
        on_release: Callable[[], None] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.on_release = on_release
        #: Called before an outside acquire; may raise to refuse it (deadlock guard).
        self.guard: Callable[[], None] | None = None
        #: Where ``held_since`` comes from (the scheduler sets its loop's clock).
        self.clock = clock
        self._holder: object | None = None
        self._since: float | None = None
        self._waiters: deque[tuple[asyncio.Future[None], object]] = deque()

    def __repr__(self) -> str:
        state = f"held by {self.holder_name}" if self.locked() else "free"
        return f"<SessionLock {state}>"

    @property
    def holder(self) -> object | None:
        """Who holds the lock: an Operation, a description, or None when free."""
        return self._holder

    @property
    def holder_name(self) -> str | None:
        """The holder as text for messages, or None when free."""
        holder = self._holder
        if holder is None:
            return None
        describe = getattr(holder, "describe", None)
        return describe() if callable(describe) else str(holder)

    @property
    def held_since(self) -> float | None:
        """When the current holder got the lock (the clock's time), or None when free."""
        return self._since

    def locked(self) -> bool:
        """True while someone holds the lock."""
        return self._holder is not None

    def try_acquire(self, holder: object, now: float | None = None) -> bool:
        """Take the lock for ``holder`` now if it is free and nobody waits; never blocks.

        ``now`` is the clock's time if the caller has just read it.
        """
        if self._holder is not None or self._waiters:
            return False
        self._holder = holder
        self._since = self.clock() if now is None else now
        return True

    def awaited(self) -> bool:
        """True while code outside the scheduler waits in ``acquire`` (it goes first)."""
        return bool(self._waiters)

    # The scheduler's engine does what hand_over does inline when one operation
    # ends and the next starts (it reads _waiters and sets _holder and _since).
    def hand_over(self, holder: object, now: float) -> None:
        """Pass the held lock straight to ``holder``: the scheduler's way from one
        operation to the next (no release, no ``on_release``). Only when nobody
        waits (``awaited()`` is False): the caller checks, this is every operation's path."""
        self._holder = holder
        self._since = now

    async def acquire(self, holder: object = _OUTSIDE) -> None:
        """Wait for the lock and take it for ``holder``."""
        if self.guard is not None:
            self.guard()
        if self.try_acquire(holder):
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append((waiter, holder))
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # it was handed to us just as we were cancelled
            else:
                self._forget(waiter)
            raise

    def release(self) -> None:
        """Give the lock to the next waiter, or free it and call ``on_release``."""
        if self._holder is None:
            raise RuntimeError("SessionLock.release() called on a lock nobody holds")
        while self._waiters:
            waiter, holder = self._waiters.popleft()
            if not waiter.done():
                self._holder = holder
                self._since = self.clock()
                waiter.set_result(None)
                return
        self._holder = None
        self._since = None
        if self.on_release is not None:
            self.on_release()

    @asynccontextmanager
    async def hold(self, holder: str = _OUTSIDE) -> AsyncIterator[None]:
        """Hold the lock for the ``async with`` block, naming the holder."""
        await self.acquire(holder)
        try:
            yield
        finally:
            self.release()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()

    def _forget(self, waiter: asyncio.Future[None]) -> None:
        self._waiters = deque(entry for entry in self._waiters if entry[0] is not waiter)
