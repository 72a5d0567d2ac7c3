"""Argument checks shared by the operations: clear errors before any request.

>>> optional_count(0, "max_members")
Traceback (most recent call last):
...
ValueError: max_members must be a positive whole number or None (no limit), got 0
"""

from __future__ import annotations

__all__ = ["optional_count", "positive_number"]


def optional_count(value: object, argument: str) -> int | None:
    """``value`` if it is None or a whole number ≥ 1, else an error naming ``argument``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"{argument} must be a positive whole number or None (no limit), got {value!r}"
        )
    return value


def positive_number(value: object, argument: str, unit: str) -> float:
    """``value`` if it is a number > 0, else an error naming ``argument`` and its ``unit``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{argument} must be a positive number of {unit}, got {value!r}")
    return float(value)
