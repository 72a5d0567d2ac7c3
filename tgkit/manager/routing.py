"""Which session an operation goes to: the routing policy, free of Telegram.

The dispatcher describes each session as a ``Candidate`` (is it idle, how
long would a new operation wait there, is it in a flood wait for a request
type the operation needs, can it reach the target) and ``choose_session``
picks one:

1. never a session that cannot reach the target (a private chat it is not
   in and cannot join, a chat it is banned from);
2. never a session in a flood wait for a request type the operation needs;
   when every reachable session is waiting, wait for the earliest to end;
3. among the rest: members of a private target before sessions that would
   have to join it, then an idle session, then the shortest expected wait,
   then a session this operation has not yet hit a flood wait on, then the
   least recently chosen.

``DurationEstimator`` turns a session's queue into an expected wait from the
operation durations observed so far (the kind's timeout until one is seen).

Example::

    decision = choose_session([
        Candidate("alice", idle=False, expected_wait=30.0),
        Candidate("bob", idle=True, expected_wait=0.0),
    ])
    decision.session  # "bob"
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tgkit.core import OperationKind

__all__ = ["Candidate", "Decision", "DurationEstimator", "Reach", "choose_session"]


class Reach(enum.Enum):
    """What a session knows about reaching an operation's target."""

    MEMBER = "member"  # it is in the chat
    OPEN = "open"  # nothing known against it (a public chat, or not yet tried)
    CAN_JOIN = "can_join"  # not a member, but the operation joins (an invite it holds)
    UNREACHABLE = "unreachable"  # private and not joinable, or banned: never route here

    @property
    def rank(self) -> int:
        """Lower is better: members first, then open, then joining."""
        return {"member": 0, "open": 0, "can_join": 1, "unreachable": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One session as the router sees it for one operation.

    ``flood_wait`` is the seconds left of the longest flood wait among the
    request types the operation needs (0: none). ``tried`` says this
    operation already hit a flood wait on this session. ``order`` breaks
    ties (lower: chosen longer ago).
    """

    name: str
    idle: bool
    expected_wait: float
    flood_wait: float = 0.0
    reach: Reach = Reach.OPEN
    tried: bool = False
    order: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    """The router's answer: a session, a time to wait, or why neither.

    Exactly one of ``session`` and ``wait`` is set, or neither when no
    session can ever take the operation (``reason`` says why).
    """

    session: str | None
    wait: float | None = None
    reason: str = ""


def choose_session(candidates: Iterable[Candidate]) -> Decision:
    """Pick the session an operation should go to now (see module docstring)."""
    usable = [c for c in candidates if c.reach is not Reach.UNREACHABLE]
    if not usable:
        return Decision(None, None, "no session can reach the target")
    free = [c for c in usable if c.flood_wait <= 0]
    if not free:
        earliest = min(usable, key=lambda c: c.flood_wait)
        return Decision(
            None,
            earliest.flood_wait,
            f"every session is in a flood wait; {earliest.name} is free in "
            f"{earliest.flood_wait:.1f} s",
        )
    best = min(free, key=_preference)
    return Decision(best.name, None, "idle" if best.idle else "shortest expected wait")


def _preference(c: Candidate) -> tuple[int, bool, float, bool, int]:
    return (c.reach.rank, not c.idle, c.expected_wait, c.tried, c.order)


class DurationEstimator:
    """Expected run time per operation kind, learnt from finished operations.

    An exponentially weighted mean of observed run times (``weight`` for the
    newest); until a kind is observed, ``fallback(kind)`` (the kind's
    timeout: pessimistic, but equal for every session, so the order of
    sessions stays right).

    Example::

        estimate = DurationEstimator(lambda kind: kind.default_timeout)
        estimate.observe(OperationKind.SCRAPE, 12.0)
        estimate.queue_wait(running=(OperationKind.SCRAPE, 4.0), queued=[])  # 8.0
    """

    def __init__(
        self, fallback: Callable[[OperationKind], float], *, weight: float = 0.3
    ) -> None:
        if not 0 < weight <= 1:
            raise ValueError(f"weight must be in (0, 1], got {weight!r}")
        self._fallback = fallback
        self._weight = weight
        self._means: dict[OperationKind, float] = {}

    def observe(self, kind: OperationKind, seconds: float) -> None:
        """Learn from an operation of ``kind`` that ran ``seconds``."""
        if seconds < 0:
            return
        mean = self._means.get(kind)
        self._means[kind] = (
            seconds if mean is None else mean + self._weight * (seconds - mean)
        )

    def expected(self, kind: OperationKind) -> float:
        """Expected run time of one operation of ``kind``."""
        mean = self._means.get(kind)
        return self._fallback(kind) if mean is None else mean

    def remaining(self, kind: OperationKind, elapsed: float) -> float:
        """Expected time left of an operation of ``kind`` running for ``elapsed``.

        One that overran its expectation is assumed close to its end (a tenth
        of the expectation), never at zero, so a busy session never looks idle.
        """
        expected = self.expected(kind)
        return max(expected - elapsed, expected * 0.1)

    def queue_wait(
        self,
        *,
        running: tuple[OperationKind, float] | None,
        queued: Sequence[OperationKind],
    ) -> float:
        """How long an operation handed to a session now would wait to start.

        ``running`` is the running operation's kind and how long it has run.
        """
        wait = 0.0 if running is None else self.remaining(*running)
        return wait + sum(self.expected(kind) for kind in queued)

    def load(self, snapshot: Any) -> tuple[bool, float]:
        """Is the scheduler of ``snapshot`` idle, and how long would new work wait there."""
        running = snapshot.running
        wait = self.queue_wait(
            running=None if running is None else (running.kind, running.running_seconds),
            queued=[view.kind for view in snapshot.queued],
        )
        return running is None and not snapshot.queued, wait

    def start_of(self, snapshot: Any, operation_id: str) -> float:
        """How long until the queued operation ``operation_id`` of ``snapshot`` starts."""
        ahead: list[OperationKind] = []
        for view in snapshot.queued:
            if view.id == operation_id:
                break
            ahead.append(view.kind)
        running = snapshot.running
        return self.queue_wait(
            running=None if running is None else (running.kind, running.running_seconds),
            queued=ahead,
        )
