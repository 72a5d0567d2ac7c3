"""DeadlineTimer: one loop timer serving many deadlines.

The scheduler has many deadlines (every queued operation's expiry, the
running operation's timeout, the lock guard) but needs at most one timer for
each kind: armed for the earliest deadline known, moved only when an earlier
one arrives, and, when it fires, re-armed by its callback for whatever is
due next. Nothing polls; an idle scheduler leaves no timer behind.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable


class DeadlineTimer:
    """Calls ``callback()`` at the earliest deadline it was armed for.

    >>> timer = DeadlineTimer(expire_due)  # doctest: +SKIP
    >>> timer.bind(loop); timer.arm(loop.time() + 60)  # doctest: +SKIP
    """

    __slots__ = ("_callback", "_handle", "_loop", "at")

    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback = callback
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        #: When it fires (loop time), or ``inf`` when not armed.
        self.at = math.inf

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Use ``loop`` from now on (times are its ``time()``)."""
        self.cancel()
        self._loop = loop

    def arm(self, deadline: float) -> None:
        """Fire at ``deadline`` if that is earlier than the deadline already armed."""
        if deadline >= self.at or self._loop is None:
            return
        if self._handle is not None:
            self._handle.cancel()
        self.at = deadline
        self._handle = self._loop.call_at(deadline, self._fire)

    def cancel(self) -> None:
        """Disarm."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.at = math.inf

    def _fire(self) -> None:
        self._handle = None
        self.at = math.inf
        self._callback()
