"""scrape_group_members against bare Telethon, measured in the same run, on the sandbox.

Run:  .venv/bin/python benchmarks/bench_members.py [--members 10000] [--big 100000] [--rounds 5]
          [--million 1000000] [--memory N] [--skip-part-one]

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

Part 2, ``--big``-member groups past the cap (issue 18): the search sweep on
the old generator's group (kept so figures stay comparable) and on groups
whose names look like real ones (``tgkit.sandbox.realistic``: English,
Russian, mixed), then on a ``--million``-member mixed group. Per group:
members, findable members (not deleted, a word starting with a letter or
digit), reachable ones (shown within the cap by the query of all their words:
on a million members, thousands of "James" with no other word are behind
10,000 others and no query shows them), rows, coverage of both, requests and
participant pages per 10,000 members, the ratio to the floor (one page per 200 members), and the
time it would take at Telegram's pace (the default budget: 24 participant
pages per 30 s); the run itself is paced off.

Part 3, memory at scale (``--memory``, default the ``--million`` group): the
peak memory of collecting every member with the store off and on, against the
final frame's own memory (``memory_usage(deep=True)``); target: under 3x.
Each collection runs in a fresh subprocess, so nothing of an earlier run (a
warm-up frame, caches, the other store setting) is counted. The sandbox world
(the simulated group, hundreds of MiB at a million members) is built before
tracing starts, so only what the collection allocates counts. The peak is
tracemalloc's peak (Python objects and numpy buffers, which numpy reports to
it) plus the Arrow memory pool's high-water mark: the frame's string columns
live in Arrow buffers that tracemalloc cannot see, plus SQLite's own memory
high-water (``sqlite3_memory_highwater``: the store's page cache, and the
sandbox clients' entity cache, which lives in SQLite as a real session
file's does). Adding peaks that may not coincide over-states the peak, never
under-states it. RSS high-water was not used because it would count the
world and the allocator's retained pages.

Each child prints where its time went. At 1,000,000 members (a loaded
2-core machine): world 15 s, the untraced warm-up collection ~3 min, the
traced collection ~19 min: tracing every allocation (tracemalloc's hook on
each of the millions of Telethon and sandbox objects a sweep decodes and
encodes) makes the same collection ~6.5x slower, so a full part 3 at a
million takes ~45 min. ``--memory 100000`` takes ~2 min.
"""

from __future__ import annotations

import _sqlite3
import argparse
import asyncio
import ctypes
import gc
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import telethon
from telethon.tl import types

from tgkit.core import OperationKind, SessionConfig
from tgkit.sandbox import PeopleMix, World
from tgkit.sandbox.participants import LISTING_CAP, words_of
from tgkit.sandbox.realistic import RealisticMix
from tgkit.session import TelegramSession

#: Pacing off; a million-member sweep runs longer than a scrape's default timeout.
CONFIG = SessionConfig(pacing=False, timeouts={OperationKind.SCRAPE: 24 * 3600})

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


def build_world(members: int, seed: int = 0, mix: PeopleMix | None = None) -> tuple[World, Any]:
    """A world whose @bench_group has ``members`` members, the benchmark account among them."""
    world = World(seed=seed)
    me = world.add_user("Bench", username="bench_account")
    people = world.add_people(members - 1, mix) if mix is not None else members - 1
    group = world.add_supergroup("Bench group", username="bench_group", members=people)
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


GROUPS: dict[str, Callable[[], PeopleMix | None]] = {
    "old generator": lambda: None,
    "English": RealisticMix.english,
    "Russian": RealisticMix.russian,
    "mixed": RealisticMix.mixed,
}
#: Participant pages Telegram allows: the default budget, 24 pages per 30 s.
PAGES_PER_SECOND = 24 / 30


def findable(world: World, member_ids: Any) -> set[int]:
    """Members search can find: not deleted, with a word that starts with a letter or digit."""
    found = set()
    for uid in member_ids:
        user = world.users[uid]
        words = words_of(user.first_name, user.last_name, user.username)
        if not user.deleted and any(word[0].isalnum() for word in words):
            found.add(uid)
    return found


