"""The bad-input table on the other faces: ``SessionManager``, ``Notebook`` and ``Pool``.

Every row of ``bad_input_table`` (every operation's bad arguments, every face
option's bad values) is called on each face over the sandbox. Each must raise
its exception with a message naming the parameter (or, for a chat target,
what to pass), before anything happens: the world's request counter has not
moved, nothing is queued or in the history, and no collection was started in
the store (issue 14: "bad input gets a clear exception before any request").
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import numpy as np
import pytest
import pytest_asyncio
from bad_input_table import GROUP, TARGET_HINT, Row, extras, row_ids, rows

import tgkit
from tgkit.core import OperationKind, SessionConfig
from tgkit.errors import InvalidTarget
from tgkit.manager import ManagerLimits, SessionManager
from tgkit.notebook.facade import Notebook
from tgkit.notebook.loop import background_loop
from tgkit.notebook.pool import Pool
from tgkit.sandbox import World
from tgkit.session import TelegramSession
from tgkit.telegram.catalogue import face_names
from tgkit.telegram.operations import CATALOGUE

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)
NOTEBOOK_OPTIONS = ("priority", "timeout", "queue_timeout", "background", "progress")


def _check(row: Row, call: Callable[[], Any]) -> str:
    with pytest.raises(row.error) as caught:
        call()
    message = str(caught.value)
    assert message and "Traceback" not in message
    assert row.names in message, f"the error does not name {row.names!r}: {message}"
    assert "+44 7700 900123" not in message  # a phone number is never echoed
    return message


# --- SessionManager -----------------------------------------------------------------


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def manager(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SessionManager]:
    world = World(seed=3)
    group = world.add_supergroup("Small group", username="small_group", members=30)
    users = [world.add_user(f"Acc{i}", username=f"account_{i}") for i in range(2)]
    for user in users:
        world.join(group, user)
    store = tmp_path_factory.mktemp("manager") / "t.db"
    sessions = [
        TelegramSession.sandbox(world, user, name=f"acc{i}", config=FAST, store=store)
        for i, user in enumerate(users)
    ]
    async with SessionManager(sessions) as opened:
        opened.world = world  # type: ignore[attr-defined]
        yield opened


MANAGER_ROWS = rows("manager")


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("row", MANAGER_ROWS, ids=row_ids(MANAGER_ROWS))
async def test_the_manager_refuses_bad_input_before_anything(
    manager: SessionManager, row: Row
) -> None:
    world: World = manager.world  # type: ignore[attr-defined]
    before = world.stats().count()
    _check(row, lambda: getattr(manager, row.method)(*row.args, **row.kwargs))
    assert world.stats().count() == before, f"{row.method} sent a request before refusing"
    snapshot = manager.snapshot()
    assert snapshot.manager.pending == () and snapshot.manager.active == ()
    assert manager.history().empty
    for session in manager.sessions:
        assert session.queue().empty
        assert session.store is not None and session.store.collections().empty


#: Many targets at once (``manager.scrape_many``, ``pool.many``): (targets, kwargs, error,
#: what the message names). Every target and option is checked before the first is queued.
MANY: list[tuple[Any, dict[str, Any], type[Exception], str]] = [
    ([GROUP, "\u017fmall_group"], {}, InvalidTarget, "targets[1]"),
    ([GROUP, "\u017fmall_group"], {}, InvalidTarget, TARGET_HINT),
    (GROUP, {}, TypeError, "targets must be a list"),
    (42, {}, TypeError, "targets must be a list"),
    ([GROUP], {"what": "nonsense"}, ValueError, "what must be"),
    ([GROUP], {"what": "monitor"}, ValueError, "what must be"),
    ([GROUP], {"join": "yes"}, TypeError, "join"),
    ([GROUP], {"what": "messages", "join": True}, ValueError, "join"),
    ([GROUP], {"max_members": 0}, ValueError, "max_members"),
    ([GROUP], {"max_members": 2**31}, ValueError, "max_members"),
    ([GROUP], {"what": "messages", "days_back": math.nan}, ValueError, "days_back"),
    ([GROUP], {"frobnicate": 1}, TypeError, "frobnicate"),
    ([GROUP], {"priority": "high"}, TypeError, "priority"),
    ([GROUP], {"priority": 1.5}, TypeError, "priority"),
    ([GROUP], {"timeout": math.nan}, ValueError, "timeout"),
    ([GROUP], {"queue_timeout": -1}, ValueError, "queue_timeout"),
]
POOL_MANY = [*MANY, ([GROUP], {"background": "yes"}, TypeError, "background")]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("targets", "kwargs", "error", "names"), MANY)
async def test_the_managers_many_refuses_bad_input_before_anything(
    manager: SessionManager, targets: Any, kwargs: dict[str, Any], error: type[Exception],
    names: str,
) -> None:
    world: World = manager.world  # type: ignore[attr-defined]
    before = world.stats().count()
    with pytest.raises(error) as caught:
        await manager.scrape_many(targets, **kwargs)
    assert names in str(caught.value)
    assert world.stats().count() == before
    assert manager.snapshot().manager.pending == () and manager.history().empty


# --- Notebook and Pool (on tgkit's background loop) ------------------------------------


def on_loop(fn: Callable[[], Any]) -> Any:
    """``fn()`` on tgkit's background loop, where the notebook's sessions and world live."""

    async def call() -> Any:
        return fn()

    return background_loop().run(call())


def _requests(world: Any) -> int:
    return int(on_loop(lambda: world.stats().count()))


def _collections(stores: list[Any]) -> int:
    return int(on_loop(lambda: sum(len(store.collections()) for store in stores)))


@pytest.fixture(scope="module")
def notebook() -> Iterator[Notebook]:
    opened = tgkit.connect("hardening-bad-input", sandbox=True, config=FAST)
    assert isinstance(opened, Notebook)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    opened = tgkit.connect(["hb1", "hb2"], sandbox=True, config=FAST)
    assert isinstance(opened, Pool)
    yield opened
    opened.close()


NOTEBOOK_ROWS = rows("notebook", NOTEBOOK_OPTIONS)
POOL_ROWS = rows("pool", NOTEBOOK_OPTIONS)


@pytest.mark.parametrize("row", NOTEBOOK_ROWS, ids=row_ids(NOTEBOOK_ROWS))
def test_the_notebook_refuses_bad_input_before_anything(notebook: Notebook, row: Row) -> None:
    before = _requests(notebook.world)
    history = len(notebook.history)
    _check(row, lambda: getattr(notebook, row.method)(*row.args, **row.kwargs))
    assert _requests(notebook.world) == before, f"{row.method} sent a request before refusing"
    assert notebook.queue.empty and len(notebook.history) == history
    assert notebook.collections().empty
    assert notebook.last is None  # no Job or Monitor was started


@pytest.mark.parametrize("row", POOL_ROWS, ids=row_ids(POOL_ROWS))
def test_the_pool_refuses_bad_input_before_anything(pool: Pool, row: Row) -> None:
    before = _requests(pool.world)
    _check(row, lambda: getattr(pool, row.method)(*row.args, **row.kwargs))
    assert _requests(pool.world) == before, f"{row.method} sent a request before refusing"
    assert pool.queue.empty and pool.history.empty
    stores = [session.store for session in pool.manager.sessions]
    assert _collections(stores) == 0
    assert pool.last is None


@pytest.mark.parametrize(("targets", "kwargs", "error", "names"), POOL_MANY)
def test_the_pools_many_refuses_bad_input_before_anything(
    pool: Pool, targets: Any, kwargs: dict[str, Any], error: type[Exception], names: str
) -> None:
    before = _requests(pool.world)
    with pytest.raises(error) as caught:
        pool.many(targets, **kwargs)
    assert names in str(caught.value)
    assert _requests(pool.world) == before
    assert pool.queue.empty and pool.history.empty


@pytest.mark.parametrize(
    ("face", "table"), [("manager", MANAGER_ROWS), ("notebook", NOTEBOOK_ROWS), ("pool", POOL_ROWS)]
)
def test_every_name_and_option_of_the_face_has_rows(face: str, table: list[Row]) -> None:
    names_face = "notebook" if face == "pool" else face
    names = {name for spec in CATALOGUE for name, _ in face_names(spec, names_face)}
    assert {row.method for row in table} == names
    options = {key for spec in CATALOGUE for key in extras(spec, face)}
    assert options == {row.names for row in table if row.names in options}


def test_counts_from_a_frame_configure_the_faces() -> None:
    # NumPy integers (what a frame's column gives) are whole numbers on every face too.
    limits = ManagerLimits(max_running=np.int64(2), per_kind={"scrape": np.int32(1)},
                           max_attempts=np.int64(3))
    assert (limits.max_running, limits.cap_for(OperationKind.SCRAPE), limits.max_attempts) == (
        2, 1, 3
    )
    assert type(limits.max_running) is int and type(limits.max_attempts) is int
    opened = tgkit.connect(sandbox=True, accounts=np.int64(2), config=FAST)
    try:
        assert isinstance(opened, Pool) and len(opened.accounts) == 2
    finally:
        opened.close()


#: tgkit.connect's own arguments: (kwargs, exception, what the message names).
CONNECT: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"name": "a/b", "sandbox": True}, ValueError, "name must be"),
    ({"name": "", "sandbox": True}, ValueError, "name must be"),
    ({"name": 42, "sandbox": True}, TypeError, "accounts must be"),
    ({"name": ["hx", "hx"], "sandbox": True}, ValueError, "named twice"),
    ({"accounts": 0, "sandbox": True}, ValueError, "accounts"),
    ({"accounts": 2.5, "sandbox": True}, ValueError, "accounts"),
    ({"accounts": 10**6, "sandbox": True}, ValueError, "accounts"),
    ({"loop": "bogus", "sandbox": True}, ValueError, "loop"),
    ({"store": 42, "sandbox": True}, TypeError, "store"),
    ({"config": "x", "sandbox": True}, TypeError, "config"),
    ({"sandbox": "yes"}, TypeError, "sandbox"),
]


@pytest.mark.parametrize(("kwargs", "error", "names"), CONNECT)
def test_connect_refuses_bad_arguments_and_opens_nothing(
    kwargs: dict[str, Any], error: type[Exception], names: str
) -> None:
    from tgkit.notebook.connect import open_sessions

    before = set(open_sessions())
    with pytest.raises(error, match=names):
        tgkit.connect(**kwargs)
    assert set(open_sessions()) == before
