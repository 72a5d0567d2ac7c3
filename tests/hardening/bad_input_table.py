"""The bad-input table: every operation's bad arguments and the exception each must raise.

One table for every face that takes Python arguments (``TelegramSession``,
``SessionManager``, the notebook's ``Notebook`` and ``Pool``). A row is a
method name on the face, the arguments, the exception type and what the
message must name (the parameter, or for a chat target what to pass).

Rows are written by hand (``HAND``, in the session's names; ``rows(face)``
renames them) and generated from the catalogue: every parameter of every
operation, under every name the operation has on the face, gets the bad values
of its kind (``BAD_VALUES``), and every face option (``priority``,
``timeout``, ``background``, ...) its bad values (``BAD_OPTIONS``). A new
operation joins the table by being in the catalogue; a new kind of value
must say what is bad for it.
"""

from __future__ import annotations

import inspect
import math
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np

from tgkit.errors import InvalidTarget
from tgkit.telegram.catalogue import Alias, OperationSpec, face_names
from tgkit.telegram.operations import CATALOGUE

GROUP = "@small_group"
#: What every InvalidTarget message tells the user to pass instead.
TARGET_HINT = "Pass @username"


class Row(NamedTuple):
    """One call that must be refused: ``face_method(*args, **kwargs)`` raises ``error``
    whose message contains ``names``."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    error: type[Exception] | tuple[type[Exception], ...]
    names: str


#: (session method, positional args, keyword args, exception), written by hand.
HAND: list[tuple[str, tuple[Any, ...], dict[str, Any], type[Exception]]] = [
    # members
    ("scrape_group_members", ("\u017fmall_group",), {}, InvalidTarget),
    ("scrape_group_members", ("\u212amall_group",), {}, InvalidTarget),
    ("scrape_group_members", ("\u0661\u0662\u0663\u0664\u0665",), {}, InvalidTarget),
    ("scrape_group_members", ("12345678901234567890123",), {}, InvalidTarget),
    ("scrape_group_members", ("",), {}, InvalidTarget),
    ("scrape_group_members", (None,), {}, InvalidTarget),
    ("scrape_group_members", (3.5,), {}, InvalidTarget),
    ("scrape_group_members", ("+44 7700 900123",), {}, InvalidTarget),
    ("scrape_group_members", ("t.me/joinchat",), {}, InvalidTarget),
    ("scrape_group_members", (GROUP,), {"max_members": 0}, ValueError),
    ("scrape_group_members", (GROUP,), {"max_members": -5}, ValueError),
    ("scrape_group_members", (GROUP,), {"max_members": 2.5}, ValueError),
    ("scrape_group_members", (GROUP,), {"max_members": math.inf}, ValueError),
    ("scrape_group_members", (GROUP,), {"max_members": math.nan}, ValueError),
    ("scrape_group_members", (GROUP,), {"max_members": 10**12}, ValueError),
    ("scrape_group_members", (GROUP,), {"max_members": True}, ValueError),
    ("scrape_group_members", (GROUP,), {"max_members": "100"}, ValueError),
    ("scrape_group_members", (GROUP,), {"message_days_back": 1e6}, ValueError),
    ("scrape_group_members", (GROUP,), {"message_days_back": math.inf}, ValueError),
    ("scrape_group_members", (GROUP,), {"message_days_back": math.nan}, ValueError),
    ("scrape_group_members", (GROUP,), {"message_days_back": -1}, ValueError),
    ("scrape_group_members", (GROUP,), {"message_days_back": 0}, ValueError),
    ("scrape_group_members", (GROUP,), {"message_days_back": 10**400}, ValueError),
    ("scrape_group_members", (GROUP,), {"fallback_to_messages": "yes"}, TypeError),
    ("scrape_group_members", (GROUP,), {"resume": 1}, TypeError),
    # join + members
    ("join_and_scrape_members", ("\u017fmall_group",), {}, InvalidTarget),
    ("join_and_scrape_members", ("t.me/+\u212aXXXXXXXXXX",), {}, InvalidTarget),
    ("join_and_scrape_members", (GROUP,), {"max_members": math.nan}, ValueError),
    ("join_and_scrape_members", (GROUP,), {"max_members": 2**40}, ValueError),
    # messages
    ("scrape_messages", ("\u017fmall_group",), {"days_back": 1}, InvalidTarget),
    ("scrape_messages", ("\u0661\u0662\u0663",), {"days_back": 1}, InvalidTarget),
    ("scrape_messages", (GROUP,), {"days_back": 1e6}, ValueError),
    ("scrape_messages", (GROUP,), {"days_back": float("inf")}, ValueError),
    ("scrape_messages", (GROUP,), {"days_back": float("nan")}, ValueError),
    ("scrape_messages", (GROUP,), {"days_back": np.float64("nan")}, ValueError),
    ("scrape_messages", (GROUP,), {"days_back": 5000}, ValueError),
    ("scrape_messages", (GROUP,), {"days_back": -3}, ValueError),
    ("scrape_messages", (GROUP,), {"days_back": "seven"}, ValueError),  # "7" is 7 days
    ("scrape_messages", (GROUP,), {"days_back": 1, "since": "2024-01-01"}, ValueError),
    ("scrape_messages", (GROUP,), {"limit": 0}, ValueError),
    ("scrape_messages", (GROUP,), {"limit": math.inf}, ValueError),
    ("scrape_messages", (GROUP,), {"limit": 2**31}, ValueError),
    ("scrape_messages", (GROUP,), {"since": "yesterday-ish"}, ValueError),
    (
        "scrape_messages",
        (GROUP,),
        {"since": datetime(2024, 5, 2, tzinfo=UTC), "until": datetime(2024, 5, 1, tzinfo=UTC)},
        ValueError,
    ),
    # monitor
    ("monitor", ("\u017fmall_group", 60), {}, InvalidTarget),
    ("monitor", ([],  60), {}, ValueError),
    ("monitor", ([GROUP, "\u212aelvin_chat"], 60), {}, InvalidTarget),
    ("monitor", (GROUP, math.nan), {}, ValueError),
    ("monitor", (GROUP, math.inf), {}, ValueError),
    ("monitor", (GROUP, -1), {}, ValueError),
    ("monitor", (GROUP, 0), {}, ValueError),
    ("monitor", (GROUP, 1e12), {}, ValueError),
    ("monitor", (GROUP, 60), {"stall_after": math.nan}, ValueError),
    ("monitor", (GROUP, 60), {"on_message": "print"}, TypeError),
    # send
    ("send_message", ("\u017fmall_group", "hello"), {}, InvalidTarget),
    ("send_message", (GROUP, ""), {}, ValueError),
    ("send_message", (GROUP, 42), {}, TypeError),
]


#: For each kind of parameter value: bad values and the exception each must raise.
BAD_VALUES: dict[str, list[tuple[Any, type[Exception]]]] = {
    "target": [
        ("\u017fmall_group", InvalidTarget), ("\u212aelvin_group", InvalidTarget),
        ("\u0661\u0662\u0663\u0664\u0665", InvalidTarget), ("9" * 25, InvalidTarget),
        ("", InvalidTarget), (3.5, InvalidTarget), ("+44 7700 900123", InvalidTarget),
        (np.float64(7), InvalidTarget),
    ],
    "targets": [
        ([], ValueError), (["@small_group", "\u017fmall_group"], InvalidTarget),
        ("\u212aelvin_group", InvalidTarget),
    ],
    # discover's seeds: a malformed one among good ones is reported as a node (not raised)
    "seeds": [
        ([], ValueError), (["\u017fmall_group", "\u212aelvin_group"], InvalidTarget),
        ("\u212aelvin_group", InvalidTarget), ([3.5], InvalidTarget),
    ],
    "count": [
        (0, ValueError), (-1, ValueError), (2.5, ValueError), (math.nan, ValueError),
        (math.inf, ValueError), (2**31, ValueError), (True, ValueError), (10**400, ValueError),
    ],
    "days": [
        (1e6, ValueError), (math.nan, ValueError), (math.inf, ValueError), (-1, ValueError),
        (0, ValueError), (10**400, ValueError), ("seven", ValueError), ("-inf", ValueError),
        ("100000D", ValueError),
    ],
    "duration": [
        (math.nan, ValueError), (math.inf, ValueError), (0, ValueError), (-1, ValueError),
        (1e12, ValueError), ("soon", ValueError), ("nan", ValueError), ("1000000D", ValueError),
    ],
    "datetime": [("yesterday-ish", ValueError), ("2010-01-01", ValueError),
                 (np.datetime64("NaT"), ValueError), (1700000000, ValueError)],
    "since": [("yesterday-ish", ValueError), ("2010-01-01", ValueError),
              (np.datetime64("NaT"), ValueError), ("2099-01-01", ValueError),
              (datetime(2999, 1, 1, tzinfo=UTC), ValueError)],
    "flag": [("yes", TypeError), (1, TypeError), (None, TypeError)],
    "text": [("", ValueError), (42, TypeError), ("x" * 5000, ValueError)],
    "callback": [("print", TypeError), (42, TypeError)],
    "query": [("", ValueError), ("ab", ValueError), ("  @x ", ValueError), (42, TypeError)],
    "watchlist": [("", ValueError), ("a/b", ValueError), (42, ValueError), ("x" * 65, ValueError)],
    "folder": [(42, TypeError)],
    "refresh": [(math.nan, ValueError), (-1, ValueError), (1e6, ValueError)],
    "what": [("everything", ValueError), ([], ValueError), (42, TypeError),
             (["messages", "members"], ValueError)],
    "key": [("short", ValueError), (42, TypeError), ("a" * 40, ValueError)],
    "info_period": [("sometimes", ValueError), (math.nan, ValueError), (-1, ValueError),
                    (0, ValueError), (1e12, ValueError)],
    "depth": [(-1, ValueError), (99, ValueError), (1.5, TypeError), (True, TypeError),
              (np.int64(7), ValueError)],
    "via": [("nonsense", ValueError), ([], ValueError), (42, TypeError)],
    "limit": [(0, ValueError), (10**9, ValueError), (2.5, TypeError), (True, TypeError),
              (np.int64(101), ValueError)],
    "ids": [
        (0, ValueError), (-1, ValueError), (2.5, TypeError), (math.nan, TypeError),
        ([], ValueError), ([1, 0], ValueError), (["x"], ValueError), (2**31, ValueError),
        (True, TypeError), ([np.float64(3)], TypeError), ("\u0661\u0662", ValueError),
    ],
}

#: For each face option (after the operation's own parameters): bad values, exceptions.
BAD_OPTIONS: dict[str, list[tuple[Any, type[Exception]]]] = {
    "priority": [("high", TypeError), (1.5, TypeError), (True, TypeError),
                 (math.nan, TypeError), (10**30, ValueError)],
    "timeout": [(math.nan, ValueError), (-1, ValueError), (0, ValueError),
                ("soon", ValueError), (1e12, ValueError)],
    "queue_timeout": [(math.nan, ValueError), (-1, ValueError), (0, ValueError),
                      ("soon", ValueError), ("1000000D", ValueError)],
    "background": [("yes", TypeError), (1, TypeError), (None, TypeError)],
    "progress": [("yes", TypeError), (None, TypeError)],
}

#: A good value of each kind, for the parameters a row does not spoil.
GOOD_VALUES = {
    "target": GROUP, "targets": [GROUP], "seeds": [GROUP], "duration": 60, "text": "hello",
    "query": "research",
}

#: The faces whose method names are the session's long ones.
LONG_NAMED = ("session", "manager")


def face_method(session_name: str, face: str) -> str:
    """The name on ``face`` of the operation the session calls ``session_name``."""
    for spec in CATALOGUE:
        for name, alias in face_names(spec, "session"):
            if name == session_name:
                return session_name if face in LONG_NAMED else _same(spec, alias, face)
    raise KeyError(session_name)


def _same(spec: OperationSpec, alias: Alias | None, face: str) -> str:
    fixed = dict(alias.fixed) if alias else {}
    for name, other in face_names(spec, "notebook" if face == "pool" else face):
        if (dict(other.fixed) if other else {}) == fixed:
            return name
    return spec.name


SCHEDULING = ("priority", "timeout", "queue_timeout")


def rows(face: str, options: tuple[str, ...] = SCHEDULING) -> list[Row]:
    """Every row of the table for ``face`` ("session", "manager", "notebook", "pool")."""
    hand = [Row(face_method(method, face), args, kwargs, error, _hint(error, kwargs))
            for method, args, kwargs, error in HAND]
    return hand + generated(face, options)


def _hint(error: Any, kwargs: dict[str, Any]) -> str:
    if error is InvalidTarget:
        return TARGET_HINT
    return next(iter(kwargs), "")  # the one spoiled keyword (or "" for a positional)


def generated(face: str, options: tuple[str, ...]) -> list[Row]:
    """Rows from the catalogue: each parameter's kind's bad values, each option's."""
    out = []
    names_face = "notebook" if face == "pool" else face
    for spec in CATALOGUE:
        for method, alias in face_names(spec, names_face):
            fixed = dict(alias.fixed) if alias else {}
            rename = dict(alias.rename) if alias else {}
            params = [p for p in spec.params if p.name not in fixed]
            required = {
                rename.get(p.name, p.name): GOOD_VALUES[p.kind.name] for p in params if p.required
            }
            for param in params:
                for value, error in BAD_VALUES[param.kind.name]:
                    if value is None and (param.optional or param.default is None):
                        continue  # None means "not set" here
                    kwargs = {**required, rename.get(param.name, param.name): value}
                    names = TARGET_HINT if error is InvalidTarget else param.name
                    out.append(Row(method, (), kwargs, error, names))
            for option in [o for o in options if o in extras(spec, face)]:
                for value, error in BAD_OPTIONS[option]:
                    out.append(Row(method, (), {**required, option: value}, error, option))
    return out


def extras(spec: OperationSpec, face: str) -> set[str]:
    """The face's own options that ``spec``'s methods take (``priority``, ``background``...)."""
    from tgkit.manager import SessionManager
    from tgkit.notebook.facade import Notebook
    from tgkit.notebook.pool import Pool
    from tgkit.session import TelegramSession

    cls = {"session": TelegramSession, "manager": SessionManager, "notebook": Notebook,
           "pool": Pool}[face]
    name = face_names(spec, "notebook" if face == "pool" else face)[0][0]
    own = {p.name for p in spec.params} | {"group_identifier"}
    return set(inspect.signature(getattr(cls, name)).parameters) - own - {"self"}


def row_ids(table: list[Row]) -> list[str]:
    """Test ids: the method and the row's index."""
    return [f"{row.method}-{index}" for index, row in enumerate(table)]
