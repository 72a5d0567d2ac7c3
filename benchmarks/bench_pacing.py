"""Pacer-only benchmark: what pacing costs per request, and what the defaults mean in time.

1. Overhead of ``Pacer.acquire`` on a free budget: pacing off, on, and on with
   a SQLite store (every request time is committed), against an empty
   coroutine call as the baseline.
2. Concurrency: many tasks on one small real-clock budget; the time taken
   against the ideal, and a check that no window held too many requests.
3. The default budgets on a virtual clock (no waiting): how long paging
   through groups of a given size and resolving usernames takes.

    .venv/bin/python benchmarks/bench_pacing.py [--requests 20000] [--tasks 200]

The end-to-end benchmark (a sandbox scrape with pacing on and off) extends
this once the session layer exists.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
from pathlib import Path

from tgkit.core.budgets import DEFAULT_BUDGETS, Rate
from tgkit.pacing import Pacer
from tgkit.store import Store

FREE = {"*": (Rate(10**9, 1),)}


async def nothing(_: str) -> None:
    return None


async def per_call_us(acquire: object, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        await acquire("messages.GetHistory")  # type: ignore[operator]
    return (time.perf_counter() - started) / requests * 1e6


async def overhead(requests: int) -> None:
    print(f"1. acquire() on a free budget, {requests} sequential calls")
    baseline = await per_call_us(nothing, requests)
    print(f"   empty coroutine (baseline)   {baseline:7.2f} us/call")
    for label, pacer in (
        ("pacing off", Pacer("bench", FREE, enabled=False)),
        ("pacing on", Pacer("bench", FREE)),
    ):
        print(f"   {label:<29}{await per_call_us(pacer.acquire, requests):7.2f} us/call")
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "tgkit.db") as store:
        pacer = Pacer("bench", FREE, store=store)
        stored = await per_call_us(pacer.acquire, max(requests // 10, 100))
        print(f"   pacing on, SQLite store      {stored:7.2f} us/call")


async def concurrency(tasks: int) -> None:
    rate = Rate(20, 0.05)
    pacer = Pacer("bench", {"*": (rate,)})
    times: list[float] = []

    async def one() -> None:
        await pacer.acquire("messages.GetHistory")
        times.append(time.time())

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(tasks)))
    took = time.perf_counter() - started
    ideal = (math.ceil(tasks / rate.calls) - 1) * rate.per
    times.sort()
    crowded = sum(1 for a, b in zip(times, times[rate.calls :], strict=False) if b < a + rate.per)
    print(f"2. {tasks} concurrent tasks, budget {rate.calls} per {rate.per} s")
    print(f"   took {took:.3f} s, ideal {ideal:.3f} s; windows over the limit: {crowded}")


async def virtual_seconds(request_type: str, requests: int) -> float:
    now = [0.0]

    async def jump(delay: float) -> None:
        now[0] += delay

    pacer = Pacer("bench", DEFAULT_BUDGETS, clock=lambda: now[0], sleep=jump)
    for _ in range(requests):
        await pacer.acquire(request_type)
    return now[0]


async def defaults() -> None:
    print("3. default budgets, time spent waiting (virtual clock)")
    for members in (10_000, 50_000, 200_000):
        pages = math.ceil(members / 200)
        took = await virtual_seconds("channels.GetParticipants", pages)
        print(f"   {members:>7} members, {pages:>4} participant pages   {took / 60:6.1f} min")
    for messages in (10_000, 100_000):
        pages = math.ceil(messages / 100)
        took = await virtual_seconds("messages.GetHistory", pages)
        print(f"   {messages:>7} messages, {pages:>4} history pages     {took / 60:6.1f} min")
    for names in (20, 60, 100):
        took = await virtual_seconds("contacts.ResolveUsername", names)
        print(f"   {names:>7} username resolutions              {took / 60:6.1f} min")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args()
    await overhead(args.requests)
    await concurrency(args.tasks)
    await defaults()


if __name__ == "__main__":
    asyncio.run(main())
