"""Telegram's rough edges on demand: lost, repeated and late pushes, and odd answer shapes.

A sandbox that never loses an update tests nothing of a client's recovery.
Telegram (and other MTProto servers) do, and tgkit must cope with each of
these, which the sandbox reproduces when a world is built with
``World(..., faults="realistic")`` or given ``world.set_faults(...)``:

=====================  ===================================================================
rate                   what happens (Telethon's MessageBox handles each as on Telegram)
=====================  ===================================================================
``lost_push``          a live update never arrives: the client sees the ``pts``/``seq``
                       gap at the next one and fetches the difference, which carries
                       the message instead of the push
``duplicate_push``     the same update arrives twice (the second is ignored by ``pts``)
``late_push``          an update arrives 0.05–1.5 s late, after newer ones: within
                       0.5 s the client waits for it, later it has already fetched the
                       difference and the late copy is a duplicate
``too_long_push``      instead of the message: ``updateChannelTooLong`` (channels) or
                       ``updatesTooLong`` (the account), so the client must get the
                       difference
``countless_history``  a ``messages.getHistory`` page is a plain ``messages.Messages``
                       (no ``count``), so the shape changes between pages
``users_left_out``     ``messages.getFullChat`` leaves a participant's ``User`` out
``empty_strings``      ``""`` for absent strings (last names, usernames), not nothing
=====================  ===================================================================

``getChannelDifference`` answers ``channelDifferenceTooLong`` whenever more
than the request's ``limit`` updates were missed (as Telegram does for user
accounts, always); ``getDifference`` answers ``differenceTooLong`` beyond
``pts_total_limit`` or ``account_difference_limit``. Rates are per push or
per answer; the draws come from a generator seeded by the world's seed, so a
world replays the same faults for the same sequence of events.

    >>> faults = Faults(seed=1, rates="realistic")
    >>> faults.rates.lost_push > 0, Faults(seed=1).rates == FaultRates()
    (True, True)
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, fields

from telethon.tl import types
from telethon.tl.tlobject import TLObject

from tgkit.sandbox.tlcompat import roundtrip

__all__ = [
    "NO_FAULTS",
    "REALISTIC",
    "FaultRates",
    "Faults",
    "PushPlan",
    "rates_of",
    "with_empty_strings",
]


@dataclass(frozen=True, slots=True)
class FaultRates:
    """How often each misbehaviour happens (0 never, 1 always); see the module docstring."""

    lost_push: float = 0.0
    duplicate_push: float = 0.0
    late_push: float = 0.0
    too_long_push: float = 0.0
    countless_history: float = 0.0
    users_left_out: float = 0.0
    empty_strings: bool = False
    account_difference_limit: int | None = None

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, float) and not 0.0 <= value <= 1.0:
                raise ValueError(f"{field.name} is a rate between 0 and 1, got {value}")
        limit = self.account_difference_limit
        if limit is not None and limit < 1:
            raise ValueError(f"account_difference_limit must be >= 1 or None, got {limit}")


NO_FAULTS = FaultRates()

#: Rates that make every recovery path run in an ordinary test, not rare ones.
REALISTIC = FaultRates(
    lost_push=0.08,
    duplicate_push=0.05,
    late_push=0.08,
    too_long_push=0.03,
    countless_history=0.3,
    users_left_out=0.1,
    empty_strings=True,
    account_difference_limit=500,
)

_NAMED = {"none": NO_FAULTS, "off": NO_FAULTS, "realistic": REALISTIC}


@dataclass(frozen=True, slots=True)
class PushPlan:
    """What becomes of one push: delivered after each delay in ``delays`` (none: lost),
    or replaced by a "too long" notice."""

    delays: tuple[float, ...] = (0.0,)
    too_long: bool = False


def rates_of(value: FaultRates | str | None) -> FaultRates:
    """``value`` as rates: a ``FaultRates``, ``"realistic"``, ``"none"`` or None."""
    if value is None:
        return NO_FAULTS
    if isinstance(value, FaultRates):
        return value
    if isinstance(value, str) and value.lower() in _NAMED:
        return _NAMED[value.lower()]
    raise ValueError(
        f"faults must be 'realistic', 'none' or a tgkit.sandbox.FaultRates, got {value!r}"
    )


class Faults:
    """The world's current rates and the seeded draws that apply them (thread-safe)."""

    def __init__(self, seed: int, rates: FaultRates | str | None = None) -> None:
        self.rates = rates_of(rates)
        self.on = self.rates != NO_FAULTS
        self._rng = random.Random(f"tgkit-faults-{seed}")
        self._lock = threading.Lock()
        self._planned: deque[PushPlan] = deque()

    def set_rates(self, rates: FaultRates | str | None) -> FaultRates:
        self.rates = rates_of(rates)
        self.on = self.rates != NO_FAULTS
        return self.rates

    def left_out(self, user_ids: list[int]) -> set[int]:
        """The users a ``getFullChat`` answer leaves out."""
        rate = self.rates.users_left_out
        return {user_id for user_id in user_ids if self.happens(rate)}

    def happens(self, rate: float) -> bool:
        """One draw: True with probability ``rate`` (no draw at all for 0 or 1)."""
        if rate <= 0.0 or rate >= 1.0:
            return rate >= 1.0
        with self._lock:
            return self._rng.random() < rate

    def plan_pushes(self, plans: Iterable[PushPlan]) -> None:
        """Script the fate of the next pushes (in order), before the rates apply again."""
        with self._lock:
            self._planned.extend(plans)

    def push_plan(self) -> PushPlan:
        """The fate of one live push: the next scripted one, else drawn from the rates."""
        with self._lock:
            if self._planned:
                return self._planned.popleft()
        rates = self.rates
        if not self.on:
            return PushPlan()
        if self.happens(rates.lost_push):
            return PushPlan(delays=())
        if self.happens(rates.too_long_push):
            return PushPlan(too_long=True)
        delay = 0.0
        if self.happens(rates.late_push):
            with self._lock:
                delay = round(self._rng.uniform(0.05, 1.5), 3)
        if self.happens(rates.duplicate_push):
            with self._lock:
                again = round(delay + self._rng.uniform(0.0, 1.0), 3)
            return PushPlan(delays=(delay, again))
        return PushPlan(delays=(delay,))


_ABSENT_AS_EMPTY: dict[type, tuple[str, ...]] = {
    types.User: ("last_name", "username", "lang_code"),
    types.UserFull: ("about",),
    types.ChatFull: ("about",),
    types.ChannelFull: ("about",),
}


def with_empty_strings(result: object) -> object:
    """``result`` read back from the wire with ``""`` for absent strings (see
    ``empty_strings``): a user without a last name has ``last_name=""``."""
    if isinstance(result, list):
        return [with_empty_strings(item) for item in result]
    if not isinstance(result, TLObject):
        return result
    copy = roundtrip(result)
    _blank(copy)
    return copy


def _blank(obj: object) -> None:
    if isinstance(obj, list):
        for item in obj:
            _blank(item)
        return
    if not isinstance(obj, TLObject):
        return
    for name in _ABSENT_AS_EMPTY.get(type(obj), ()):
        if getattr(obj, name, "") is None:
            setattr(obj, name, "")
    for value in vars(obj).values():
        if isinstance(value, TLObject | list):
            _blank(value)
