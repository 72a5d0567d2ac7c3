"""What the sandbox itself costs, so tgkit benchmarks can tell sandbox cost from tgkit cost.

Run:  .venv/bin/python benchmarks/bench_sandbox.py [--members 100000] [--messages 100000]

Measures, through a real TelegramClient on the sandbox (bare Telethon, no tgkit):
building a world of ``--members`` members and ``--messages`` messages;
``get_participants`` of that group (Telegram's listing stops at 10,000, 200 a
page); a search sweep over the letters a-z (every query capped at 10,000);
and reading the whole history (100 a page). Each line gives requests, total
time, requests per second and items per second.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import string
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import telethon
from telethon import types

from tgkit.sandbox import World


@dataclass(frozen=True, slots=True)
class Measured:
    """One benchmark line."""

    label: str
    requests: int
    seconds: float
    items: int

    def line(self) -> str:
        per_second = self.requests / self.seconds if self.seconds else float("inf")
        items_per_second = self.items / self.seconds if self.seconds else float("inf")
        return (f"{self.label:<44} {self.requests:>6} req {self.seconds:>8.3f} s "
                f"{per_second:>8.0f} req/s {items_per_second:>10.0f} items/s")


async def _measure(world: World, label: str, method: str,
                   work: Callable[[], Awaitable[int]]) -> Measured:
    world.reset_stats()
    started = time.perf_counter()
    items = await work()
    seconds = time.perf_counter() - started
    return Measured(label, world.stats().count(method), seconds, items)


async def run(members: int, messages: int) -> list[Measured]:
    started = time.perf_counter()
    world = World(seed=0)
    me = world.add_user("Bench", username="bench_account")
    group = world.add_supergroup("Bench group", username="bench_group", members=members,
                                 admins=[me])
    world.generate_messages(group, messages)
    built = time.perf_counter() - started
    results = [Measured(f"build world ({members:,} members, {messages:,} messages)", 0,
                        built, members + messages)]
    client = world.client(me)
    await client.connect()
    try:
        await client.get_input_entity("bench_group")

        async def recent() -> int:
            return len(await client.get_participants(
                "bench_group", filter=types.ChannelParticipantsRecent))

        async def recent_again() -> int:
            return await recent()

        async def sweep() -> int:
            seen: set[int] = set()
            for letter in string.ascii_lowercase:
                found = await client.get_participants(
                    "bench_group", filter=types.ChannelParticipantsSearch(letter))
                seen.update(user.id for user in found)
            return len(seen)

        async def history() -> int:
            count = 0
            async for _ in client.iter_messages("bench_group", limit=messages, wait_time=0):
                count += 1
            return count

        results.append(await _measure(world, "get_participants (recent, capped at 10,000)",
                                      "channels.GetParticipants", recent))
        results.append(await _measure(world, "get_participants again (warm caches)",
                                      "channels.GetParticipants", recent_again))
        results.append(await _measure(world, "search sweep a-z (distinct users)",
                                      "channels.GetParticipants", sweep))
        results.append(await _measure(world, f"iter_messages ({messages:,} messages)",
                                      "messages.GetHistory", history))
    finally:
        await client.disconnect()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    print(f"Telethon {telethon.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}")
    for measured in asyncio.run(run(args.members, args.messages)):
        print(measured.line())


if __name__ == "__main__":
    main()
