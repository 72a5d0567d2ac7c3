"""What the pacer shows and what it needs: snapshots, events and the store seam.

These are plain records so a dashboard or a history frame can read pacing
state without touching the :class:`tgkit.pacing.Pacer` itself.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, runtime_checkable

from tgkit.pacing.window import RateUsage

logger = logging.getLogger("tgkit.pacing")

__all__ = [
    "Listeners",
    "PacingEvent",
    "PacingEventKind",
    "PacingListener",
    "PacingSnapshot",
    "PacingStore",
    "RateUsage",
    "WaitReason",
    "Waiting",
]


class WaitReason(enum.Enum):
    """Why a request is held back."""

    BUDGET = "budget"  # tgkit's own per-type budget is used up for now
    FLOOD = "flood"  # Telegram asked this account to wait on this request type


class PacingEventKind(enum.Enum):
    WAIT_STARTED = "wait_started"  # also sent when a wait's reason or end changes
    WAIT_ENDED = "wait_ended"
    FLOOD_RECORDED = "flood_recorded"


class Waiting(NamedTuple):
    """One caller held back: its ``request_type`` may go at ``until`` (epoch seconds)."""

    request_type: str
    until: float


@dataclass(frozen=True, slots=True)
class PacingEvent:
    """Pushed to :meth:`Pacer.subscribe` callbacks.

    ``reason`` is set for waits and ``None`` for ``FLOOD_RECORDED``.
    """

    kind: PacingEventKind
    request_type: str
    until: float
    reason: WaitReason | None = None


@dataclass(frozen=True, slots=True)
class PacingSnapshot:
    """An immutable view of one account's pacing at ``taken_at`` (epoch seconds).

    - ``waiting``: every caller held back right now, oldest first per budget,
      as ``(request_type, until)``; ``until`` for callers queued behind others
      is the slot they will get if no new flood wait arrives.
    - ``flood_waits``: request type to the end of its active flood wait.
    - ``usage``: budget name to one :class:`RateUsage` ``(used, limit, per)``
      per rate of that budget.

    Example::

        snap = pacer.snapshot()
        for request_type, until in snap.waiting:
            print(request_type, "in", round(until - snap.taken_at), "s")
    """

    taken_at: float
    enabled: bool
    waiting: tuple[Waiting, ...]
    flood_waits: Mapping[str, float]
    usage: Mapping[str, tuple[RateUsage, ...]]


PacingListener = Callable[[PacingEvent], None]


class Listeners:
    """The callbacks subscribed to one pacer; a failing callback is logged, not raised."""

    __slots__ = ("_callbacks",)

    def __init__(self) -> None:
        self._callbacks: list[PacingListener] = []

    def subscribe(self, callback: PacingListener) -> Callable[[], None]:
        if not callable(callback):
            raise TypeError(f"subscribe(callback) needs a callable, got {type(callback).__name__}")
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def emit(self, event: PacingEvent) -> None:
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                logger.exception("a pacing subscriber failed on %s", event.kind.value)


@runtime_checkable
class PacingStore(Protocol):
    """Where flood waits and recent request times outlive the process.

    ``tgkit.store.Store`` implements it. Times are epoch seconds.
    """

    def save_flood_wait(self, account: str, request_type: str, until: float) -> None: ...

    def flood_waits(self, account: str, *, now: float | None = None) -> dict[str, float]: ...

    def record_requests(self, account: str, requests: Sequence[tuple[str, float]]) -> None:
        """Record ``(budget name, epoch)`` pairs for requests just sent."""
        ...

    def recent_requests(self, account: str, since: float) -> list[tuple[str, float]]: ...
