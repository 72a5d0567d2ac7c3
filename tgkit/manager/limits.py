"""Concurrency controls of a SessionManager: caps and per-target exclusivity.

Three rules, all bookkeeping without Telegram (the dispatcher applies them):

- a global cap on operations running at once across all sessions
  (``ManagerLimits.max_running``);
- a cap per operation kind (``ManagerLimits.per_kind``, e.g. at most two
  SCRAPE at once across all accounts);
- one collection of a target at a time: a second, different request for the
  same target waits for the first to end, and an identical request joins the
  one in flight instead of repeating it (``TargetLocks``).

A slot is held from the moment an operation is handed to a session until it
ends there, so the number of operations *running* never exceeds a cap (it can
be below the cap while a handed-over operation still waits for its session's
lock).

Example::

    limits = ManagerLimits(max_running=4, per_kind={OperationKind.SCRAPE: 2})
    manager = SessionManager(sessions, limits=limits)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Generic, TypeVar

from tgkit.core import OperationKind
from tgkit.telegram.checks import whole_number

__all__ = ["Caps", "ManagerLimits", "TargetLocks"]

J = TypeVar("J")


def _positive_int(value: object, name: str) -> int:
    number = whole_number(value)  # NumPy integers too, as a frame hands them back
    if number is None or number < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    return number


def _kind(value: object) -> OperationKind:
    if isinstance(value, OperationKind | str):
        return OperationKind.of(value, argument="ManagerLimits.per_kind key")
    names = ", ".join(OperationKind.__members__)
    raise ValueError(
        f"ManagerLimits.per_kind keys must be operation kinds ({names}), got {value!r}"
    )


@dataclass(frozen=True, slots=True)
class ManagerLimits:
    """How much work a SessionManager runs at once, and how hard it tries.

    Fields:

    - ``max_running``: operations running at once across all sessions;
      ``None`` (default) leaves only the one-per-session rule of each session.
    - ``per_kind``: a cap per kind, e.g. ``{OperationKind.SCRAPE: 2}``; kinds
      not named are capped only by ``max_running``. Keys may also be the
      kind's name (``"scrape"``).
    - ``max_attempts``: how many sessions one operation may be tried on
      (moves after a long flood wait, a session that cannot reach the target,
      or a removed session) before its last error reaches the caller.
    - ``rebalance``: move an operation waiting in a busy session's queue to a
      session that became idle (default on).

    Example::

        ManagerLimits(max_running=4, per_kind={"scrape": 2})
    """

    max_running: int | None = None
    per_kind: Mapping[OperationKind, int] = field(default_factory=dict)
    max_attempts: int = 10
    rebalance: bool = True

    def __post_init__(self) -> None:
        if self.max_running is not None:
            object.__setattr__(
                self, "max_running", _positive_int(self.max_running, "ManagerLimits.max_running")
            )
        if not isinstance(self.per_kind, Mapping):
            raise ValueError(
                "ManagerLimits.per_kind must be a mapping of kind to cap, "
                f"e.g. {{OperationKind.SCRAPE: 2}}, got {self.per_kind!r}"
            )
        per_kind = {
            _kind(kind): _positive_int(cap, f"ManagerLimits.per_kind[{kind!r}]")
            for kind, cap in self.per_kind.items()
        }
        object.__setattr__(self, "per_kind", MappingProxyType(per_kind))
        object.__setattr__(
            self, "max_attempts", _positive_int(self.max_attempts, "ManagerLimits.max_attempts")
        )

    def cap_for(self, kind: OperationKind) -> int | None:
        """The cap of ``kind`` alone (``None``: only the global cap applies)."""
        return self.per_kind.get(kind)


class Caps:
    """Counts running operations per kind against a ManagerLimits.

    Example::

        caps = Caps(ManagerLimits(max_running=1))
        if caps.allows(OperationKind.SCRAPE):
            caps.take(OperationKind.SCRAPE)
    """

    def __init__(self, limits: ManagerLimits) -> None:
        self.limits = limits
        self._running: Counter[OperationKind] = Counter()

    @property
    def total(self) -> int:
        """Operations holding a slot now."""
        return sum(self._running.values())

    def running(self, kind: OperationKind) -> int:
        """Operations of ``kind`` holding a slot now."""
        return self._running[kind]

    def by_kind(self) -> dict[OperationKind, int]:
        """Slots held per kind (kinds with none left out)."""
        return {kind: n for kind, n in self._running.items() if n}

    @property
    def full(self) -> bool:
        """True when the global cap is reached."""
        cap = self.limits.max_running
        return cap is not None and self.total >= cap

    def allows(self, kind: OperationKind) -> bool:
        """True when one more operation of ``kind`` stays within every cap."""
        cap = self.limits.cap_for(kind)
        return not self.full and (cap is None or self._running[kind] < cap)

    def take(self, kind: OperationKind) -> None:
        """Hold a slot for an operation of ``kind``; the caller checked ``allows``."""
        if not self.allows(kind):
            raise RuntimeError(f"no free slot for a {kind.name} operation")
        self._running[kind] += 1

    def release(self, kind: OperationKind) -> None:
        """Give back a slot taken with ``take``."""
        if self._running[kind] <= 0:
            raise RuntimeError(f"released a {kind.name} slot that was not held")
        self._running[kind] -= 1


class TargetLocks(Generic[J]):
    """Per-target exclusivity and joining of identical requests.

    ``holder(target)`` is the job collecting that target now, if any. An
    identical request (same ``key``) in flight is found with ``in_flight``
    so a second caller joins it.

    Example::

        locks = TargetLocks()
        if locks.holder("@group") is None:
            locks.claim("@group", job)
    """

    def __init__(self) -> None:
        self._holders: dict[str, J] = {}
        self._in_flight: dict[Hashable, J] = {}

    def holder(self, target: str | None) -> J | None:
        """The job holding ``target`` (``None`` when free or no target)."""
        return None if target is None else self._holders.get(target)

    def claim(self, target: str | None, job: J) -> None:
        """Make ``job`` the holder of ``target``; it must be free or held by ``job``."""
        if target is None:
            return
        held = self._holders.get(target)
        if held is not None and held is not job:
            raise RuntimeError(f"target {target} is held by another operation")
        self._holders[target] = job

    def release(self, target: str | None, job: J) -> None:
        """Free ``target`` if ``job`` holds it."""
        if target is not None and self._holders.get(target) is job:
            del self._holders[target]

    def in_flight(self, key: Hashable | None) -> J | None:
        """The unfinished job registered under ``key``, if any."""
        return None if key is None else self._in_flight.get(key)

    def register(self, key: Hashable | None, job: J) -> None:
        """Let later identical requests (same ``key``) join ``job``."""
        if key is not None:
            self._in_flight.setdefault(key, job)

    def forget(self, key: Hashable | None, job: J) -> None:
        """Stop offering ``job`` to identical requests (it ended)."""
        if key is not None and self._in_flight.get(key) is job:
            del self._in_flight[key]

    def held_targets(self) -> tuple[str, ...]:
        """Targets being collected now."""
        return tuple(self._holders)