def reachable(world: World, chat: Any, candidates: set[int]) -> set[int]:
    """The candidates some search query shows within the listing cap. The tightest query
    for a member is all its searchable words at once (results come in one recent order,
    so a narrower query never ranks it later): a member is reachable when that query's
    first LISTING_CAP results hold it. Beyond it are, say, the 'James' with no other
    word who joined before 10,000 other members with a word starting 'james'."""
    words = {uid: [w for w in words_of(u.first_name, u.last_name, u.username) if w[0].isalnum()]
             for uid in candidates if (u := world.users[uid])}
    found: set[int] = set()
    for word in sorted({w for ws in words.values() for w in ws}):  # one word first: cheap
        found.update(world.roster.search(chat, word)[:LISTING_CAP])
    for uid in candidates - found:
        if uid in world.roster.search(chat, " ".join(words[uid]))[:LISTING_CAP]:
            found.add(uid)
    return found & candidates


async def sweep_figures(label: str, size: int, mix: PeopleMix | None, seed: int) -> None:
    started = time.perf_counter()
    world, me = build_world(size, seed=seed, mix=mix)
    built = time.perf_counter() - started
    world.reset_stats()
    frame = await with_tgkit(world, me, None)
    pages = world.stats().count("channels.GetParticipants")
    total = world.stats().count(user=me)
    members = world.chat("bench_group").members
    can_find = findable(world, members)
    can_reach = reachable(world, world.chat("bench_group"), can_find)
    missed = can_find - set(frame["user_id"])
    floor = len(can_find) / 200
    print(
        f"{label:<14} {size:>9,} {len(can_find):>9,} {len(can_reach):>9,} {len(frame):>9,} "
        f"{1 - len(missed) / len(can_find):>8.2%} "
        f"{1 - len(missed & can_reach) / len(can_reach):>8.2%} "
        f"{total:>8,} {total / size * 10_000:>7.1f} "
        f"{pages / floor:>6.2f} {pages / PAGES_PER_SECOND / 3600:>8.2f} "
        f"{frame.attrs['seconds']:>7.1f} {built:>6.1f}"
    )


async def part_two(size: int, million: int) -> None:
    print()
    print("Part 2: the search sweep past the 10,000 cap (pacing off; Telegram's pace modelled)")
    print(
        f"{'group':<14} {'members':>9} {'findable':>9} {'reachable':>9} {'rows':>9} "
        f"{'coverage':>8} {'of reach':>8} "
        f"{'requests':>8} {'per 10k':>7} {'floor':>6} {'paced h':>8} {'run s':>7} {'build':>6}"
    )
    for seed, (label, mix) in enumerate(GROUPS.items(), start=1):
        if size:
            await sweep_figures(label, size, mix(), seed)
    if million:
        await sweep_figures("mixed", million, RealisticMix.mixed(), 7)
    print(
        "coverage: of the findable members, and of those some query shows within the cap "
        "(of reach); per 10k: requests per 10,000 members (target <= 65 "
        "on the old generator's 100,000); floor: participant pages / one page per 200 findable; "
        "paced h: hours at 24 pages per 30 s"
    )


