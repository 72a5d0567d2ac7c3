"""discover over a SessionManager's pool: each chat read once across the accounts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tgkit import SessionManager, TelegramSession
from tgkit.core import SessionConfig
from tgkit.sandbox import User
from tgkit.sandbox.universe import Universe
from tgkit.telegram.discovery import DISCOVER

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)

pytestmark = pytest.mark.telethon_compat


def _post_edges(edges: pd.DataFrame) -> pd.DataFrame:
    posts = edges[edges["kind"] != "recommendation"]  # recommendations are dated when seen
    return posts.sort_values(["source_chat_id", "edge_id"]).reset_index(drop=True)


async def test_three_accounts_share_a_crawl_and_read_each_chat_once(
    universe: Universe, me: User
) -> None:
    world = universe.world
    seeds = universe.seeds(4)
    async with TelegramSession.sandbox(world, me, config=FAST) as alone:
        single = await alone.discover(seeds, depth=2)
    crew = [world.add_user(f"Crawler {i}", username=f"crawler_{i}") for i in range(3)]
    world.reset_stats()
    sessions = [TelegramSession.sandbox(world, user, config=FAST, name=f"c{i}")
                for i, user in enumerate(crew)]
    async with SessionManager(sessions) as manager:
        handle = manager.submit(DISCOVER, DISCOVER.check(seeds, depth=2))
        pooled = await handle
    assert handle.report["discover"]["chats_read"] == (pooled.nodes["status"] == "read").sum()
    assert handle.report["requests"]["messages.GetHistory"] >= 1, handle.report
    assert " read · frontier 0 · " in handle.label and "GetHistory" in handle.label
    stats = world.stats()
    reads = {user.username: stats.count("messages.GetHistory", user=user) for user in crew}
    read = pooled.nodes[pooled.nodes["status"] == "read"]
    refused = pooled.nodes[pooled.nodes["status"] == "private"]
    # each chat holds < 100 posts: one history page per chat, asked by one account only
    assert sum(reads.values()) == len(read) + len(refused)
    assert sum(1 for count in reads.values() if count > 0) >= 2, reads
    assert len(set(read["chat_id"])) == len(read)
    assert set(read["chat_id"]) == set(single.nodes.loc[single.nodes["status"] == "read",
                                                        "chat_id"])
    pd.testing.assert_frame_equal(_post_edges(pooled.edges), _post_edges(single.edges))
    # forward-found chats were read by id with the reader's own access hash: every chat
    # ends as it does for one account (a hash of another account would be refused)
    def statuses(net: object) -> pd.Series:
        nodes = net.nodes  # type: ignore[attr-defined]
        return nodes.set_index("target")["status"].sort_index()

    pd.testing.assert_series_equal(statuses(pooled), statuses(single))
    resolves = sum(stats.count("contacts.ResolveUsername", user=user) for user in crew)
    mentioned = pooled.nodes["first_found_via"].isin(["mention", "link", "seed"])
    assert resolves <= int(mentioned.sum())


async def test_the_pool_crawl_is_stored_and_continues(universe: Universe,
                                                      tmp_path: Path) -> None:
    from tgkit.store import Store

    world = universe.world
    seeds = universe.seeds(3)
    crew = [world.add_user(f"Crawler {i}", username=f"crawler_{i}") for i in range(2)]
    store = Store(tmp_path / "pool.db")

    def pool() -> SessionManager:
        return SessionManager([TelegramSession.sandbox(world, user, config=FAST, name=f"c{i}",
                                                       store=store)
                               for i, user in enumerate(crew)], name="crawlers")

    async with pool() as manager:
        first = await manager.discover(seeds, depth=1, max_chats=3)
    assert (first.nodes["status"] == "read").sum() == 3
    world.reset_stats()
    async with pool() as manager:
        again = await manager.discover(seeds, depth=1, max_chats=3)
    assert world.stats().count("messages.GetHistory") == 0  # complete: nothing read again
    pd.testing.assert_frame_equal(again.edges, first.edges)


async def test_the_network_as_a_networkx_graph(universe: Universe, me: User) -> None:
    async with TelegramSession.sandbox(universe.world, me, config=FAST) as session:
        net = await session.discover(universe.seeds(3), depth=1)
    graph = net.to_networkx()
    assert graph.number_of_edges() == len(net.edges)
    assert graph.number_of_nodes() >= (net.nodes["status"] == "read").sum()
    hub = net.edges.groupby("target_chat_id")["weight"].sum().idxmax()
    weights = sum(d["weight"] for _, _, d in graph.in_edges(int(hub), data=True))
    assert weights == net.edges.loc[net.edges["target_chat_id"] == hub, "weight"].sum()
    read = net.nodes[net.nodes["status"] == "read"].iloc[0]
    assert graph.nodes[int(read["chat_id"])]["title"] == read["title"]


async def test_an_account_in_a_long_flood_wait_hands_its_chats_to_the_others(
    universe: Universe, me: User
) -> None:
    world = universe.world
    seeds = universe.seeds(3)
    async with TelegramSession.sandbox(world, me, config=FAST) as alone:
        single = await alone.discover(seeds, depth=1)
    crew = [world.add_user(f"Crawler {i}", username=f"crawler_{i}") for i in range(2)]
    world.fail_next("contacts.ResolveUsername", "FLOOD_WAIT_36000", user=crew[0])
    world.reset_stats()
    sessions = [TelegramSession.sandbox(world, user, config=FAST, name=f"c{i}")
                for i, user in enumerate(crew)]
    async with SessionManager(sessions) as manager:
        pooled = await manager.discover(seeds, depth=1)  # not ten hours: the other one reads
    assert set(pooled.nodes.loc[pooled.nodes["status"] == "read", "chat_id"]) == set(
        single.nodes.loc[single.nodes["status"] == "read", "chat_id"])
    pd.testing.assert_frame_equal(_post_edges(pooled.edges), _post_edges(single.edges))
    assert world.stats().count("contacts.ResolveUsername", user=crew[0]) == 1  # the refused
