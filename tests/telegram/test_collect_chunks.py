"""The chunked members collector gives the old row path's frame, and keeps no Telethon objects."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telethon.tl import types

from tgkit.core import SessionConfig
from tgkit.frames import frame_dtypes
from tgkit.keysets import IntKeys
from tgkit.sandbox import World
from tgkit.session import TelegramSession
from tgkit.telegram import collect, collect_chunks
from tgkit.telegram.collect import PageCollector
from tgkit.telegram.convert import member_columns

pytestmark = pytest.mark.telethon_compat

FAST = SessionConfig(pacing=False)


def _tricky_world() -> tuple[World, object]:
    world = World(seed=3)
    me = world.add_user("Me", username="me_account")
    people = [
        world.add_user(deleted=True),
        world.add_user("Ada", last_name="", username=None),
        world.add_user("🦊", last_name="🌍 Ωmega", username="fox_emoji"),
        world.add_user("Big", last_name="Id", id=9_007_199_254_740_993),
        world.add_user("Бoрис", username=None, bot=True),
        world.add_user(deleted=True),
    ]
    people += world.add_people(500)
    group = world.add_supergroup("Tricky", username="tricky_group", members=people)
    world.join(group, me)
    return world, me


async def _scrape(world: World, me: object) -> pd.DataFrame:
    async with TelegramSession.sandbox(world, me, config=FAST, store=False) as session:
        return await session.scrape_group_members("@tricky_group", resume=False)


async def test_chunked_frame_equals_the_row_path(monkeypatch):
    world, me = _tricky_world()
    monkeypatch.setattr(collect, "_CHUNKED_KINDS", frozenset())
    rows = await _scrape(world, me)
    monkeypatch.setattr(collect, "_CHUNKED_KINDS", frozenset({"members"}))
    monkeypatch.setattr(collect_chunks, "CHUNK_ROWS", 7)  # many chunks, a partial tail
    chunked = await _scrape(world, me)

    assert list(chunked.columns) == list(rows.columns)
    assert dict(chunked.dtypes) == dict(rows.dtypes) == frame_dtypes("members")
    timed = ("collected_at", "last_seen")  # the time of the run (online: last seen now)
    same = [name for name in rows.columns if name not in timed]
    pd.testing.assert_frame_equal(chunked[same], rows[same])
    offline = rows["status"] != "online"
    pd.testing.assert_series_equal(chunked["last_seen"][offline], rows["last_seen"][offline])
    assert len(chunked) == 507
    big = chunked[chunked["user_id"] == 9_007_199_254_740_993]
    assert big["first_name"].tolist() == ["Big"]
    deleted = chunked["is_deleted"].astype(bool)
    assert deleted.sum() >= 2 and chunked["first_name"][deleted].isna().all()  # "" is NA
    assert (chunked["first_name"] == "🦊").sum() == 1
    assert chunked["collected_at"].notna().all()


def test_column_view_reads_like_the_lists():
    chunks = collect_chunks.ChunkedColumns("members", chunk_rows=2)
    chunks.extend({"user_id": [1, 2, 3], "first_name": ["a", "", "c"], "source": ["search"] * 3})
    view = chunks.column("first_name")
    assert list(view) == ["a", None, "c"] and len(view) == 3
    assert view[0] == "a" and view[1] is None and view[-1] == "c"
    assert chunks.column("source").count("search") == 3
    chunks.extend({"user_id": [4], "first_name": ["d"]})
    assert len(view) == 4 and view[3] == "d"  # live: it grows
    frame = chunks.frame()
    assert frame["user_id"].tolist() == [1, 2, 3, 4]
    assert list(view) == ["a", None, "c", "d"]  # still readable after the frame


def test_the_collector_keeps_no_telethon_user_after_a_page():
    collector = PageCollector("members")
    collector_rows = 0
    now = datetime(2024, 5, 1, tzinfo=UTC)
    refs = []
    for page in range(3):
        users = [
            types.User(id=page * 1000 + i, first_name=f"n{i}", username=None,
                       status=types.UserStatusRecently())
            for i in range(200)
        ]
        refs += [weakref.ref(user) for user in users]
        columns = member_columns(users, participants=None, chat_id=-1001, chat_title="Lab",
                                 source="participants", collected_at=now)
        collector_rows += collector.add(columns, checkpoint={})
        del users, columns
    gc.collect()
    assert collector_rows == len(collector) == 600
    assert all(ref() is None for ref in refs)
    assert len(collector.frame()) == 600


@given(batches=st.lists(st.lists(st.integers(-2**63, 2**63 - 1) | st.sampled_from([0, 1, 7]),
                                 max_size=12), max_size=12),
       probe=st.lists(st.integers(-10, 10) | st.integers(-2**63, 2**63 - 1), max_size=20))
@settings(max_examples=200, deadline=None)
def test_int_keys_behave_as_a_set_of_ints(batches, probe):
    keys, reference = IntKeys(merge_at=5), set()
    for batch in batches:
        keys.update(batch)
        reference.update(batch)
        assert len(keys) == len(reference)
        wanted = batch + probe
        assert keys.seen(wanted) == [key in reference for key in wanted]
        assert [key in keys for key in wanted] == [key in reference for key in wanted]
        assert keys.isdisjoint(probe) == reference.isdisjoint(probe)


def test_int_keys_keep_ids_in_an_array_not_python_ints():
    keys = IntKeys(merge_at=100)
    keys.update(range(10**6, 10**6 + 250))
    assert len(keys._recent) < 100 and keys._sorted.dtype == "int64"
    assert 10**6 + 3 in keys and 10**6 + 250 not in keys and "x" not in keys
    keys.update(["odd", None, 2**70, (1, 2)])  # not int64: kept aside, counted and found
    assert "odd" in keys and None in keys and 2**70 in keys and (1, 2) in keys
    assert len(keys) == 254 and keys.seen([2**70, 2**71]) == [True, False]
    assert keys.seen([None, 10**6, 5]) == [True, True, False]
