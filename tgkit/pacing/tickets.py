"""The callers waiting on one budget: their tickets, whose turn it is, and when each may go.

A caller of :meth:`tgkit.pacing.Pacer.acquire` that cannot send at once
takes a :class:`Ticket` and joins its budget's queue (first come, first
served). A ticket whose request type is under a flood wait steps aside but
keeps its place, so the others in the budget keep going. Each waiting
ticket knows the time it may go *if every caller ahead of it goes as soon as
allowed*: that is what the widgets show, so it is planned on a copy of the
budget's log, never guessed.

    >>> from collections import deque
    >>> from tgkit.pacing.budgets import Rate
    >>> from tgkit.pacing.floods import FloodWaits
    >>> from tgkit.pacing.window import WindowLog
    >>> first, second = Ticket("messages.GetHistory", "*"), Ticket("messages.GetHistory", "*")
    >>> queue = deque([first, second])
    >>> log = WindowLog((Rate(1, 10),))
    >>> log.add(0.0)
    >>> planned_slot(queue, second, log, FloodWaits(), now=1.0)
    (20.0, Rate(calls=1, per=10))
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tgkit.pacing.budgets import Rate
from tgkit.pacing.floods import FloodWaits
from tgkit.pacing.state import WaitReason
from tgkit.pacing.window import WindowLog

__all__ = ["LOG_WAITS_OVER_S", "Ticket", "is_turn", "log_wait", "planned_slot", "sleep_or_change"]

logger = logging.getLogger(__name__)

#: Waits shorter than this are not logged (they happen all the time while paging).
LOG_WAITS_OVER_S = 1.0


@dataclass(eq=False, slots=True)
class Ticket:
    """One caller of ``Pacer.acquire``, from arrival until it may send."""

    request_type: str
    budget: str
    reason: WaitReason | None = None
    until: float | None = None
    waited: dict[WaitReason, float] = field(default_factory=lambda: defaultdict(float))
    wake: asyncio.Event = field(default_factory=asyncio.Event)


def is_turn(queue: deque[Ticket], ticket: Ticket, floods: FloodWaits, now: float) -> bool:
    """Is ``ticket`` the first caller of its budget not held by a flood wait?"""
    for other in queue:
        if floods.end(other.request_type) <= now:
            return other is ticket
    return False


def planned_slot(
    queue: deque[Ticket], ticket: Ticket, log: WindowLog, floods: FloodWaits, now: float
) -> tuple[float, Rate | None]:
    """When ``ticket`` may go if every caller ahead of it goes as soon as allowed."""
    ahead = []
    for other in queue:
        if other is ticket:
            break
        if floods.end(other.request_type) <= now:
            ahead.append(other)
    if ahead:
        log = log.copy()
    at = now
    for _ in ahead:
        at, _rate = log.next_allowed(at)
        log.add(at)
    return log.next_allowed(at)


async def sleep_or_change(
    sleep: Callable[[float], Awaitable[None]], delay: float, changed: asyncio.Event
) -> None:
    """Sleep ``delay`` seconds with ``sleep``, or less if ``changed`` is set meanwhile."""
    sleeper = asyncio.ensure_future(sleep(delay))
    watcher = asyncio.ensure_future(changed.wait())
    try:
        await asyncio.wait((sleeper, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        sleeper.cancel()
        watcher.cancel()


def log_wait(ticket: Ticket, reason: WaitReason, seconds: float, rate: Rate | None) -> None:
    """Log at INFO a wait longer than :data:`LOG_WAITS_OVER_S`, naming what it waits for."""
    if seconds <= LOG_WAITS_OVER_S:
        return
    if reason is WaitReason.FLOOD:
        logger.info("waiting %.1f s for Telegram's flood wait on %s", seconds, ticket.request_type)
    elif rate is not None:
        logger.info(
            "waiting %.1f s for the %s budget (%d per %g s)",
            seconds,
            ticket.budget,
            rate.calls,
            rate.per,
        )
    else:
        logger.info("waiting %.1f s for the %s budget", seconds, ticket.budget)
