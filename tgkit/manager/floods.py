"""The flood waits a manager has seen, per session and request type.

Sessions' pacers know their own flood waits; the manager also remembers the
ones it saw end an attempt (``FloodWait(seconds, request_type)``), so a
session is avoided for that request type even when it keeps no pacer. A
wait whose request type is unknown blocks every type on that session.

Example::

    ledger = FloodLedger()
    ledger.record("alice", "channels.GetParticipants", 300)
    ledger.remaining("alice", {"channels.GetParticipants"})   # ~300.0
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

__all__ = ["ANY_REQUEST", "FloodLedger", "loop_clock"]

ANY_REQUEST = "*"  # a flood wait whose request type is unknown blocks every type


def loop_clock() -> float:
    """The running loop's time, the clock its timers use; ``time.monotonic()`` outside a loop.

    On a standard loop both are the same clock; on a loop with a virtual clock
    (looptime, in tests) flood waits end when the loop's timers say so.
    """
    loop = asyncio._get_running_loop()  # get_running_loop without the exception
    return time.monotonic() if loop is None else loop.time()


class FloodLedger:
    """End times (on ``clock``) of flood waits, by (session, request type)."""

    def __init__(self, clock: Callable[[], float] = loop_clock) -> None:
        self._clock = clock
        self._until: dict[tuple[str, str], float] = {}

    def record(self, session: str, request_type: str | None, seconds: float) -> None:
        """``session`` may not send ``request_type`` for ``seconds`` from now."""
        key = (session, request_type or ANY_REQUEST)
        until = self._clock() + max(seconds, 0.0)
        self._until[key] = max(until, self._until.get(key, 0.0))

    def remaining(
        self,
        session: str,
        request_types: Iterable[str],
        also: Callable[[str], float] | None = None,
    ) -> float:
        """Seconds until ``session`` may send all of ``request_types``.

        ``also(request_type)`` adds what the session itself knows (its pacer).
        """
        now = self._clock()
        remaining = self._until.get((session, ANY_REQUEST), 0.0) - now
        for request_type in request_types:
            known = self._until.get((session, request_type), 0.0) - now
            remaining = max(remaining, known, also(request_type) if also else 0.0)
        return max(remaining, 0.0)

    def active(self) -> dict[str, dict[str, datetime]]:
        """Flood waits still in force: session → request type → end (UTC)."""
        now = self._clock()
        result: dict[str, dict[str, datetime]] = {}
        for (session, request_type), until in self._until.items():
            if until > now:
                result.setdefault(session, {})[request_type] = self.wall(until)
        return result

    def wall(self, moment: float) -> datetime:
        """A moment on this ledger's clock as a UTC datetime."""
        return datetime.now(UTC) + timedelta(seconds=moment - self._clock())
