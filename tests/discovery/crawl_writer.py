"""A crawl in its own process, for the kill tests: ``crawl_writer.py DB OUT.json``.

Builds the same universe every time (seeded), crawls it depth 2 into the store
``DB`` with a little latency per request (so a test can stop it half way), and
writes what it asked and found to ``OUT.json``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from tgkit.core import SessionConfig
from tgkit.sandbox import World
from tgkit.session import TelegramSession
from tgkit.store import Store

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)
DAYS_BACK = 90  # the universe's posts span 60 days: the window holds them all


async def main(db: str) -> dict[str, object]:
    universe = World(seed=11, latency=0.01).generate_universe(channels=120, seed=11)
    me = universe.world.add_user("Ada", username="ada_crawls")
    async with TelegramSession.sandbox(universe.world, me, config=FAST,
                                       store=Store(db)) as session:
        net = await session.discover(universe.seeds(3), depth=2, days_back=DAYS_BACK)
    posts = net.edges[net.edges["kind"] != "recommendation"]
    read = net.nodes[net.nodes["status"] == "read"]
    return {
        "history": universe.world.stats().count("messages.GetHistory"),
        "read": sorted(int(i) for i in read["chat_id"]),
        "edges": sorted([int(s), int(e), int(w)] for s, e, w in zip(
            posts["source_chat_id"], posts["edge_id"], posts["weight"], strict=True)),
        "resumed": bool(net.attrs["resumed"]),
    }


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(asyncio.run(main(sys.argv[1]))), encoding="utf-8")
