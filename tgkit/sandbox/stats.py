"""Request counts by method and account, for asserting what an operation cost.

    >>> stats = RequestStats()
    >>> stats[(1, "messages.GetHistory")] += 2
    >>> stats.count("messages.GetHistory"), stats.count("messages.GetHistory", user=2)
    (2, 0)
"""

from __future__ import annotations

from collections import Counter

from tgkit.sandbox.model import User

__all__ = ["RequestStats"]


class RequestStats(Counter[tuple[int | None, str]]):
    """A ``Counter`` keyed by ``(account_user_id, method)``; None is a not-logged-in client."""

    def count(self, method: str | None = None, *, user: User | int | None = None) -> int:
        """Requests of ``method`` (all methods if None), by ``user`` (everyone if None)."""
        user_id = user.id if isinstance(user, User) else user
        return sum(
            number for (account, name), number in self.items()
            if (method is None or name == method) and (user_id is None or account == user_id)
        )

    def by_method(self) -> Counter[str]:
        """Totals per method over all accounts."""
        totals: Counter[str] = Counter()
        for (_, name), number in self.items():
            totals[name] += number
        return totals
