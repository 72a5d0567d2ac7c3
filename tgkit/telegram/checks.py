"""Argument checks shared by the operations: clear errors before any request.

Every number is bounded by what Telegram can mean: a history window cannot
start before Telegram's launch (2013-08-01), a count cannot exceed what a
32-bit message id or a chat's membership can reach, a duration is at most a
year. Non-finite values (``nan``, ``inf``) are refused. Whole numbers are
taken through ``operator.index``, so NumPy integers (what a DataFrame hands
back) work wherever an int does; ``True``/``False`` never count as numbers.

>>> optional_count(0, "max_members")
Traceback (most recent call last):
...
ValueError: max_members must be a positive whole number or None (no limit), got 0
>>> history_days(float("nan"), "days_back")
Traceback (most recent call last):
...
ValueError: days_back must be a finite positive number of days, got nan
"""

from __future__ import annotations

import math
import operator
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

__all__ = [
    "MAX_COUNT",
    "MAX_SECONDS",
    "TELEGRAM_LAUNCH",
    "history_days",
    "max_history_days",
    "optional_count",
    "positive_count",
    "positive_number",
    "whole_between",
    "whole_number",
    "whole_word",
    "writable_folder",
]

#: Telegram's launch: no chat has history from before this day.
TELEGRAM_LAUNCH = datetime(2013, 8, 1, tzinfo=UTC)
#: Message ids are 32-bit; no chat holds more messages or members than this.
MAX_COUNT = 2**31 - 1
#: The longest duration tgkit accepts for one run (a year, in seconds).
MAX_SECONDS = 366 * 86_400.0


def whole_number(value: object) -> int | None:
    """``value`` as an int if it is an integral number (not a bool), else None.

    >>> import numpy as np; whole_number(np.int64(3)), whole_number(3.0), whole_number(True)
    (3, None, None)
    """
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return None
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        return None


def optional_count(value: object, argument: str, maximum: int = MAX_COUNT) -> int | None:
    """``value`` as an int if it is None or a whole number in 1..``maximum``, else an
    error naming ``argument``."""
    if value is None:
        return None
    return positive_count(value, argument, maximum, none="or None (no limit)")


def positive_count(
    value: object, argument: str, maximum: int = MAX_COUNT, *, none: str = ""
) -> int:
    """``value`` as an int if it is a whole number in 1..``maximum``, else a
    ``ValueError`` naming ``argument`` (``none`` says what None means, if it is allowed).

    >>> import numpy as np; positive_count(np.int64(5), "min_weight")
    5
    >>> positive_count(0, "min_weight")
    Traceback (most recent call last):
    ...
    ValueError: min_weight must be a positive whole number, got 0
    """
    number = whole_number(value)
    alternative = f" {none}" if none else ""
    if number is None or number < 1:
        raise ValueError(
            f"{argument} must be a positive whole number{alternative}, got {_short(value)}"
        )
    if number > maximum:
        hint = "; pass None for no limit" if none else ""
        raise ValueError(
            f"{argument} must be at most {maximum:,} (more than any Telegram chat holds), "
            f"got {_short(value)}{hint}"
        )
    return number


def whole_between(value: object, argument: str, low: int, high: int, why: str = "") -> int:
    """``value`` as an int if it is a whole number (any integral type, NumPy's too) in
    ``low``..``high``: a ``TypeError`` if it is not a whole number, a ``ValueError``
    naming ``argument`` (and ``why`` the bounds are what they are) if it is out of range.

    >>> import numpy as np; whole_between(np.int32(2), "depth", 0, 6)
    2
    >>> whole_between(1.5, "depth", 0, 6)
    Traceback (most recent call last):
    ...
    TypeError: depth must be a whole number from 0 to 6, got 1.5
    """
    number = whole_number(value)
    if number is None:
        raise TypeError(f"{argument} must be a whole number from {low} to {high}, "
                        f"got {_short(value)}")
    if not low <= number <= high:
        reason = f": {why}" if why else ""
        raise ValueError(f"{argument} must be from {low} to {high}, got {_short(value)}{reason}")
    return number


def whole_word(text: str) -> int:
    """A command-line word as a whole number: ASCII digits only (``int()`` also reads
    other scripts' digits, '١٢' as 12).

    >>> whole_word("12")
    12
    """
    if not text.strip().isascii():
        raise ValueError(f"{text!r} is not a whole number (ASCII digits 0-9)")
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


def writable_folder(path: str | os.PathLike[str], argument: str) -> Path:
    """``path`` if it is a folder tgkit can write (or create), else a ``ValueError`` naming
    ``argument``: checked before anything is collected, tried rather than guessed (a
    read-only share refuses even root)."""
    folder = Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{argument} {folder} is a file; give a folder (it is created if needed)")
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        with tempfile.TemporaryFile(dir=existing, prefix=".tgkit.", suffix=".probe"):
            pass
    except OSError as exc:
        raise ValueError(
            f"{argument} {folder}: the folder {existing} cannot be written ({exc.strerror}); "
            "choose another folder (nothing was collected yet)"
        ) from None
    return folder


def _short(value: object) -> str:
    """``repr(value)``, cut to 60 characters (10**400 is not worth printing whole)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:28]}…{text[-28:]} ({len(text)} characters)"


def positive_number(
    value: object, argument: str, unit: str, maximum: float = MAX_SECONDS
) -> int | float:
    """``value`` (an int if whole, else a float) if it is a finite number in
    (0, ``maximum``], else an error naming ``argument`` and its ``unit``."""
    number = _finite(value, argument, unit)
    if number > maximum:
        days = f" ({maximum / 86_400:g} days)" if unit == "seconds" else ""
        raise ValueError(
            f"{argument} must be at most {maximum:,.0f} {unit}{days}, got {_short(value)}"
        )
    return _plain(value, number)


def max_history_days(now: datetime | None = None) -> float:
    """How many days back from ``now`` Telegram's history can reach (to its launch)."""
    now = now or datetime.now(UTC)
    return (now - TELEGRAM_LAUNCH).total_seconds() / 86_400


def history_days(value: object, argument: str, now: datetime | None = None) -> int | float:
    """``value`` (an int if whole, else a float) if it is a number of days back that does
    not start before Telegram's launch (2013-08-01), else an error naming ``argument``."""
    number = _finite(value, argument, "days")
    limit = max_history_days(now)
    if number > limit:
        raise ValueError(
            f"{argument} must be at most {int(limit):,} days: Telegram's history starts "
            f"on {TELEGRAM_LAUNCH:%Y-%m-%d} and a window cannot start before it, "
            f"got {_short(value)}"
        )
    return _plain(value, number)


def _plain(value: object, number: float) -> int | float:
    whole = whole_number(value)
    return number if whole is None else whole


def _finite(value: object, argument: str, unit: str) -> float:
    whole = whole_number(value)
    number: float | None = None
    if whole is not None:
        number = float(whole) if abs(whole) < 2**64 else (2.0**64 if whole > 0 else -1.0)
    elif isinstance(value, float) or type(value).__name__ in ("float16", "float32"):
        number = float(value)  # type: ignore[arg-type]
    if number is None or not math.isfinite(number) or not number > 0:
        raise ValueError(
            f"{argument} must be a finite positive number of {unit}, got {_short(value)}"
        )
    return number
