"""Bad input to every session operation: the right exception, and not one request sent.

Each row of the table (``bad_input_table``: hand-written rows, and rows
generated from every operation's parameters and options in the catalogue) is
called on a real ``TelegramSession`` on the sandbox; after each refused call
the world's request counter must not have moved, nothing is queued and the
store holds no collection (issue 14, defects 3, 4 and 10). The same table runs
on the manager and notebook faces in ``test_bad_input_faces``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from bad_input_table import BAD_OPTIONS, BAD_VALUES, GROUP, HAND, Row, extras, row_ids, rows
from hardening_helpers import CANARY_HASH

from tgkit.core import SessionConfig
from tgkit.sandbox import World
from tgkit.session import TelegramSession
from tgkit.telegram.catalogue import face_names
from tgkit.telegram.operations import CATALOGUE

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)

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


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store") / "t.db"


@pytest.fixture
async def session(world: World, store_path: Path) -> AsyncIterator[TelegramSession]:
    async with TelegramSession.sandbox(  # type: ignore[attr-defined]
        world, world.me, config=FAST, store=store_path
    ) as opened:
        yield opened


ROWS = rows("session")


@pytest.mark.parametrize("row", ROWS, ids=row_ids(ROWS))
async def test_bad_input_is_refused_before_any_request(
    session: TelegramSession, world: World, row: Row
) -> None:
    before = world.stats().count()
    with pytest.raises(row.error) as caught:
        getattr(session, row.method)(*row.args, **row.kwargs)
    assert world.stats().count() == before, f"{row.method} sent a request before refusing"
    message = str(caught.value)
    assert message and "Traceback" not in message
    assert row.names in message, f"the error does not name {row.names!r}: {message}"
    assert "+44 7700 900123" not in message  # a phone number is never echoed
    assert session.queue().empty and session.history().empty
    assert session.store is not None and session.store.collections().empty


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
    assert names <= {row.method for row in ROWS}
    assert {method for method, *_ in HAND} <= names


def test_every_option_of_every_face_has_bad_values() -> None:
    for face in ("session", "manager", "notebook", "pool"):
        for spec in CATALOGUE:
            assert extras(spec, face) <= set(BAD_OPTIONS), f"say what is bad for {face} options"


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


def test_a_frames_timestamps_are_moments() -> None:
    # np.datetime64 is what a frame's date column gives through .values / .to_numpy().
    spec = CATALOGUE.get("messages")
    dates = pd.Series(pd.to_datetime(["2024-05-01", "2024-05-03"]))
    args = spec.check(GROUP, since=dates.to_numpy()[0], until=dates.iloc[1])
    assert args["since"].isoformat() == "2024-05-01T00:00:00+00:00"
    assert args["until"].isoformat() == "2024-05-03T00:00:00+00:00"


@pytest.mark.parametrize(
    "api_id", ["\u0661\u0662\u0663\u0664\u0665", 2**40, -5, 0, True, "abc", 12.0, None]
)
def test_a_bad_api_id_is_refused_before_any_file(tmp_path: Path, api_id: Any) -> None:
    with pytest.raises(ValueError, match=r"api_id must be the number from https://my\.telegram\.org"):
        TelegramSession("acct", api_id, CANARY_HASH, session_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("api_id", [np.int64(12345), "12345", 12345])
def test_an_api_id_may_come_from_a_frame_or_text(tmp_path: Path, api_id: Any) -> None:
    session = TelegramSession("acct", api_id, CANARY_HASH, session_dir=tmp_path, store=False)
    assert CANARY_HASH not in repr(session)
