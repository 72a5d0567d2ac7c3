"""Sliding-window logs: the exact form of "at most N requests in any T seconds".

A :class:`WindowLog` keeps the times of one budget's recent requests. A new
request at time ``t`` is allowed when, for every rate ``(calls, per)`` of the
budget, the ``calls``-th most recent request happened at or before
``t - per``. Then no half-open window of ``per`` seconds ever holds more than
``calls`` requests, which is the promise a token bucket cannot make (it lets a
full bucket go at once and then the drip within the same window).

    >>> from tgkit.pacing.budgets import Rate
    >>> log = WindowLog((Rate(2, 10),))
    >>> log.add(0.0); log.add(1.0)
    >>> log.next_allowed(5.0)
    (10.0, Rate(calls=2, per=10))
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import NamedTuple

from tgkit.pacing.budgets import Rate

__all__ = ["RateUsage", "WindowLog"]


class RateUsage(NamedTuple):
    """How much of one rate is used: ``used`` of ``limit`` requests in the last ``per`` s."""

    used: int
    limit: int
    per: float


class WindowLog:
    """The request times of one budget, checked against all of its rates."""

    __slots__ = ("_horizon", "_keep", "_rates", "_times")

    def __init__(self, rates: Iterable[Rate], times: Iterable[float] = ()) -> None:
        self._rates = tuple(rates)
        self._horizon = max(rate.per for rate in self._rates)
        # Only the most recent ``calls`` times of a rate decide when it frees.
        self._keep = max(rate.calls for rate in self._rates)
        self._times: list[float] = sorted(times)[-self._keep :]

    @property
    def rates(self) -> tuple[Rate, ...]:
        return self._rates

    @property
    def horizon(self) -> float:
        """The longest window: requests older than this no longer matter."""
        return self._horizon

    def add(self, at: float) -> None:
        """Count one request made at ``at`` (kept sorted even if the clock stepped back)."""
        bisect.insort(self._times, at)
        if len(self._times) > self._keep:
            del self._times[0]

    def forget_before(self, now: float) -> None:
        """Drop requests that no window ending at ``now`` or later can contain."""
        cut = bisect.bisect_right(self._times, now - self._horizon)
        if cut:
            del self._times[:cut]

    def next_allowed(self, now: float) -> tuple[float, Rate | None]:
        """The earliest time at or after ``now`` for one more request, and the rate that binds.

        The rate is ``None`` when nothing binds (the request may go at ``now``).
        """
        allowed, binding = now, None
        for rate in self._rates:
            if len(self._times) < rate.calls:
                continue
            free_at = self._times[-rate.calls] + rate.per
            if free_at > allowed:
                allowed, binding = free_at, rate
        return allowed, binding

    def usage(self, now: float) -> tuple[RateUsage, ...]:
        """For each rate, the requests inside the window that ends at ``now``."""
        return tuple(
            RateUsage(self._count_after(now - rate.per), rate.calls, rate.per)
            for rate in self._rates
        )

    def copy(self) -> WindowLog:
        return WindowLog(self._rates, self._times)

    def _count_after(self, start: float) -> int:
        return len(self._times) - bisect.bisect_right(self._times, start)

    def __len__(self) -> int:
        return len(self._times)

    def __repr__(self) -> str:
        rates = ", ".join(f"{r.calls} per {r.per:g} s" for r in self._rates)
        return f"WindowLog({rates}; {len(self._times)} recent)"
