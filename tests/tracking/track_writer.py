"""A tracking run in its own process, for the kill tests: ``track_writer.py DB DATASET``.

The world is the same in every process (seeded), so a run killed half way and
the next run see the same chats, ids and access hashes. Prints one JSON line
with the run's counts when it ends.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from tracking_helpers import CHANNELS, session, tracking_world

#: Messages per channel: enough pages that a kill lands mid-run.
HISTORY = 2500


def world():  # type: ignore[no-untyped-def]
    world = tracking_world(seed=11)
    for chat in world.chats.values():
        world.generate_messages(chat, HISTORY, days=5)
    return world


async def main(db: Path, dataset: Path) -> None:
    async with session(world(), db) as tg:
        await tg.watch(CHANNELS)
        result = await tg.track(dataset=dataset, refresh_days=0, chat_info=False)
    print(json.dumps(result.counts()), flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
