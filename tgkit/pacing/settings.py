"""PacingSettings: a session's pacing switch, request budgets and flood-wait limit.

One part of ``tgkit.SessionConfig`` (which composes it with the scheduler's
``SchedulerConfig`` and the connection's ``ConnectionSettings``); the
``Pacer`` is built from it (``Pacer.from_config``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Self

from tgkit.core.config import non_negative_seconds, set_field
from tgkit.pacing.budgets import DEFAULT_BUDGETS, Rate, check_budgets


@dataclass(frozen=True)
class PacingSettings:
    """How a session paces its requests; validated when created.

    - ``flood_sleep_max`` (60.0 s): the longest Telegram flood wait slept
      through; longer ones fail the operation with ``FloodWait``.
    - ``pacing`` (True): send every request through the per-type budgets below.
    - ``budgets`` (``DEFAULT_BUDGETS``): budget name to its rates, see
      ``tgkit.pacing.budgets``.

    >>> PacingSettings(pacing=False).flood_sleep_max
    60.0
    """

    flood_sleep_max: float = 60.0
    pacing: bool = True
    budgets: Mapping[str, tuple[Rate, ...]] = field(default_factory=lambda: DEFAULT_BUDGETS)

    def __post_init__(self) -> None:
        owner = type(self).__name__
        set_field(
            self,
            "flood_sleep_max",
            non_negative_seconds(self.flood_sleep_max, f"{owner}.flood_sleep_max"),
        )
        if not isinstance(self.pacing, bool):
            raise TypeError(f"{owner}.pacing must be True or False, got {self.pacing!r}")
        set_field(self, "budgets", _budgets(self.budgets, f"{owner}.budgets"))

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)


def _budgets(budgets: object, argument: str) -> Mapping[str, tuple[Rate, ...]]:
    if budgets is DEFAULT_BUDGETS:
        return DEFAULT_BUDGETS
    check_budgets(budgets, argument=argument)
    assert isinstance(budgets, Mapping)
    return MappingProxyType({name: tuple(rates) for name, rates in budgets.items()})
