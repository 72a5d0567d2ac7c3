"""SessionConfig: every default of a session in one place."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from tgkit.core.budgets import DEFAULT_BUDGETS, Rate, check_budgets
from tgkit.core.kinds import OperationKind


def _no_overrides() -> Mapping[OperationKind, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """All defaults of a session in one place; validated when created.

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
    - ``flood_sleep_max`` (60.0): the longest Telegram flood wait slept through;
      longer ones fail the operation with ``FloodWait``.
    - ``pacing`` (True): send every request through the per-type budgets below.
    - ``budgets`` (``DEFAULT_BUDGETS``): budget name to its rates, see
      ``tgkit.core.budgets``.
    - ``reconnect_retries`` (5) and ``reconnect_backoff`` (0.5): how often and
      how patiently (first delay, doubling) a dropped connection is retried.
    - ``entity_max_age`` (7 days): how long a cached entity (id, access hash,
      username) is trusted before it is resolved again.

    >>> config = SessionConfig(queue_timeout=120, timeouts={OperationKind.SCRAPE: 900})
    >>> config.timeout_for(OperationKind.SCRAPE), config.timeout_for(OperationKind.SEND)
    (900.0, 60.0)
    >>> config.replace(pacing=False).pacing
    False
    """

    queue_timeout: float = 60.0
    lock_timeout: float = 30.0
    drain_timeout: float = 10.0
    timeouts: Mapping[OperationKind, float] = field(default_factory=_no_overrides)
    priorities: Mapping[OperationKind, int] = field(default_factory=_no_overrides)
    history_size: int = 1000
    flood_sleep_max: float = 60.0
    pacing: bool = True
    budgets: Mapping[str, tuple[Rate, ...]] = field(default_factory=lambda: DEFAULT_BUDGETS)
    reconnect_retries: int = 5
    reconnect_backoff: float = 0.5
    entity_max_age: float = 7 * 24 * 3600.0

    def __post_init__(self) -> None:
        for name in ("queue_timeout", "lock_timeout", "drain_timeout", "entity_max_age"):
            _set(self, name, positive_seconds(getattr(self, name), f"SessionConfig.{name}"))
        for name in ("flood_sleep_max", "reconnect_backoff"):
            _set(self, name, _non_negative_seconds(getattr(self, name), f"SessionConfig.{name}"))
        for name in ("history_size", "reconnect_retries"):
            _non_negative_int(getattr(self, name), f"SessionConfig.{name}")
        if not isinstance(self.pacing, bool):
            raise TypeError(f"SessionConfig.pacing must be True or False, got {self.pacing!r}")
        _set(self, "timeouts", _kind_map(self.timeouts, "timeouts", positive_seconds))
        _set(self, "priorities", _kind_map(self.priorities, "priorities", priority_value))
        _set(self, "budgets", _budgets(self.budgets))

    def timeout_for(self, kind: OperationKind) -> float:
        """The run timeout of ``kind``: the override in ``timeouts`` or the kind's default."""
        return self.timeouts.get(kind, kind.default_timeout)

    def priority_for(self, kind: OperationKind) -> int:
        """The priority of ``kind``: the override in ``priorities`` or the kind's default."""
        return self.priorities.get(kind, kind.default_priority)

    def replace(self, **changes: Any) -> SessionConfig:
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


def priority_value(value: object, argument: str) -> int:
    """``value`` as a priority (an int; higher runs first), or a TypeError naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument} must be an int (higher runs first), got {value!r}")
    return value


def _seconds(value: object, argument: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{argument} must be a number of seconds, got {value!r}")
    if math.isnan(value):
        raise ValueError(f"{argument} must be a number of seconds, got nan")
    return float(value)


def _non_negative_seconds(value: object, argument: str) -> float:
    seconds = _seconds(value, argument)
    if seconds < 0:
        raise ValueError(f"{argument} must be zero or more seconds, got {value!r}")
    return seconds


def _non_negative_int(value: object, argument: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument} must be an int, got {value!r}")
    if value < 0:
        raise ValueError(f"{argument} must be zero or more, got {value!r}")


def _kind_map(values: object, name: str, check: Any) -> Mapping[OperationKind, Any]:
    if not isinstance(values, Mapping):
        raise TypeError(f"SessionConfig.{name} must be a mapping of OperationKind to a value")
    checked = {}
    for key, value in values.items():
        kind = OperationKind.of(key, argument=f"a key of SessionConfig.{name}")
        checked[kind] = check(value, f"SessionConfig.{name}[{kind.name}]")
    return MappingProxyType(checked)


def _budgets(budgets: object) -> Mapping[str, tuple[Rate, ...]]:
    if budgets is DEFAULT_BUDGETS:
        return DEFAULT_BUDGETS
    check_budgets(budgets, argument="SessionConfig.budgets")
    assert isinstance(budgets, Mapping)
    return MappingProxyType({name: tuple(rates) for name, rates in budgets.items()})


def _set(config: SessionConfig, name: str, value: object) -> None:
    object.__setattr__(config, name, value)
