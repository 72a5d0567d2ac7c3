"""Property: however many accounts share a crawl (in whatever order, from whatever
seeds, to whatever depth), no chat is read twice and the network equals one account's."""

from __future__ import annotations

import asyncio
from functools import cache

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tgkit import SessionManager, TelegramSession
from tgkit.core import SessionConfig
from tgkit.sandbox import World
from tgkit.sandbox.universe import Universe

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)

pytestmark = pytest.mark.telethon_compat


@cache
def _universe() -> Universe:
    universe = World(seed=5, latency=0.0005).generate_universe(channels=60, seed=5)
    for i in range(4):
        universe.world.add_user(f"Crawler {i}", username=f"crawler_{i}")
    return universe


def _crew(universe: Universe, count: int) -> list[object]:
    return [universe.world.find_username(f"crawler_{i}") for i in range(count)]


@cache
def _alone(seeds: tuple[str, ...], depth: int) -> tuple[frozenset[int], frozenset[tuple]]:
    universe = _universe()
    (me,) = _crew(universe, 1)

    async def crawl() -> object:
        async with TelegramSession.sandbox(universe.world, me, config=FAST) as session:
            return await session.discover(list(seeds), depth=depth)

    return _summary(asyncio.run(crawl()))


def _summary(net: object) -> tuple[frozenset[int], frozenset[tuple]]:
    nodes, edges = net.nodes, net.edges  # type: ignore[attr-defined]
    read = frozenset(int(i) for i in nodes.loc[nodes["status"] == "read", "chat_id"])
    posts = edges[edges["kind"] != "recommendation"]
    return read, frozenset(zip(posts["source_chat_id"], posts["edge_id"], posts["weight"],
                               strict=True))


@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(accounts=st.integers(1, 4), seeds=st.integers(1, 4), depth=st.integers(0, 2),
       reverse=st.booleans())
def test_a_pool_reads_each_chat_once_and_finds_one_accounts_network(
    accounts: int, seeds: int, depth: int, reverse: bool
) -> None:
    universe = _universe()
    chosen = tuple(universe.seeds(seeds))
    crew = _crew(universe, accounts)
    if reverse:
        crew.reverse()

    async def crawl() -> object:
        sessions = [TelegramSession.sandbox(universe.world, user, config=FAST, name=f"c{i}")
                    for i, user in enumerate(crew)]
        async with SessionManager(sessions) as manager:
            return await manager.discover(list(chosen), depth=depth)

    expected = _alone(chosen, depth)
    universe.world.reset_stats()
    net = asyncio.run(crawl())
    nodes = net.nodes  # type: ignore[attr-defined]
    history = sum(universe.world.stats().count("messages.GetHistory", user=u) for u in crew)
    tried = nodes["status"].isin(["read", "private"]).sum()
    assert history == tried  # one page per chat (< 100 posts), asked once across the pool
    assert _summary(net) == expected
    read = nodes.loc[nodes["status"] == "read", "chat_id"]
    assert read.is_unique and not pd.isna(read).any()