async def memory_child(size: int, store_on: bool) -> None:
    """One collection in this (fresh) process; prints peak and frame bytes as JSON."""
    started = time.perf_counter()
    world, me = build_world(size, seed=7, mix=RealisticMix.mixed())  # before tracing: not counted
    seconds = {"world_s": time.perf_counter() - started}
    folder = Path(tempfile.mkdtemp(prefix="bench_members_"))
    # An untraced first collection: the modules a scrape imports and the indexes the
    # sandbox builds on its first search are the process's and the world's, not this
    # collection's (the old in-process benchmark's warm-up did the same).
    await with_tgkit(world, me, None)
    seconds["warm_up_s"] = time.perf_counter() - started - seconds["world_s"]
    gc.collect()
    arrow_before = pa.total_allocated_bytes()
    sqlite_before = sqlite_memory()
    sqlite_memory(reset_peak=True)  # the high-water mark starts again from what is in use now
    tracemalloc.start()
    frame = await with_tgkit(world, me, folder / "m.db" if store_on else None)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    seconds["traced_s"] = frame.attrs["seconds"]
    arrow_peak = pa.default_memory_pool().max_memory() - arrow_before
    sqlite_peak = max(0, sqlite_memory(peak=True) - sqlite_before)
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    print(json.dumps({"rows": len(frame), "frame": frame_bytes, "python_peak": python_peak,
                      "arrow_peak": arrow_peak, "sqlite_peak": sqlite_peak,
                      **{name: round(value, 1) for name, value in seconds.items()}}))


def sqlite_memory(*, peak: bool = False, reset_peak: bool = False) -> int:
    """SQLite's memory in use (or its high-water mark, reset to what is in use) in bytes.

    SQLite allocates with its own malloc calls, unseen by tracemalloc; the
    sqlite3 module's library reports them (``sqlite3_memory_used``/``highwater``).
    """
    library = ctypes.CDLL(_sqlite3.__file__)
    if peak or reset_peak:
        read = library.sqlite3_memory_highwater
        read.argtypes = [ctypes.c_int]
        read.restype = ctypes.c_int64
        return int(read(1 if reset_peak else 0))
    used = library.sqlite3_memory_used
    used.restype = ctypes.c_int64
    return int(used())


def measure_in_subprocess(size: int, store_on: bool) -> dict[str, int]:
    command = [sys.executable, __file__, "--memory-child", str(size)]
    command += ["--store-on"] if store_on else []
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


async def part_three(size: int) -> None:
    print()
    print(f"Part 3: memory of a {size:,}-member collection (each in a fresh process)")
    print(f"{'store':<10} {'rows':>9} {'frame MiB':>10} {'python':>8} {'arrow':>7} "
          f"{'sqlite':>7} {'peak MiB':>9} {'ratio':>6} {'seconds':>8}")
    for label, store_on in (("store off", False), ("store on", True)):
        started = time.perf_counter()
        got = measure_in_subprocess(size, store_on)
        peak = got["python_peak"] + got["arrow_peak"] + got["sqlite_peak"]
        print(f"{label:<10} {got['rows']:>9,} {got['frame'] / 2**20:>10,.1f} "
              f"{got['python_peak'] / 2**20:>8,.1f} {got['arrow_peak'] / 2**20:>7,.1f} "
              f"{got['sqlite_peak'] / 2**20:>7,.1f} {peak / 2**20:>9,.1f} "
              f"{peak / got['frame']:>6.2f} {time.perf_counter() - started:>8,.0f}", flush=True)
        print(f"{'':<10} seconds: world {got['world_s']:,.0f}, untraced warm-up collection "
              f"{got['warm_up_s']:,.0f}, traced collection {got['traced_s']:,.0f}", flush=True)
    print("peak = tracemalloc peak + Arrow pool high-water + SQLite high-water (an upper "
          "bound); frame = memory_usage(deep=True); target: ratio < 3")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--million", type=int, default=1_000_000, help="0 skips it")
    parser.add_argument("--memory", type=int, default=None, help="members; 0 skips part 3")
    parser.add_argument("--skip-part-one", action="store_true")
    parser.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--store-on", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        await memory_child(args.memory_child, args.store_on)
        return
    print(
        f"Python {platform.python_version()}, Telethon {telethon.__version__}, "
        f"pandas {pd.__version__}"
    )
    if not args.skip_part_one:
        await part_one(args.members, args.rounds)
    if args.big or args.million:
        await part_two(args.big, args.million)
    memory = args.million if args.memory is None else args.memory
    if memory:
        await part_three(memory)


if __name__ == "__main__":
    asyncio.run(main())
