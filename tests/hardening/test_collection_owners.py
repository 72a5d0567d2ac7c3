"""A collection belongs to the collector that opened it (issue 14, defect 6).

Two sessions of one account in one process collecting the same target: one
collects, the other is told the collection is in use (or, if it comes after
the first finished, gets the finished frame); the collection ends complete,
never downgraded by the one that lost the race. A dead run's ownership is not
inherited through its pid, and a run killed mid-way does not stay "running".
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tgkit.core import SessionConfig
from tgkit.sandbox import World
from tgkit.session import TelegramSession
from tgkit.store import CollectionInUse, Store

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)
MEMBERS = {"account": "acct", "target": "@g", "kind": "members", "params": {}}


def _world() -> World:
    world = World(seed=5, latency=0.002)
    me = world.add_user("Ada", "Lovelace", username="ada_research")
    group = world.add_supergroup("Group", username="shared_group", members=1500)
    world.join(group, me)
    world.me = me  # type: ignore[attr-defined]
    return world


@pytest.mark.parametrize("second_after", [0.0, 0.01, 0.05])
async def test_two_sessions_of_one_account_in_one_process(
    tmp_path: Path, second_after: float
) -> None:
    world, db = _world(), tmp_path / "tgkit.db"
    first = TelegramSession.sandbox(world, world.me, config=FAST, store=db)  # type: ignore[attr-defined]
    second = TelegramSession.sandbox(world, world.me, config=FAST, store=db)  # type: ignore[attr-defined]
    async with first, second:

        async def later() -> pd.DataFrame:
            await asyncio.sleep(second_after)
            return await second.scrape_group_members("@shared_group")

        results = await asyncio.gather(
            first.scrape_group_members("@shared_group"), later(), return_exceptions=True
        )
    frames = [r for r in results if isinstance(r, pd.DataFrame)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert frames and all(isinstance(r, CollectionInUse) for r in refused), results
    for error in refused:
        assert "--no-resume" in str(error) and "resume=False" in str(error)
    with Store(db) as store:
        listing = store.collections()
        assert listing["status"].tolist() == ["complete"]
        stored = store.frame(listing["id"].iloc[0])  # a NumPy id, as a frame gives it
        assert len(stored) == 1501 and stored.equals(store.frame(np.int64(1)))
    for frame in frames:
        assert sorted(frame["user_id"]) == sorted(stored["user_id"])


def test_one_collector_per_collection_even_on_one_store(tmp_path: Path) -> None:
    with Store(tmp_path / "tgkit.db") as store, Store(tmp_path / "tgkit.db") as other:
        c = store.open_collection(**MEMBERS)
        for opener in (store, other):
            with pytest.raises(CollectionInUse, match=f"this process \\({os.getpid()}\\)"):
                opener.open_collection(**MEMBERS)
        with pytest.raises(CollectionInUse):  # a loser cannot finish (downgrade) it either
            other.finish(c.id, "failed", error="lost the race")
        store.finish(c.id, "complete")
        store.finish(c.id, "failed", error="late")  # never downgraded
        assert other.collection(c.id).status == "complete"


def test_a_dead_runs_pid_is_not_its_ownership(tmp_path: Path) -> None:
    db = tmp_path / "tgkit.db"
    with Store(db) as store:
        c = store.open_collection(**MEMBERS)
    # the store closed without finishing (a crash); its row names a pid that is
    # alive now (pid reuse: here, this very test process and pid 1)
    for pid in (os.getpid(), 1):
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE collections SET owner_pid = ? WHERE id = ?", (pid, c.id))
        with Store(db) as store:
            assert store.collection(c.id).status == "interrupted"
            again = store.open_collection(**MEMBERS)
            assert again.id == c.id and again.resumed and again.status == "running"
            assert store.collection(c.id).status == "running"
