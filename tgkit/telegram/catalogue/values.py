"""The kinds of value an operation parameter takes: how each is checked, typed and parsed.

A parameter's kind says everything every face needs to know about its
values, so no face restates it: the annotation shown in signatures, the
words in docstrings and ``--help``, the check run before anything is queued
(which also normalises: a duration becomes seconds, a target a ``Target``),
and how a command-line word becomes a value.

Durations and windows take seconds (or, for ``*_days_back``, days), a
``datetime.timedelta`` or a pandas-style string such as ``"90s"``,
``"10min"`` or ``"7D"``, on every face::

    >>> DURATION.check("10min", "duration")
    600.0
    >>> DAYS.check("36h", "days_back")
    1.5
    >>> DURATION.check(float("nan"), "duration")
    Traceback (most recent call last):
    ...
    ValueError: duration must be a finite positive number of seconds, got nan
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from tgkit.telegram.checks import (
    MAX_COUNT,
    TELEGRAM_LAUNCH,
    history_days,
    optional_count,
    positive_count,
    positive_number,
    whole_between,
    whole_number,
    whole_word,
)
from tgkit.telegram.targets import Target, parse_target

__all__ = [
    "CALLBACK",
    "COUNT",
    "DATETIME",
    "DAYS",
    "DURATION",
    "FLAG",
    "IDS",
    "POSITIVE",
    "SINCE",
    "TARGET",
    "TARGETS",
    "TEXT",
    "ValueKind",
    "check_flag",
    "optional_priority",
    "optional_seconds",
    "whole_range",
]



@dataclass(frozen=True, slots=True)
class ValueKind:
    """One kind of parameter value.

    ``check(value, name)`` returns the normalised value or raises
    ``ValueError``/``TypeError``/``InvalidTarget`` naming ``name``;
    ``from_text`` turns a command-line word into something ``check`` takes;
    ``many`` means the command line takes one or more words; ``chats`` that the
    value names chats (the command line takes them as positional words).
    """

    name: str
    annotation: str
    describe: str
    check: Callable[[Any, str], Any]
    from_text: Callable[[str], Any] = str
    many: bool = False
    chats: bool = False


def _target(value: Any, name: str) -> Target:
    return parse_target(value)


def _targets(value: Any, name: str) -> tuple[Target, ...]:
    if isinstance(value, str | Target) or not isinstance(value, Sequence):
        value = [value]
    targets = tuple(parse_target(each) for each in value)
    if not targets:
        raise ValueError(f"{name} must name at least one chat")
    return targets


def _count(value: Any, name: str) -> int:
    count = optional_count(value, name)
    assert count is not None  # None is handled by the parameter (optional)
    return count


def _number(value: Any, name: str, unit: float, what: str) -> Any:
    """A timedelta or a text as a number of ``unit`` seconds; anything else as it is."""
    if isinstance(value, timedelta | pd.Timedelta):
        return _whole(pd.Timedelta(value).total_seconds() / unit)
    if not isinstance(value, str):
        return value
    text = value.strip()
    for number in (int, float):  # "7" is the whole number 7, as 7 is
        try:
            return number(text)
        except ValueError:
            pass
    try:
        delta = pd.Timedelta(text)
    except (TypeError, ValueError):
        delta = pd.NaT
    if pd.isna(delta):
        raise ValueError(
            f"{name} must be a number of {what}, a timedelta or text such as '10min' or '7D', "
            f"got {value!r}"
        )
    return _whole(delta.total_seconds() / unit)


def _whole(number: float) -> int | float:
    """Whole amounts stay whole ("7D" is 7 days, as 7 is): they key stored collections."""
    return int(number) if number.is_integer() else number


def _duration(value: Any, name: str) -> float:
    return float(positive_number(_number(value, name, 1.0, "seconds"), name, "seconds"))


def optional_seconds(value: Any, name: str) -> float | None:
    """A scheduling time (``timeout``, ``queue_timeout``): None, ``math.inf`` or a duration."""
    if value is None or (isinstance(value, float) and value == math.inf):
        return value
    return _duration(value, name)


def optional_priority(value: Any, name: str) -> int | None:
    """A queue priority: None (the kind's default) or a whole number, higher first.

    >>> import numpy as np; optional_priority(np.int64(7), "priority")
    7
    """
    if value is None:
        return None
    number = whole_number(value)
    if number is None:
        raise TypeError(f"{name} must be a whole number (higher runs first) or None for the "
                        f"kind's default, got {value!r}"[:200])
    if abs(number) > MAX_COUNT:
        raise ValueError(f"{name} must be from {-MAX_COUNT:,} to {MAX_COUNT:,} (only the order "
                         "of priorities matters), got a number with "
                         f"{len(str(abs(number)))} digits")
    return number


def check_flag(value: Any, name: str) -> bool:
    """True or False (not 1, not "yes"), else a ``TypeError`` naming ``name``."""
    return _flag(value, name)


def _days(value: Any, name: str) -> int | float:
    # Whole days stay whole: they are part of a stored collection's key.
    return history_days(_number(value, name, 86_400.0, "days"), name)


def _datetime(value: Any, name: str) -> datetime:
    from tgkit.telegram.messages import as_utc  # the operation modules import this one

    if isinstance(value, np.datetime64):  # what a frame's .values or .to_numpy() give
        value = pd.Timestamp(value)
    moment = as_utc(value, name)
    if moment < TELEGRAM_LAUNCH:
        raise ValueError(f"{name} is before Telegram existed (August 2013): {moment:%Y-%m-%d}")
    return moment


def _since(value: Any, name: str) -> datetime:
    moment = _datetime(value, name)
    now = datetime.now(UTC)
    if moment > now:
        raise ValueError(
            f"{name} is in the future ({moment:%Y-%m-%d %H:%M} UTC, now is "
            f"{now:%Y-%m-%d %H:%M}): no message has been posted since then yet"
        )
    return moment


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _callback(value: Any, name: str) -> Any:
    if not callable(value):
        raise TypeError(f"{name} must be a function taking a row (dict), or None")
    return value


def _text(value: Any, name: str) -> str:
    from tgkit.telegram.send import check_text  # the operation modules import this one

    return check_text(value)


TARGET = ValueKind(
    "target", "str | int", "a chat: @name, t.me link, invite link or numeric id", _target,
    chats=True,
)
TARGETS = ValueKind(
    "targets", "str | int | list", "one chat or a list of chats", _targets, many=True,
    chats=True,
)
COUNT = ValueKind("count", "int", "a whole number ≥ 1", _count, from_text=whole_word)
def whole_range(name: str, low: int, high: int, describe: str, why: str = "") -> ValueKind:
    """A kind of whole number from ``low`` to ``high`` (any integral type, NumPy's too;
    ASCII digits on the command line); ``why`` says why the bounds are what they are.

    >>> import numpy as np; whole_range("depth", 0, 6, "levels").check(np.int64(2), "depth")
    2
    """

    def check(value: Any, argument: str) -> int:
        return whole_between(value, argument, low, high, why)

    return ValueKind(name, "int", describe, check, from_text=whole_word)


#: A count that must be given (None is not "no limit" here), e.g. discover's min_weight.
POSITIVE = ValueKind(
    "count", "int", f"a whole number from 1 to {MAX_COUNT:,}", positive_count, from_text=whole_word
)
DAYS = ValueKind("days", "float | timedelta | str", "days (or a timedelta, or '36h')", _days)
DURATION = ValueKind(
    "duration", "float | timedelta | str", "seconds (or a timedelta, or '10min')", _duration
)
DATETIME = ValueKind(
    "datetime", "datetime | str", "a date or time, naive taken as UTC (e.g. '2024-05-01')",
    _datetime,
)
#: The start of a window of history: a moment that has come (not in the future).
SINCE = ValueKind(
    "since", "datetime | str",
    "a date or time up to now, naive taken as UTC (e.g. '2024-05-01')", _since,
)
FLAG = ValueKind("flag", "bool", "True or False", _flag)
TEXT = ValueKind("text", "str", "message text (at most 4,096 characters)", _text)
def _ids(value: Any, name: str) -> tuple[int, ...]:
    # Any integral number is an id (NumPy's too, as a frame's column gives them), and
    # any iterable of them (a list, a tuple, a NumPy array or a pandas Series).
    if isinstance(value, str) or whole_number(value) is not None or not _iterable(value):
        value = [value]
    ids = []
    for item in value:
        whole = whole_number(item)
        if whole is None and not isinstance(item, str):
            raise TypeError(f"{name} must be message ids (whole numbers ≥ 1), got {item!r}")
        try:
            number = whole_word(item) if whole is None else whole
        except ValueError as exc:
            raise ValueError(f"{name} must be message ids (whole numbers ≥ 1): {exc}") from None
        if not 1 <= number <= MAX_COUNT:
            raise ValueError(f"{name} must be message ids from 1 to {MAX_COUNT:,} (Telegram's "
                             f"are 32-bit), got {number}")
        ids.append(number)
    if not ids:
        raise ValueError(f"{name} must name at least one message id, or be None for all")
    return tuple(dict.fromkeys(ids))


def _iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return not isinstance(value, bytes | dict)


IDS = ValueKind("ids", "int | list[int]", "message ids (whole numbers ≥ 1)", _ids,
                from_text=whole_word, many=True)
CALLBACK = ValueKind("callback", "Callable", "a function taking a row (dict)", _callback)
