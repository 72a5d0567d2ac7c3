"""Bad input to every session operation: the right exception, and not one request sent.

Each row is (operation, arguments, exception type). The session is a real
``TelegramSession`` on the sandbox; after each refused call the world's
request counter must not have moved (issue 14, defects 3, 4 and 10).

Besides the hand-written rows, every operation of the catalogue gets rows
generated from its parameters' kinds of value (``BAD_VALUES``), under every
name it has on the session: a new operation joins the table by being in the
catalogue, and a new kind of value must say what is bad for it.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tgkit.core import SessionConfig
from tgkit.errors import InvalidTarget
from tgkit.sandbox import World
from tgkit.session import TelegramSession
from tgkit.telegram.catalogue import face_names
from tgkit.telegram.operations import CATALOGUE

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)
GROUP = "@small_group"

#: (operation, positional args, keyword args, exception)
ROWS: list[tuple[str, tuple[Any, ...], dict[str, Any], type[Exception]]] = [
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
    "datetime": [("yesterday-ish", ValueError), ("2010-01-01", ValueError)],
    "flag": [("yes", TypeError), (1, TypeError), (None, TypeError)],
    "text": [("", ValueError), (42, TypeError), ("x" * 5000, ValueError)],
    "callback": [("print", TypeError), (42, TypeError)],
    "query": [("", ValueError), ("ab", ValueError), ("  @x ", ValueError), (42, TypeError)],
    "watchlist": [("", ValueError), ("a/b", ValueError), (42, ValueError), ("x" * 65, ValueError)],
    "folder": [(42, TypeError)],
    "refresh": [(math.nan, ValueError), (-1, ValueError), (1e6, ValueError)],
    "depth": [(-1, ValueError), (99, ValueError), (1.5, TypeError), (True, TypeError)],
    "via": [("nonsense", ValueError), ([], ValueError), (42, TypeError)],
    "limit": [(0, ValueError), (10**9, ValueError), (2.5, TypeError), (True, TypeError)],
    "ids": [
        (0, ValueError), (-1, ValueError), (2.5, TypeError), (math.nan, TypeError),
        ([], ValueError), ([1, 0], ValueError), (["x"], ValueError), (2**31, ValueError),
        (True, TypeError), ([np.float64(3)], TypeError), ("\u0661\u0662", ValueError),
    ],
}
#: A good value of each kind, for the parameters a row does not spoil.
GOOD_VALUES = {
    "target": GROUP, "targets": [GROUP], "duration": 60, "text": "hello", "query": "research",
}


def _generated_rows() -> list[tuple[str, tuple[Any, ...], dict[str, Any], type[Exception]]]:
    rows = []
    for spec in CATALOGUE:
        for method, alias in face_names(spec, "session"):
            fixed = dict(alias.fixed) if alias else {}
            rename = dict(alias.rename) if alias else {}
            params = [p for p in spec.params if p.name not in fixed]
            required = {
                rename.get(p.name, p.name): GOOD_VALUES[p.kind.name]
                for p in params if p.required
            }
            for param in params:
                for value, error in BAD_VALUES[param.kind.name]:
                    if value is None and (param.optional or param.default is None):
                        continue  # None means "not set" here
                    kwargs = {**required, rename.get(param.name, param.name): value}
                    rows.append((method, (), kwargs, error))
    return rows


GENERATED = _generated_rows()


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(row.values) if hasattr(row, "values") else row


def test_every_kind_of_value_has_bad_values() -> None:
    kinds = {p.kind.name for spec in CATALOGUE for p in spec.params}
    assert kinds <= set(BAD_VALUES), f"say what is bad for {kinds - set(BAD_VALUES)}"


@pytest.fixture(scope="module")
def world() -> World:
    world = World(seed=3)
    me = world.add_user("Ada", "Lovelace", username="ada_research")
    group = world.add_supergroup("Small group", username="small_group", members=30)
    world.join(group, me)
    world.me = me  # type: ignore[attr-defined]
    return world


@pytest.fixture
async def session(world: World) -> AsyncIterator[TelegramSession]:
    async with TelegramSession.sandbox(world, world.me, config=FAST) as opened:  # type: ignore[attr-defined]
        yield opened


@pytest.mark.parametrize(
    ("operation", "args", "kwargs", "error"),
    ROWS + GENERATED,
    ids=[f"{_values(row)[0]}-{i}" for i, row in enumerate(ROWS + GENERATED)],
)
async def test_bad_input_is_refused_before_any_request(
    session: TelegramSession,
    world: World,
    operation: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
) -> None:
    before = world.stats().count()
    with pytest.raises(error) as caught:
        getattr(session, operation)(*args, **kwargs)
    assert world.stats().count() == before, f"{operation} sent a request before refusing"
    message = str(caught.value)
    assert message and "Traceback" not in message
    assert "+44 7700 900123" not in message  # a phone number is never echoed


@pytest.mark.parametrize(
    "kwargs",
    [{"max_members": np.int64(5)}, {"max_members": np.int32(5), "message_days_back": np.int64(3)}],
)
async def test_numpy_counts_are_whole_numbers(session: TelegramSession, kwargs: Any) -> None:
    frame = await session.scrape_group_members(GROUP, **kwargs)
    assert len(frame) == 5


def test_every_operation_has_rows() -> None:
    public = {"scrape_group_members", "join_and_scrape_members", "scrape_messages", "monitor",
              "send_message"}
    names = {name for spec in CATALOGUE for name, _ in face_names(spec, "session")}
    assert public <= names
    assert names <= {_values(row)[0] for row in ROWS + GENERATED}


def test_numpy_ids_are_message_ids() -> None:
    kinds = {p.kind.name: p for spec in CATALOGUE for p in spec.params}
    ids = kinds["ids"]
    assert ids.check(np.array([3, 4, 3])) == (3, 4)
    assert ids.check(np.int64(7)) == (7,)
    assert ids.check(pd.Series([5, 6], dtype="Int64")) == (5, 6)


#: A good whole number for each kind that takes one.
WHOLE = {"count": 3, "depth": 2, "limit": 5, "ids": 3}


@pytest.mark.parametrize("make", [np.int64, np.int32, np.uint16, int])
def test_every_whole_number_parameter_takes_numpy_integers(make: Any) -> None:
    # A frame hands back NumPy integers; each is taken as the int it is (issue 14, item 10).
    params = [(s, p) for s in CATALOGUE for p in s.params if p.kind.name in WHOLE]
    assert {p.kind.name for _, p in params} == set(WHOLE), "a whole-number kind is untested"
    for spec, param in params:
        number = WHOLE[param.kind.name]
        checked = param.check(make(number))
        assert checked in (number, (number,)), f"{spec.name}.{param.name}"
        assert type(checked) in (int, tuple)


async def test_discover_takes_numpy_counts_and_refuses_huge_ones(session: TelegramSession,
                                                                  world: World) -> None:
    spec = CATALOGUE.get("discover")
    args = spec.check([GROUP], depth=np.int64(0), min_weight=np.int64(2), max_chats=np.int32(1))
    assert (args["depth"], args["min_weight"], args["max_chats"]) == (0, 2, 1)
    before = world.stats().count()
    for name in ("min_weight", "max_chats"):
        with pytest.raises(ValueError, match=rf"{name} must be at most 2,147,483,647"):
            session.discover([GROUP], **{name: 2**31})
    assert world.stats().count() == before
