"""Telegram's flood waits on one account: which request types are blocked until when.

Telegram (and Telethon) keep a flood wait per request constructor: a wait
earned on ``messages.GetHistory`` blocks history requests only. tgkit keeps
them the same way, with one exception: the request types of a group in
``BUDGET_GROUPS`` (the join requests) share their waits, because switching
from ``channels.JoinChannel`` to ``messages.ImportChatInvite`` to get past a
join wait would be evading it.

    >>> waits = FloodWaits()
    >>> waits.record("channels.JoinChannel", until=1000.0)
    1000.0
    >>> waits.end("messages.ImportChatInvite"), waits.end("messages.GetHistory")
    (1000.0, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from tgkit.pacing.budgets import BUDGET_GROUPS

__all__ = ["FloodWaits", "check_seconds"]


class FloodWaits:
    """Request type to the epoch second its flood wait ends."""

    __slots__ = ("_until",)

    def __init__(self, until: Mapping[str, float] | None = None) -> None:
        self._until: dict[str, float] = dict(until or {})

    def record(self, request_type: str, until: float) -> float:
        """Block ``request_type`` until ``until``; a shorter wait never shortens a longer one.

        Returns the end now on record.
        """
        until = max(until, self._until.get(request_type, 0.0))
        self._until[request_type] = until
        return until

    def end(self, request_type: str) -> float:
        """When ``request_type`` is free again (0.0 if it never was blocked)."""
        group = BUDGET_GROUPS.get(request_type)
        if group is None:
            return self._until.get(request_type, 0.0)
        return max(
            (until for kind, until in self._until.items() if BUDGET_GROUPS.get(kind) == group),
            default=0.0,
        )

    def active(self, now: float) -> dict[str, float]:
        """The waits still in force at ``now``, as recorded (not widened to groups)."""
        return {kind: until for kind, until in self._until.items() if until > now}

    def __repr__(self) -> str:
        return f"FloodWaits({sorted(self._until)})"


def check_seconds(name: str, seconds: object) -> None:
    """Raise unless ``seconds`` is a finite number, 0 or more; ``name`` is the argument."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"{name} must be a number of seconds, got {type(seconds).__name__}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{name} must be a finite number of seconds, 0 or more; got {seconds}")
