"""Tracking's second run: what it costs when nothing is new.

A sandbox world with ``--channels`` channels (200 by default) of
``--messages`` posts each over the last year, all tracked in one watchlist.
Run 1 collects every history; run 2, with nothing posted since, should only
look: at most one ``messages.GetHistory`` per channel plus the pages of the
refresh window (``--refresh-days``, 3 by default), and take under 5 % of run
1's time at Telegram's pace.

Time at Telegram's pace is modelled from the requests each run sent and the
default budgets (``tgkit.pacing.budgets.DEFAULT_BUDGETS``): a budget of
``calls`` per ``per`` seconds lets its first ``calls`` requests through at once
and then one every ``per / calls`` seconds; the budgets' times are added (a
conservative model: in a real run they overlap). Pacing itself is off, so the
script runs in seconds of wall time; the wall times are printed too.

Printed: requests per type and per channel for both runs, modelled seconds,
and the ratio run 2 / run 1 three ways:

- without the chats' info (the runs with ``chat_info=True``, their info
  requests left out);
- with the info every run (``chat_info=True``: one ``channels.GetFullChannel``
  per chat and run, which tgkit paces at 30 a minute; it dominates a quiet run);
- with the default ``chat_info="1D"``: a chat's info once a day, so run 2
  (an hour later, say, from cron) takes none; run 1 takes it for every chat.

    .venv/bin/python benchmarks/bench_tracking.py [--channels 200] [--messages 2000]
        [--refresh-days 3]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

from tgkit.core import SessionConfig
from tgkit.pacing.budgets import DEFAULT_BUDGETS, budget_name
from tgkit.sandbox import World
from tgkit.session import TelegramSession


def build_world(channels: int, messages: int) -> tuple[World, object, list[str]]:
    world = World(seed=19)
    me = world.add_user("Researcher", username="researcher")
    names = []
    for index in range(channels):
        channel = world.add_channel(f"Feed {index}", username=f"feed_{index:04d}", subscribers=40)
        channel.members[me.id] = world.now()
        world.generate_messages(channel, messages, days=365)
        names.append(f"@feed_{index:04d}")
    return world, me, names


def modelled_seconds(requests: Counter[str]) -> float:
    """Seconds the requests take at the default budgets (see the module docstring)."""
    per_budget: Counter[str] = Counter()
    for request_type, count in requests.items():
        per_budget[budget_name(request_type, DEFAULT_BUDGETS)] += count
    total = 0.0
    for budget, count in per_budget.items():
        total += max(
            max(0, count - rate.calls) * rate.per / rate.calls for rate in DEFAULT_BUDGETS[budget]
        )
    return total


async def two_runs(
    args: argparse.Namespace, chat_info: bool | str
) -> list[tuple[Counter, float, int]]:
    world, me, names = build_world(args.channels, args.messages)
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        store, dataset = Path(folder) / "tgkit.db", Path(folder) / "study"
        session = TelegramSession.sandbox(
            world, me, store=store, config=SessionConfig(pacing=False)
        )
        async with session as tg:
            await tg.watch(names, watchlist="bench")
            for _ in range(2):
                world.reset_stats()
                started = time.perf_counter()
                result = await tg.track(
                    "bench", dataset=dataset, refresh_days=args.refresh_days, chat_info=chat_info
                )
                wall = time.perf_counter() - started
                assert result.counts()["failed"] == 0, result.failed
                requests = Counter(world.stats().by_method())
                runs.append((requests, wall, result.counts()["new_messages"]))
    return runs


def report(title: str, runs: list[tuple[Counter, float, int]], channels: int) -> None:
    print(f"\n{title}")
    modelled = []
    for number, (requests, wall, new) in enumerate(runs, start=1):
        seconds = modelled_seconds(requests)
        modelled.append(seconds)
        history = requests.get("messages.GetHistory", 0)
        print(
            f"  run {number}: {new:,} new messages; requests {dict(sorted(requests.items()))}; "
            f"history requests per channel {history / channels:.2f}; "
            f"modelled {seconds:,.0f} s at Telegram's pace; wall {wall:.1f} s (pacing off)"
        )
    print(f"  ratio run 2 / run 1 (modelled): {modelled[1] / modelled[0]:.3f}  (target < 0.05)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--refresh-days", type=float, default=3)
    args = parser.parse_args()
    print(
        f"{args.channels} channels x {args.messages} posts over a year, "
        f"refresh {args.refresh_days:g} days"
    )
    runs = asyncio.run(two_runs(args, chat_info=True))
    history_only = [
        (Counter({k: v for k, v in requests.items() if k != "channels.GetFullChannel"}), wall, new)
        for requests, wall, new in runs
    ]
    report("without chat info (its requests left out)", history_only, args.channels)
    report("with chat info every run (chat_info=True)", runs, args.channels)
    daily = asyncio.run(two_runs(args, chat_info="1D"))
    report("with chat info once a day (chat_info='1D', the default)", daily, args.channels)


if __name__ == "__main__":
    main()
