"""SchedulerConfig: the scheduler's defaults (timeouts, priorities, history), validated.

Plain scheduling settings, nothing about Telegram: a session's Telegram
settings (pacing, flood waits, reconnects, the entity cache) live beside the
code that uses them (``tgkit.pacing.settings``, ``tgkit.telegram.settings``),
and ``tgkit.SessionConfig`` composes all three. The checks here
(``positive_seconds`` and friends) are shared by those parts, and name the
class being built (``SessionConfig.queue_timeout must ...``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Self

from tgkit.core.kinds import OperationKind


def _no_overrides() -> Mapping[OperationKind, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class SchedulerConfig:
    """How a ``Scheduler`` times and orders operations; validated when created.

    Fields (times in seconds; ``math.inf`` means "no limit" where noted):

    - ``queue_timeout`` (60.0): how long an operation may wait in the queue
      before it fails with ``QueueTimeout`` (state EXPIRED). ``inf`` allowed.
    - ``lock_timeout`` (30.0): deadlock guard. How long an operation that is
      due to start waits for the session lock while code *outside* the
      scheduler holds it (``async with scheduler.lock:``) before it fails with
      ``LockTimeout``; also how long ``stop()`` waits for a cancelled operation
      to actually end before giving up on it.
    - ``drain_timeout`` (10.0): how long ``stop()`` lets the running operation
      finish before cancelling it.
    - ``timeouts``: per-kind run timeouts overriding ``OperationKind.default_timeout``
      (MONITOR 3600, SCRAPE 300, SEND 60). ``inf`` allowed.
    - ``priorities``: per-kind priorities overriding ``OperationKind.default_priority``
      (MONITOR 10, SCRAPE 5, SEND 1); higher runs first.
    - ``history_size`` (1000): how many finished operations the history keeps.

    >>> config = SchedulerConfig(queue_timeout=120, timeouts={OperationKind.SCRAPE: 900})
    >>> config.timeout_for(OperationKind.SCRAPE), config.timeout_for(OperationKind.SEND)
    (900.0, 60.0)
    >>> config.replace(history_size=10).history_size
    10
    """

    queue_timeout: float = 60.0
    lock_timeout: float = 30.0
    drain_timeout: float = 10.0
    timeouts: Mapping[OperationKind, float] = field(default_factory=_no_overrides)
    priorities: Mapping[OperationKind, int] = field(default_factory=_no_overrides)
    history_size: int = 1000

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for name in ("queue_timeout", "lock_timeout", "drain_timeout"):
            set_field(self, name, positive_seconds(getattr(self, name), f"{owner}.{name}"))
        non_negative_int(self.history_size, f"{owner}.history_size")
        set_field(self, "timeouts", _kind_map(self.timeouts, f"{owner}.timeouts", positive_seconds))
        set_field(
            self, "priorities", _kind_map(self.priorities, f"{owner}.priorities", priority_value)
        )

    def timeout_for(self, kind: OperationKind) -> float:
        """The run timeout of ``kind``: the override in ``timeouts`` or the kind's default."""
        return self.timeouts.get(kind, kind.default_timeout)

    def priority_for(self, kind: OperationKind) -> int:
        """The priority of ``kind``: the override in ``priorities`` or the kind's default."""
        return self.priorities.get(kind, kind.default_priority)

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)


def positive_seconds(value: object, argument: str) -> float:
    """``value`` as seconds > 0 (``inf`` allowed), or a ValueError naming ``argument``."""
    seconds = _seconds(value, argument)
    if not seconds > 0:
        raise ValueError(
            f"{argument} must be a positive number of seconds (math.inf for no limit), "
            f"got {value!r}"
        )
    return seconds


def non_negative_seconds(value: object, argument: str) -> float:
    """``value`` as seconds >= 0, or an error naming ``argument``."""
    seconds = _seconds(value, argument)
    if seconds < 0:
        raise ValueError(f"{argument} must be zero or more seconds, got {value!r}")
    return seconds


def non_negative_int(value: object, argument: str) -> int:
    """``value`` as an int >= 0 (not a bool), or an error naming ``argument``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument} must be an int, got {value!r}")
    if value < 0:
        raise ValueError(f"{argument} must be zero or more, got {value!r}")
    return value


def priority_value(value: object, argument: str) -> int:
    """``value`` as a priority (an int; higher runs first), or a TypeError naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument} must be an int (higher runs first), got {value!r}")
    return value


def set_field(config: object, name: str, value: object) -> None:
    """Store a checked value on a frozen config while it is being built."""
    object.__setattr__(config, name, value)


def _seconds(value: object, argument: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{argument} must be a number of seconds, got {value!r}")
    if math.isnan(value):
        raise ValueError(f"{argument} must be a number of seconds, got nan")
    return float(value)


def _kind_map(values: object, name: str, check: Any) -> Mapping[OperationKind, Any]:
    if not isinstance(values, Mapping):
        raise TypeError(f"{name} must be a mapping of OperationKind to a value")
    checked = {}
    for key, value in values.items():
        kind = OperationKind.of(key, argument=f"a key of {name}")
        checked[kind] = check(value, f"{name}[{kind.name}]")
    return MappingProxyType(checked)
