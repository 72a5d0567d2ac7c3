"""Bulk generation of people, memberships and message history for a world.

Everything draws from the world's seeded ``random.Random``; only dates are
relative to the moment the world was built.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from tgkit.sandbox.model import Status, User
from tgkit.sandbox.names import Script, random_person, random_text

__all__ = ["PeopleMix", "random_dates", "random_status", "script_of"]

_SCRIPT_WEIGHTS = ((Script.LATIN, 0.62), (Script.CYRILLIC, 0.25), (Script.ARABIC, 0.13))
_STATUS_WEIGHTS = (
    (Status.ONLINE, 0.04), (Status.OFFLINE, 0.30), (Status.RECENTLY, 0.36),
    (Status.LAST_WEEK, 0.12), (Status.LAST_MONTH, 0.10), (Status.LONG_AGO, 0.08),
)


class PeopleMix:
    """How generated people look: shares of deleted accounts, bots, premium, no username."""

    __slots__ = ("bots", "deleted", "no_username", "premium")

    def __init__(
        self, *, deleted: float = 0.03, bots: float = 0.01, premium: float = 0.06,
        no_username: float = 0.35,
    ) -> None:
        self.deleted = deleted
        self.bots = bots
        self.premium = premium
        self.no_username = no_username

    def person_fields(self, rng: random.Random, now: datetime) -> dict[str, object]:
        """Keyword arguments for ``World.add_user`` describing one plausible person."""
        roll = rng.random()
        if roll < self.deleted:
            return {"first_name": "", "deleted": True, "status": Status.LONG_AGO}
        script = _weighted(rng, _SCRIPT_WEIGHTS)
        person = random_person(rng, script)
        bot = roll < self.deleted + self.bots
        username: str | None = None
        if bot:
            username = f"{person.username_stem}_{rng.randint(1, 999)}_bot"
        elif rng.random() >= self.no_username:
            username = f"{person.username_stem}{rng.randint(10, 9999)}"
        status, last_seen = random_status(rng, now)
        return {
            "first_name": person.first_name + (" Bot" if bot else ""),
            "last_name": None if bot else person.last_name,
            "username": username,
            "bot": bot,
            "premium": (not bot) and rng.random() < self.premium,
            "status": status,
            "last_seen": last_seen,
        }


def random_status(rng: random.Random, now: datetime) -> tuple[Status, datetime | None]:
    status = _weighted(rng, _STATUS_WEIGHTS)
    if status is Status.OFFLINE:
        return status, now - timedelta(seconds=rng.randint(60, 3 * 86400))
    return status, None


def random_dates(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """``count`` sorted whole-second dates between ``start`` and ``end``."""
    span = max(0, int((end - start).total_seconds()))
    offsets = sorted(rng.randint(0, span) for _ in range(count))
    return [start + timedelta(seconds=offset) for offset in offsets]


def script_of(user: User | None) -> Script:
    """The script a user's name is written in (Latin when unknown)."""
    if user is None or not user.first_name:
        return Script.LATIN
    char = user.first_name[0]
    if "\u0400" <= char <= "\u04ff":
        return Script.CYRILLIC
    if "\u0600" <= char <= "\u06ff":
        return Script.ARABIC
    return Script.LATIN


def message_text(rng: random.Random, author: User | None) -> str:
    return random_text(rng, script_of(author))


def _weighted(rng: random.Random, weights: tuple[tuple[object, float], ...]):
    roll = rng.random()
    for value, weight in weights:
        roll -= weight
        if roll < 0:
            return value
    return weights[-1][0]
