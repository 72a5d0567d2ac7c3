"""Pacing: per-account, per-request-type budgets and Telegram's flood waits.

Every request an account sends first awaits :meth:`Pacer.acquire` with its
request type (Telethon's ``QUALNAME`` without ``Request``)::

    pacer = Pacer("alice", store=store)
    await pacer.acquire("channels.GetParticipants")   # may wait, visibly
    try:
        result = await client(request)
    except FloodWaitError as e:
        pacer.record_flood_wait("channels.GetParticipants", e.seconds)

**Budgets are sliding-window logs, not token buckets.** A budget's rates
(``tgkit.pacing.budgets``) mean "at most ``calls`` requests in *any* ``per``
seconds". aiolimiter's leaky bucket lets a full bucket go at once and then
drips more within the same window, so a 24-per-30 s bucket can send ~48 in
30 s, which is exactly the burst that earns flood waits. A log of the last
requests' times (:class:`tgkit.pacing.window.WindowLog`) gives the strict
guarantee, stays small (the times within the longest window), and persists
naturally: the times go to the store, so a kernel restart does not reset a
budget.

**Fairness.** Callers of one budget are served first come, first served. A
caller whose request type is under a flood wait steps aside (it keeps its
place for when the wait ends) so that other types in the same budget keep
going.

**Flood waits are per request type**, as Telegram and Telethon keep them
(per constructor): a wait on ``messages.GetHistory`` holds back history
requests only. The one exception is a group in ``BUDGET_GROUPS`` (joins):
a wait earned by one join request also holds back the others, since
switching join methods to dodge a wait would be evading it. A wait longer
than ``flood_sleep_max`` raises :class:`tgkit.errors.FloodWait` at once;
shorter ones are waited out. Waits are saved to the store, so an account
that earned a 3-hour wait is still waiting after a restart.

**Visible waits.** While a caller waits, :meth:`Pacer.snapshot` lists it with
the time it may go, subscribers get events, waits over a second are logged
at INFO, and the running operation's ``report`` counts its requests and the
seconds it waited on budgets and on flood waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from tgkit.errors import FloodWait
from tgkit.pacing.budgets import DEFAULT_BUDGETS, Rate, budget_name, check_budgets
from tgkit.pacing.clock import epoch_clock
from tgkit.pacing.floods import FloodWaits, check_seconds
from tgkit.pacing.report import add_to_report
from tgkit.pacing.state import (
    Listeners,
    PacingEvent,
    PacingEventKind,
    PacingListener,
    PacingSnapshot,
    PacingStore,
    Waiting,
    WaitReason,
)
from tgkit.pacing.tickets import Ticket, is_turn, log_wait, planned_slot, sleep_or_change
from tgkit.pacing.window import RateUsage, WindowLog

if TYPE_CHECKING:
    from tgkit.pacing.settings import PacingSettings

__all__ = [
    "Pacer",
    "PacingEvent",
    "PacingEventKind",
    "PacingSnapshot",
    "PacingStore",
    "RateUsage",
    "WaitReason",
    "Waiting",
]

logger = logging.getLogger(__name__)

class Pacer:
    """Holds one account's requests to its budgets and to Telegram's flood waits.

    ``budgets`` maps a budget name (a request type, a ``BUDGET_GROUPS`` group
    or ``"*"`` for everything else) to its rates. ``clock`` returns epoch
    seconds (waits are saved as epochs; the default follows the event loop's
    clock, see ``tgkit.pacing.clock``); ``sleep`` is awaited for waits.
    Both are replaceable so tests can drive time. With ``enabled=False`` only
    flood waits hold requests back.

    Example::

        pacer = Pacer("alice")
        await pacer.acquire("contacts.ResolveUsername")
        pacer.snapshot().usage["contacts.ResolveUsername"]
        # (RateUsage(used=1, limit=20, per=60), RateUsage(used=1, limit=60, per=3600))
    """

    def __init__(
        self,
        account: str,
        budgets: Mapping[str, tuple[Rate, ...]] = DEFAULT_BUDGETS,
        *,
        flood_sleep_max: float = 60.0,
        store: PacingStore | None = None,
        clock: Callable[[], float] = epoch_clock,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        enabled: bool = True,
    ) -> None:
        _check_account(account)
        check_budgets(budgets)
        check_seconds("flood_sleep_max", flood_sleep_max)
        self._account = account
        self._budgets = MappingProxyType({name: tuple(rates) for name, rates in budgets.items()})
        self._flood_sleep_max = float(flood_sleep_max)
        self._store = store
        self._clock = clock
        self._sleep = sleep
        self._enabled = enabled
        self._logs = {name: WindowLog(rates) for name, rates in self._budgets.items()}
        self._queues: dict[str, deque[Ticket]] = defaultdict(deque)
        self._floods = FloodWaits()
        self._listeners = Listeners()
        if store is not None:
            self._load(store)

    @classmethod
    def from_config(
        cls, account: str, config: PacingSettings, *, store: PacingStore | None = None
    ) -> Pacer:
        """The pacer for ``config`` (a ``PacingSettings``, e.g. a ``SessionConfig``).

        Example::

            pacer = Pacer.from_config("alice", SessionConfig(pacing=False), store=store)
        """
        return cls(
            account,
            config.budgets,
            flood_sleep_max=config.flood_sleep_max,
            store=store,
            enabled=config.pacing,
        )

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def flood_sleep_max(self) -> float:
        return self._flood_sleep_max

    # -- acquiring ---------------------------------------------------------------

    async def acquire(self, request_type: str) -> None:
        """Wait until one ``request_type`` request may be sent, and count it.

        Raises :class:`tgkit.errors.FloodWait` at once when a flood wait on
        this type has more than ``flood_sleep_max`` seconds left.

        Example::

            await pacer.acquire("messages.GetHistory")
            page = await client(GetHistoryRequest(...))
        """
        _check_request_type(request_type)
        budget = budget_name(request_type, self._budgets)
        if not self._queues.get(budget) and self._go_now(request_type, budget):
            add_to_report(request_type)
            return
        ticket = Ticket(request_type, budget)
        queue = self._queues[budget]
        queue.append(ticket)
        sent = None
        try:
            await self._wait_for_slot(ticket)
            self._count(ticket)
            sent = request_type
        finally:
            queue.remove(ticket)
            # Leaving as planned hands the turn on; leaving early changes everyone's plan.
            self._wake(ticket.budget, everyone=sent is None)
            self._end_wait(ticket)
            add_to_report(
                sent,
                budget_wait_s=ticket.waited[WaitReason.BUDGET],
                flood_wait_s=ticket.waited[WaitReason.FLOOD],
            )

    def _go_now(self, request_type: str, budget: str) -> bool:
        """The fast path: with nobody queued on ``budget``, count one request if it may go now.

        The same decision as a lone ticket's first look in ``_wait_for_slot``
        (no flood wait in force, the budget's next slot already open), without
        the ticket, its event and the queue a caller that waits needs.
        """
        now = self._clock()
        if self._floods.end(request_type) > now:
            return False
        if self._enabled:
            log = self._logs[budget]
            if log.next_allowed(now)[0] > now:
                return False
            self._count_at(budget, log, now)
        return True

    async def _wait_for_slot(self, ticket: Ticket) -> None:
        while True:
            now = self._clock()
            flood_until = self._floods.end(ticket.request_type)
            if flood_until - now > self._flood_sleep_max:
                raise FloodWait(flood_until - now, ticket.request_type)
            if flood_until > now:
                self._begin_wait(ticket, WaitReason.FLOOD, flood_until, None)
                await self._wait(ticket, WaitReason.FLOOD, deadline=flood_until)
                continue
            queue = self._queues[ticket.budget]
            until, rate = (
                planned_slot(queue, ticket, self._logs[ticket.budget], self._floods, now)
                if self._enabled
                else (now, None)
            )
            my_turn = is_turn(queue, ticket, self._floods, now)
            if my_turn and until <= now:
                return
            self._begin_wait(ticket, WaitReason.BUDGET, until, rate)
            # Callers behind another one wait for it to leave, not for a time.
            await self._wait(ticket, WaitReason.BUDGET, deadline=until if my_turn else None)

    async def _wait(self, ticket: Ticket, reason: WaitReason, *, deadline: float | None) -> None:
        """Sleep until ``deadline`` or until woken because the ticket's budget changed."""
        changed = ticket.wake
        changed.clear()
        started = self._clock()
        try:
            if deadline is None:
                await changed.wait()
            else:
                await sleep_or_change(self._sleep, deadline - started, changed)
        finally:
            ticket.waited[reason] += max(0.0, self._clock() - started)

    def _wake(self, budget: str, *, everyone: bool) -> None:
        """Wake the budget's waiters to look again: all, or the next caller whose turn it is."""
        now = self._clock()
        for ticket in self._queues[budget]:
            if everyone:
                ticket.wake.set()
            elif self._floods.end(ticket.request_type) <= now:
                ticket.wake.set()
                return

    def _count(self, ticket: Ticket) -> None:
        if self._enabled:
            self._count_at(ticket.budget, self._logs[ticket.budget], self._clock())

    def _count_at(self, budget: str, log: WindowLog, now: float) -> None:
        log.add(now)
        log.forget_before(now)
        if self._store is not None:
            self._persist("record_requests", self._store.record_requests, [(budget, now)])

    # -- flood waits -------------------------------------------------------------

    def record_flood_wait(self, request_type: str, seconds: float) -> None:
        """Remember that Telegram asked to wait ``seconds`` before more ``request_type``.

        The wait is saved to the store. A shorter wait never shortens one
        already recorded.

        Example::

            except FloodWaitError as e:
                pacer.record_flood_wait("contacts.ResolveUsername", e.seconds)
        """
        _check_request_type(request_type)
        check_seconds("seconds", seconds)
        until = self._floods.record(request_type, self._clock() + seconds)
        logger.info("Telegram asked to wait %.0f s before more %s", seconds, request_type)
        if self._store is not None:
            self._persist("save_flood_wait", self._store.save_flood_wait, request_type, until)
        for budget in self._queues:
            self._wake(budget, everyone=True)
        self._listeners.emit(PacingEvent(PacingEventKind.FLOOD_RECORDED, request_type, until))

    def flood_wait_remaining(self, request_type: str) -> float:
        """Seconds until ``request_type`` may be sent again as far as flood waits go (0 if free).

        Example::

            if pacer.flood_wait_remaining("channels.JoinChannel") > 600:
                print("joins are blocked for a while")
        """
        _check_request_type(request_type)
        return max(0.0, self._floods.end(request_type) - self._clock())

    # -- state -------------------------------------------------------------------

    def snapshot(self) -> PacingSnapshot:
        """An immutable view: who waits until when, active flood waits, budget usage.

        Example::

            snap = pacer.snapshot()
            snap.flood_waits      # {"messages.GetHistory": 1718000000.0}
            snap.usage["join"]    # (RateUsage(used=2, limit=3, per=300),)
        """
        now = self._clock()
        waiting = tuple(
            Waiting(ticket.request_type, ticket.until)
            for queue in self._queues.values()
            for ticket in queue
            if ticket.reason is not None and ticket.until is not None
        )
        floods = self._floods.active(now)
        usage = {name: log.usage(now) for name, log in self._logs.items()}
        return PacingSnapshot(
            taken_at=now,
            enabled=self._enabled,
            waiting=waiting,
            flood_waits=MappingProxyType(floods),
            usage=MappingProxyType(usage),
        )

    def subscribe(self, callback: PacingListener) -> Callable[[], None]:
        """Call ``callback(event)`` when a wait starts or ends and when a flood wait is recorded.

        Returns a function that unsubscribes. A callback that raises is
        logged and kept.

        Example::

            stop = pacer.subscribe(lambda event: print(event.kind, event.request_type))
            ...
            stop()
        """
        return self._listeners.subscribe(callback)

    def _begin_wait(
        self, ticket: Ticket, reason: WaitReason, until: float, rate: Rate | None
    ) -> None:
        if ticket.reason is reason and ticket.until == until:
            return
        if ticket.reason is not reason:
            log_wait(ticket, reason, until - self._clock(), rate)
        ticket.reason, ticket.until = reason, until
        self._listeners.emit(
            PacingEvent(PacingEventKind.WAIT_STARTED, ticket.request_type, until, reason)
        )

    def _end_wait(self, ticket: Ticket) -> None:
        if ticket.reason is None:
            return
        event = PacingEvent(
            PacingEventKind.WAIT_ENDED, ticket.request_type, self._clock(), ticket.reason
        )
        ticket.reason, ticket.until = None, None
        self._listeners.emit(event)

    # -- persistence -------------------------------------------------------------

    def _load(self, store: PacingStore) -> None:
        now = self._clock()
        horizon = max(log.horizon for log in self._logs.values())
        for name, at in store.recent_requests(self._account, now - horizon):
            if name in self._logs:
                self._logs[name].add(at)
        for request_type, until in store.flood_waits(self._account, now=now).items():
            if until > now:
                self._floods.record(request_type, until)

    def _persist(self, what: str, method: Callable[..., None], *args: Any) -> None:
        # Pacing keeps working from memory if the store fails; the next run
        # merely knows less of the past.
        try:
            method(self._account, *args)
        except Exception as error:
            logger.warning("could not save pacing state (%s): %s", what, error)

    def __repr__(self) -> str:
        waiting = sum(len(queue) for queue in self._queues.values())
        floods = len(self._floods.active(self._clock()))
        state = "on" if self._enabled else "off"
        return f"<Pacer pacing={state} waiting={waiting} flood_waits={floods}>"


def _check_account(account: object) -> None:
    if not isinstance(account, str) or not account:
        raise ValueError("Pacer(account=...) must be a non-empty string naming the account")


def _check_request_type(request_type: object) -> None:
    if not isinstance(request_type, str) or not request_type:
        raise ValueError(
            f"request_type must be a request name such as 'messages.GetHistory', "
            f"got {request_type!r}"
        )
