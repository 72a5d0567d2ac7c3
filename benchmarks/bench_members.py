"""scrape_group_members against bare Telethon, measured in the same run, on the sandbox.

Run:  .venv/bin/python benchmarks/bench_members.py [--members 10000] [--big 100000] [--rounds 5]

Part 1, a group under the 10,000 listing cap (``--members``): the same work
done two ways, alternating, ``--rounds`` times each, medians reported:

- baseline: bare Telethon ``client.get_participants("@group")`` and a
  hand-made DataFrame of the same fields from the users and their
  participant records (what a researcher writes without tgkit);
- tgkit: ``await session.scrape_group_members("@group")`` with pacing off,
  store off, and again with the store on (every page committed to SQLite
  before it counts).

Time ratio target < 1.15, peak memory (tracemalloc, measured in separate
runs so it does not skew the times) target < 1.5x the baseline's.

Part 2, a ``--big`` group past the cap: coverage reached by the search sweep,
requests per 10,000 members, and time (pacing off; with pacing on, the
default budget of 24 participant pages per 30 s sets the pace instead).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import platform
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pandas as pd
import telethon
from telethon.tl import types

from tgkit.core import SessionConfig
from tgkit.sandbox import World
from tgkit.session import TelegramSession

CONFIG = SessionConfig(pacing=False)

_STATUS = {
    types.UserStatusOnline: "online",
    types.UserStatusOffline: "offline",
    types.UserStatusRecently: "recently",
    types.UserStatusLastWeek: "last_week",
    types.UserStatusLastMonth: "last_month",
}


def hand_made_frame(users: list[Any], chat_id: int, title: str) -> pd.DataFrame:
    """What a researcher writes without tgkit: the same fields, one list per column."""
    now = pd.Timestamp.now(tz="UTC")
    participants = [getattr(u, "participant", None) for u in users]
    return pd.DataFrame(
        {
            "user_id": [u.id for u in users],
            "username": [u.username for u in users],
            "first_name": [u.first_name for u in users],
            "last_name": [u.last_name for u in users],
            "phone": [u.phone for u in users],
            "is_bot": [bool(u.bot) for u in users],
            "is_deleted": [bool(u.deleted) for u in users],
            "is_verified": [bool(u.verified) for u in users],
            "is_premium": [bool(u.premium) for u in users],
            "is_scam": [bool(u.scam) for u in users],
            "is_fake": [bool(u.fake) for u in users],
            "status": [_STATUS.get(type(u.status)) for u in users],
            "last_seen": pd.to_datetime(
                [getattr(u.status, "was_online", None) for u in users], utc=True
            ),
            "role": [type(p).__name__ if p is not None else None for p in participants],
            "joined_at": pd.to_datetime([getattr(p, "date", None) for p in participants], utc=True),
            "source": "participants",
            "chat_id": chat_id,
            "chat_title": title,
            "collected_at": now,
        }
    )


def build_world(members: int, seed: int = 0) -> tuple[World, Any]:
    """A world whose @bench_group has ``members`` members, the benchmark account among them."""
    world = World(seed=seed)
    me = world.add_user("Bench", username="bench_account")
    group = world.add_supergroup("Bench group", username="bench_group", members=members - 1)
    world.join(group, me)
    return world, me


async def baseline(world: World, me: Any) -> pd.DataFrame:
    client = world.client(me)
    await client.connect()
    try:
        started = time.perf_counter()
        users = await client.get_participants("bench_group")
        channel = await client.get_entity("bench_group")
        frame = hand_made_frame(list(users), -1_000_000_000_000 - channel.id, channel.title)
        frame.attrs["seconds"] = time.perf_counter() - started
        return frame
    finally:
        await client.disconnect()


async def with_tgkit(world: World, me: Any, store: Path | None) -> pd.DataFrame:
    async with TelegramSession.sandbox(world, me, config=CONFIG, store=store or False) as session:
        started = time.perf_counter()
        frame = await session.scrape_group_members("@bench_group", resume=False)
        frame.attrs["seconds"] = time.perf_counter() - started
        return frame


async def peak_memory(work: Callable[[], Awaitable[Any]]) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = await work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


async def part_one(members: int, rounds: int) -> None:
    world, me = build_world(members)
    folder = Path(tempfile.mkdtemp(prefix="bench_members_"))
    ways: dict[str, Callable[[], Awaitable[pd.DataFrame]]] = {
        "bare Telethon + DataFrame": lambda: baseline(world, me),
        "tgkit, store off": lambda: with_tgkit(world, me, None),
        "tgkit, store on": lambda: with_tgkit(world, me, folder / f"s{time.time_ns()}.db"),
    }
    for work in ways.values():  # warm up imports and caches
        await work()
    times: dict[str, list[float]] = {label: [] for label in ways}
    rows: dict[str, int] = {}
    for _ in range(rounds):
        for label, work in ways.items():
            gc.collect()  # each way starts without the previous one's garbage
            frame = await work()
            times[label].append(frame.attrs["seconds"])
            rows[label] = len(frame)
    peaks = {label: await peak_memory(work) for label, work in ways.items()}

    base_label = "bare Telethon + DataFrame"
    base_time = statistics.median(times[base_label])
    print(f"Part 1: {members:,}-member group, median of {rounds} rounds (pacing off)")
    print(f"{'way':<28} {'rows':>7} {'median s':>9} {'ratio':>6} {'peak MiB':>9} {'ratio':>6}")
    for label in ways:
        median = statistics.median(times[label])
        print(
            f"{label:<28} {rows[label]:>7,} {median:>9.3f} {median / base_time:>6.2f} "
            f"{peaks[label] / 2**20:>9.1f} {peaks[label] / peaks[base_label]:>6.2f}"
        )
    print("targets: time ratio < 1.15, peak memory ratio < 1.5 (store off)")


async def part_two(size: int) -> None:
    started = time.perf_counter()
    world, me = build_world(size, seed=1)
    built = time.perf_counter() - started
    world.reset_stats()
    frame = await with_tgkit(world, me, None)
    pages = world.stats().count("channels.GetParticipants")
    total = world.stats().count(user=me)
    members = world.chat("bench_group").members
    deleted = sum(world.users[uid].deleted for uid in members)
    missing = set(members) - set(frame["user_id"])
    findable_missing = sum(not world.users[uid].deleted for uid in missing)
    print()
    print(f"Part 2: {size:,}-member group (world built in {built:.1f} s, pacing off)")
    print(
        f"  rows {len(frame):,} of {frame.attrs['reported_total']:,} reported: "
        f"coverage {frame.attrs['coverage']:.2%} ({deleted:,} deleted accounts in the group)"
    )
    print(f"  missing {len(missing):,}, of which not deleted (findable): {findable_missing}")
    print(f"  sources {frame['source'].value_counts().to_dict()}")
    print(
        f"  requests {total:,} ({pages:,} participant pages): "
        f"{total / size * 10_000:.0f} per 10,000 members"
    )
    print(f"  time {frame.attrs['seconds']:.2f} s")
    print(f"  note: {frame.attrs['coverage_note']}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()}, Telethon {telethon.__version__}, "
        f"pandas {pd.__version__}"
    )
    await part_one(args.members, args.rounds)
    if args.big:
        await part_two(args.big)


if __name__ == "__main__":
    asyncio.run(main())
