"""Faults on demand: per-account flood limits and one-off errors.

Flood limits count per account and per method over a sliding window, as
Telegram's do: with ``calls=30, per=30, wait=3`` the 31st call within 30 s
fails with ``FLOOD_WAIT_3`` and that account's calls of that method keep
failing (with the seconds left) until the wait is over; other methods and
other accounts are unaffected.

    >>> limits = FloodLimits(clock=lambda: 0.0)
    >>> _ = limits.set("messages.GetHistory", calls=1, per=30, wait=3)
    >>> limits.check("messages.GetHistory", account=1) is None
    True
    >>> limits.check("messages.GetHistory", account=1)
    3
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FloodLimit", "FloodLimits", "OneOffErrors"]


@dataclass(frozen=True, slots=True)
class FloodLimit:
    """At most ``calls`` calls per ``per`` seconds; then a wait of ``wait`` seconds."""

    method: str
    calls: int
    per: float
    wait: int


class FloodLimits:
    """Sliding-window flood limits keyed by (account, method)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._limits: dict[str, FloodLimit] = {}
        self._calls: dict[tuple[int, str], deque[float]] = {}
        self._blocked_until: dict[tuple[int, str], float] = {}

    def set(self, method: str, *, calls: int, per: float, wait: int) -> FloodLimit:
        if calls < 0 or per <= 0 or wait < 0:
            raise ValueError(
                f"flood_limit({method!r}) needs calls >= 0, per > 0 and wait >= 0; "
                f"got calls={calls}, per={per}, wait={wait}"
            )
        limit = FloodLimit(method, calls, per, int(wait))
        self._limits[method] = limit
        return limit

    def remove(self, method: str | None = None) -> None:
        """Forget one method's limit (or all of them) and its counters."""
        methods = set(self._limits) if method is None else {method}
        for name in methods:
            self._limits.pop(name, None)
        for key in [key for key in self._calls if key[1] in methods]:
            del self._calls[key]
        for key in [key for key in self._blocked_until if key[1] in methods]:
            del self._blocked_until[key]

    def check(self, method: str, account: int) -> int | None:
        """Record a call; return the seconds to wait if it is over the limit."""
        limit = self._limits.get(method)
        if limit is None:
            return None
        key = (account, method)
        now = self._clock()
        until = self._blocked_until.get(key)
        if until is not None:
            if now < until:
                return max(1, math.ceil(round(until - now, 6)))
            del self._blocked_until[key]
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0] <= now - limit.per:
            calls.popleft()
        if len(calls) >= limit.calls:
            calls.clear()
            self._blocked_until[key] = now + limit.wait
            return limit.wait
        calls.append(now)
        return None


_Error = str | type[BaseException] | BaseException


@dataclass(frozen=True, slots=True)
class _Planned:
    method: str
    error: _Error
    account: int | None


class OneOffErrors:
    """Errors planned for the next call of a method (optionally by one account)."""

    def __init__(self) -> None:
        self._planned: list[_Planned] = []

    def add(self, method: str, error: _Error, account: int | None) -> None:
        self._planned.append(_Planned(method, error, account))

    def take(self, method: str, account: int | None) -> _Error | None:
        for index, planned in enumerate(self._planned):
            if planned.method == method and planned.account in (None, account):
                del self._planned[index]
                return planned.error
        return None

    def clear(self) -> None:
        self._planned.clear()
