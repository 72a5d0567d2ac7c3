"""A tracking run in its own process, for the kill tests: ``track_writer.py DB DATASET
[HOLD_AFTER_ROWS]``.

The world is the same in every process (seeded), so a run killed half way and
the next run see the same chats, ids and access hashes. Prints one JSON line
with the run's counts when it ends. With ``HOLD_AFTER_ROWS``, once the store
holds that many tracked rows the sandbox stops answering (its latency becomes
an hour) and ``holding`` is printed: a signal sent then lands mid-run however
loaded the machine is (polling from outside could see the run end first).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
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


def stored_rows(db: Path) -> int:
    """Rows the store holds for tracking rounds (0 while it cannot be read)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as connection:
            return sum(n for (n,) in connection.execute(
                "SELECT rows FROM collections WHERE params LIKE '%track%'"))
    except sqlite3.Error:
        return 0


async def hold(the_world, db: Path, rows: int) -> None:  # type: ignore[no-untyped-def]
    while True:  # the store is written by the run in this loop: look between its steps
        if stored_rows(db) >= rows:
            break
        await asyncio.sleep(0.005)
    the_world.latency = 3600.0
    print("holding", flush=True)


async def main(db: Path, dataset: Path, hold_after: int | None) -> None:
    the_world = world()
    async with session(the_world, db) as tg:
        await tg.watch(CHANNELS)
        holder = asyncio.ensure_future(hold(the_world, db, hold_after)) if hold_after else None
        result = await tg.track(dataset=dataset, refresh_days=0, chat_info=False)
        if holder is not None:
            holder.cancel()
    print(json.dumps(result.counts()), flush=True)


if __name__ == "__main__":
    hold_after = int(sys.argv[3]) if len(sys.argv) > 3 else None
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), hold_after))
