"""discover's nodes as chat_info rows, and join=True: invite-linked chats joined and read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tgkit import TelegramSession
from tgkit.core import SessionConfig
from tgkit.errors import FloodWait
from tgkit.frames import CHAT_COLUMNS, NODE_COLUMNS
from tgkit.pacing.budgets import Rate
from tgkit.sandbox import User, World
from tgkit.sandbox.universe import Universe, UniverseMix, marked

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)

pytestmark = pytest.mark.telethon_compat


async def test_read_nodes_carry_every_chat_info_column(universe: Universe,
                                                       session: TelegramSession) -> None:
    assert set(CHAT_COLUMNS) <= set(NODE_COLUMNS)
    seeds = universe.seeds(2)
    net = await session.discover(seeds, depth=1)
    read = net.nodes[net.nodes["status"] == "read"]
    info = await session.chat_info(list(read["chat_id"]))
    mine = read.set_index("chat_id")[list(CHAT_COLUMNS)[1:-2]].sort_index()
    theirs = info.set_index("chat_id")[list(CHAT_COLUMNS)[1:-2]].sort_index()
    assert mine.astype(str).equals(theirs.astype(str))
    for row in read.itertuples():
        assert row.about == universe.world.chats[int(str(row.chat_id)[4:])].about


async def test_full_info_off_sends_no_get_full_channel(universe: Universe,
                                                      session: TelegramSession) -> None:
    universe.world.reset_stats()
    net = await session.discover(universe.seeds(2), depth=1, full_info=False)
    assert universe.world.stats().count("channels.GetFullChannel") == 0
    assert net.nodes["about"].isna().all()
    assert net.nodes.loc[net.nodes["status"] == "read", "title"].notna().all()


def _invite_sources(universe: Universe) -> list[str]:
    """Seeds whose posts of the last 19 days link private channels by invite."""
    since = universe.world.now() - timedelta(days=19)
    sources = {c.source_id for c in universe.citations
               if c.ref.startswith("https://t.me/+") and c.date >= since}
    return [f"@{universe.world.chats[s].username}" for s in sorted(sources)
            if s in universe.world.chats and universe.world.chats[s].username]


async def test_invite_links_are_edges_and_joined_only_with_join(
    universe: Universe, me: User, session: TelegramSession
) -> None:
    seeds = _invite_sources(universe)[:3]
    assert seeds
    plain = await session.discover(seeds, depth=1, via=("links",))
    invites = plain.nodes[plain.nodes["target"].str.startswith("+")
                          & (plain.nodes["depth"] <= 1)]
    assert len(invites) >= 1
    assert set(invites["status"]) == {"skipped"} and not invites["joined"].any()
    assert invites["reason"].str.contains("join=False").all()
    universe.world.reset_stats()
    joined = await session.discover(seeds, depth=1, via=("links",), join=True)
    rows = joined.nodes[joined.nodes["target"].str.startswith("+")
                        & (joined.nodes["depth"] <= 1)]
    assert set(rows["status"]) == {"read"} and rows["joined"].all()
    private = {marked(i) for i in universe.private}
    assert set(rows["chat_id"]) <= private
    for chat_id in rows["chat_id"]:
        assert me.id in universe.world.chats[int(str(chat_id)[4:])].members
    assert universe.world.stats().count("messages.ImportChatInvite") == len(rows)
    targets = set(joined.edges["target_chat_id"].dropna())
    assert set(rows["chat_id"]) <= targets  # the invite edges now name the chat


async def test_joins_keep_within_telegrams_join_limit() -> None:
    """Telegram floods the 4th join within its window; the crawl's join budget (scaled
    down here to 3 per 0.6 s, like Telegram's 3 per 5 min) spaces the joins instead."""
    world = World(seed=11)
    universe = world.generate_universe(channels=120, seed=11,
                                       mix=UniverseMix(private=0.15, days=20))
    me = world.add_user("Ada", username="ada_crawls")
    world.flood_limit("messages.ImportChatInvite", calls=3, per=0.6, wait=900)
    seeds = _invite_sources(universe)
    async with TelegramSession.sandbox(world, me, config=FAST) as unpaced:
        with pytest.raises(FloodWait):
            await unpaced.discover(seeds, depth=1, via=("links",), join=True,
                                   full_info=False)
    paced = SessionConfig(reconnect_backoff=0.01, drain_timeout=0.5,
                          budgets={"join": (Rate(3, 0.6),), "*": (Rate(10_000, 1),)})
    other = world.add_user("Grace", username="grace_crawls")  # Ada must wait 900 s now
    async with TelegramSession.sandbox(world, other, config=paced) as session:
        net = await session.discover(seeds, depth=1, via=("links",), join=True,
                                     full_info=False)
    rows = net.nodes[net.nodes["target"].str.startswith("+") & (net.nodes["depth"] <= 1)]
    assert len(rows) > 3 and set(rows["status"]) == {"read"}
    assert all(other.id in world.chats[int(str(i)[4:])].members for i in rows["chat_id"])
