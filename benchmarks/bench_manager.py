"""SessionManager speed-up: the same study on 1, 2 and 4 accounts under a flood limit.

40 public groups of 5,000 members each are collected with
``SessionManager.scrape_many`` on a sandbox world whose
``channels.GetParticipants`` flood limit counts per account, as Telegram's
does (default: 25 calls in any 1 s window, then a 1 s flood wait, which
each session sleeps through — tgkit waits flood waits out, it never evades
them), and where every request takes 30 ms on the "network" (Telegram's
real round trips are slower). More accounts bring more total budget, so
the work should finish about N times faster on N accounts. Target: a
speed-up of at least 0.8 × N. (It can exceed N: spread over more accounts,
each may stay under the flood limit and sleep less in total; the ``slept``
column shows it. ``--latency 0.01`` keeps every run flood-bound.)

Pacing budgets are off (the sandbox's flood limit is the constraint here;
``SessionConfig.pacing`` would keep far inside Telegram's limits and make a
benchmark take an hour) and the store is off (it is measured in
bench_store.py). Everything runs in one process and one event loop, so
the sandbox's own CPU time does not shrink with more accounts: the flood
waits must dominate, as they do against Telegram.

Run::

    .venv/bin/python benchmarks/bench_manager.py
    .venv/bin/python benchmarks/bench_manager.py --groups 12 --accounts 1 2   # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from dataclasses import dataclass

from tgkit.core import SessionConfig
from tgkit.manager import SessionManager
from tgkit.sandbox import World
from tgkit.session import TelegramSession

CONFIG = SessionConfig(pacing=False, flood_sleep_max=60.0)
METHOD = "channels.GetParticipants"


@dataclass(frozen=True)
class Setup:
    groups: int
    members: int
    calls: int
    per: float
    wait: int
    latency: float


@dataclass(frozen=True)
class Run:
    accounts: int
    seconds: float
    cpu: float  # CPU seconds of this process (sandbox and tgkit share one thread)
    rows: int
    failed: int
    requests: Counter[str]
    flood_wait: float  # seconds slept through flood waits, summed over accounts


def build_world(setup: Setup, accounts: int) -> tuple[World, list, list[str]]:
    world = World(seed=8, latency=setup.latency)
    users = [world.add_user(f"Researcher{i}", username=f"researcher_{i}") for i in range(accounts)]
    people = world.add_people(setup.members * 4)
    targets = []
    for index in range(setup.groups):
        start = (index * setup.members // 2) % (len(people) - setup.members)
        group = world.add_supergroup(
            f"Group {index}", username=f"study_group_{index:03d}",
            members=people[start:start + setup.members],
        )
        for user in users:
            world.join(group, user)
        targets.append(f"@study_group_{index:03d}")
    world.flood_limit(METHOD, calls=setup.calls, per=setup.per, wait=setup.wait)
    return world, users, targets


async def run(setup: Setup, accounts: int) -> Run:
    world, users, targets = build_world(setup, accounts)
    sessions = [
        TelegramSession.sandbox(world, user, name=f"acc{i}", config=CONFIG, store=False)
        for i, user in enumerate(users)
    ]
    flood_wait = 0.0
    async with SessionManager(sessions) as manager:
        world.reset_stats()
        begun, cpu_begun = time.perf_counter(), time.process_time()
        frame, outcomes = await manager.scrape_many(targets)
        seconds = time.perf_counter() - begun
        cpu = time.process_time() - cpu_begun
        for session in sessions:
            flood_wait += sum(
                float(record.report.get("flood_wait_s", 0.0))
                for record in session.scheduler.history
            )
    stats = world.stats()
    by_account = Counter({
        f"acc{i}": stats.count(METHOD, user=user) for i, user in enumerate(users)
    })
    failed = int((outcomes["status"] != "done").sum())
    return Run(accounts, seconds, cpu, len(frame), failed, by_account, flood_wait)


def report(runs: list[Run], setup: Setup) -> None:
    base = runs[0]
    print(
        f"{setup.groups} groups x {setup.members:,} members; flood limit {METHOD}: "
        f"{setup.calls} calls / {setup.per:g} s, then a {setup.wait} s wait (per account); "
        f"latency {setup.latency * 1000:g} ms a request"
    )
    print(f"{'accounts':>8} {'seconds':>8} {'cpu':>6} {'speed-up':>9} {'target':>7} {'ok':>3}  "
          f"{'rows':>8} {'failed':>6} {'slept':>6}  {METHOD} per account")
    for result in runs:
        speedup = base.seconds / result.seconds * base.accounts
        target = 0.8 * result.accounts
        ok = "yes" if result.accounts == base.accounts or speedup >= target else "NO"
        per_account = ", ".join(f"{name} {n}" for name, n in sorted(result.requests.items()))
        print(
            f"{result.accounts:>8} {result.seconds:>8.2f} {result.cpu:>6.1f} "
            f"{speedup:>8.2f}x {target:>6.1f}x "
            f"{ok:>3}  {result.rows:>8,} {result.failed:>6} {result.flood_wait:>5.0f}s  "
            f"{per_account}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=25, help="flood limit: calls per window")
    parser.add_argument("--per", type=float, default=1.0, help="flood limit: window in seconds")
    parser.add_argument("--wait", type=int, default=1, help="flood wait in seconds")
    parser.add_argument(
        "--latency", type=float, default=0.03, help="seconds each request takes on the network"
    )
    parser.add_argument("--accounts", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    setup = Setup(args.groups, args.members, args.calls, args.per, args.wait, args.latency)
    runs = [asyncio.run(run(setup, n)) for n in args.accounts]
    report(runs, setup)


if __name__ == "__main__":
    main()
