"""Discovery figures on a sandbox universe of 2,000 channels, depth 2 from 10 seeds.

Prints: precision and recall of the crawl's edges against the universe's true
citation graph (per kind); ResolveUsername calls per discovered channel for
tgkit's crawl and for a naive crawler that resolves every cited username
(the baseline: same chats read, one ResolveUsername per distinct username
cited, as telegram-tracker-style crawlers do); the modelled time of both
under Telegram's limits on a virtual clock (seconds per request by type,
below); and a crawl cancelled at three random points and resumed, against
an undisturbed one.

    PYTHONPATH=. python benchmarks/bench_discovery.py [--channels 2000] [--seeds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory

import pandas as pd

from tgkit.core import SessionConfig
from tgkit.sandbox import World
from tgkit.sandbox.universe import Universe, marked
from tgkit.session import TelegramSession
from tgkit.store import Store

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)

#: Modelled seconds per request once the burst allowance is spent: Telegram lets a
#: user account read about one history page a second, and resolve a username
#: about once a minute before its day-long flood waits (TELEGRAM-FACTS.md).
COST = {"messages.GetHistory": 1.0, "channels.GetChannelRecommendations": 1.0,
        "channels.GetFullChannel": 1.0, "contacts.ResolveUsername": 60.0}


def modelled(requests: Counter[str]) -> float:
    return sum(COST.get(kind, 1.0) * count for kind, count in requests.items())


def _reads(world: World) -> int:
    return int(world.stats().count("messages.GetHistory"))


def _requests(world: World) -> Counter[str]:
    stats = world.stats()
    return Counter({kind: stats.count(kind) for kind in COST})


def _oracle_id(world: World, target: object) -> int | None:
    if not isinstance(target, str):
        return None
    if target.startswith("+") or "/+" in target:
        invite = world.invites.get(target.rsplit("+", 1)[-1])
        return marked(invite.chat_id) if invite else None
    found = world.find_username(target.lstrip("@"))
    return marked(found.id) if found is not None and hasattr(found, "kind") else None


def _edge_keys(edges: pd.DataFrame, world: World) -> set[tuple[int, str, object]]:
    keys = set()
    for row in edges.itertuples():
        target = (int(row.target_chat_id) if pd.notna(row.target_chat_id)
                  else _oracle_id(world, row.target) or str(row.target).lower())
        keys.add((int(row.source_chat_id), str(row.kind), target))
    return keys


def _truth_keys(truth: pd.DataFrame, world: World) -> set[tuple[int, str, object]]:
    keys = set()
    for row in truth.itertuples():
        if pd.notna(row.target_chat_id):
            target: object = int(row.target_chat_id)
        else:
            ref = str(row.target)
            target = _oracle_id(world, ref) or ("+" + ref.rsplit("+", 1)[-1] if "/+" in ref
                                                 else ref.lower())
        keys.add((int(row.source_chat_id), str(row.kind), target))
    return keys


async def crawl(universe: Universe, me: object, seeds: list[str], depth: int,
                store: Store | None = None, **options: object) -> tuple[object, Counter[str]]:
    world = universe.world
    world.reset_stats()
    async with TelegramSession.sandbox(world, me, config=FAST, store=store) as session:
        net = await session.discover(seeds, depth=depth, **options)
    return net, _requests(world)


async def interrupted(universe: Universe, me: object, seeds: list[str], depth: int,
                      total_reads: int, rng: random.Random, folder: Path) -> Counter[str]:
    world = universe.world
    world.reset_stats()
    store = Store(folder / "crawl.db")
    for stop_at in sorted(rng.sample(range(1, total_reads), 3)):
        async with TelegramSession.sandbox(world, me, config=FAST, store=store) as session:
            task = asyncio.ensure_future(session.discover(seeds, depth=depth))
            while _reads(world) < stop_at and not task.done():  # noqa: ASYNC110
                await asyncio.sleep(0)
            task.cancel()
            try:
                await task
            except BaseException:
                pass
    async with TelegramSession.sandbox(world, me, config=FAST, store=store) as session:
        await session.discover(seeds, depth=depth)
    return _requests(world)


async def forward_only(universe: Universe, me: object, seeds: list[str], depth: int) -> None:
    """Chats found by forwards alone: read by id with the access hash the citing answer
    carried, so no ResolveUsername beyond the seeds'; the naive crawler resolves each."""
    net, requests = await crawl(universe, me, seeds, depth, via=("forwards",), full_info=False)
    nodes = net.nodes  # type: ignore[attr-defined]
    found = nodes[(nodes["status"] == "read") & (nodes["first_found_via"] == "forward")]
    resolves = requests["contacts.ResolveUsername"] - len(seeds)  # the seeds' own
    naive = Counter(requests)
    naive["contacts.ResolveUsername"] += int(found["username"].notna().sum())
    ours, theirs = modelled(requests), modelled(naive)
    print(f"forward-only crawl: {len(found)} forward-found chats read; ResolveUsername per "
          f"forward-found channel: tgkit {max(0, resolves) / max(1, len(found)):.3f} "
          f"(target < 0.1), naive {found['username'].notna().sum() / max(1, len(found)):.3f}; "
          f"modelled time tgkit {ours / 3600:.2f} h, naive {theirs / 3600:.2f} h -> "
          f"{theirs / max(1.0, ours):.1f}x shorter")


async def main(channels: int, seed_count: int, depth: int) -> None:
    started = time.perf_counter()
    universe = World(seed=17).generate_universe(channels=channels, seed=17)
    world = universe.world
    me = world.add_user("Bench", username="bench_crawler")
    seeds = universe.seeds(seed_count)
    print(f"universe: {channels} channels, {len(universe.citations)} citations "
          f"({time.perf_counter() - started:.1f} s to build)")
    net, requests = await crawl(universe, me, seeds, depth)
    nodes, edges = net.nodes, net.edges
    read = nodes[nodes["status"] == "read"]
    since = pd.Timestamp(net.attrs["since"]).to_pydatetime()
    truth = universe.true_edges(since=since, sources={int(i) for i in read["chat_id"]})
    print(f"crawl: depth {depth} from {len(seeds)} seeds: {len(read)} chats read, "
          f"{len(nodes)} found, {len(edges)} edges; requests {dict(requests)}")
    for kind in ("forward", "mention", "link"):
        found = _edge_keys(edges[edges["kind"] == kind], world)
        true = _truth_keys(truth[truth["kind"] == kind], world)
        hit = len(found & true)
        print(f"  {kind:8s} precision {hit / max(1, len(found)):.3f}  "
              f"recall {hit / max(1, len(true)):.3f}  ({len(found)} found, {len(true)} true)")
    by_forward = read[read["first_found_via"] == "forward"]
    resolves = requests["contacts.ResolveUsername"]
    cited_names = {str(t).lower() for t in edges["target"] if str(t).startswith("@")}
    forward_names = {str(u).lower() for u in nodes.loc[nodes["first_found_via"] == "forward",
                                                          "username"].dropna()}
    naive = Counter(requests)
    naive["contacts.ResolveUsername"] = len(cited_names | {f"@{n}" for n in forward_names})
    print(f"ResolveUsername per discovered channel: tgkit {resolves / max(1, len(read)):.3f} "
          f"(forward-found chats read: {len(by_forward)}, resolved by id: all), naive "
          f"{naive['contacts.ResolveUsername'] / max(1, len(read)):.3f}")
    ours, theirs = modelled(requests), modelled(naive)
    print(f"modelled time: tgkit {ours / 3600:.1f} h, naive {theirs / 3600:.1f} h "
          f"-> {theirs / max(1.0, ours):.1f}x shorter (both with full_info: one "
          f"GetFullChannel per chat read)")
    full = COST["channels.GetFullChannel"] * requests["channels.GetFullChannel"]
    print(f"modelled time of the crawl alone (full_info=False): tgkit "
          f"{(ours - full) / 3600:.1f} h, naive {(theirs - full) / 3600:.1f} h -> "
          f"{(theirs - full) / max(1.0, ours - full):.1f}x shorter")
    await forward_only(universe, world.add_user("Bench 2", username="bench_forwards"), seeds,
                       depth)
    with TemporaryDirectory() as folder:
        resumed = await interrupted(universe, me, seeds, depth, requests["messages.GetHistory"],
                                    random.Random(5), Path(folder))
    print(f"cancelled at 3 random points and resumed: GetHistory {resumed['messages.GetHistory']}"
          f" vs undisturbed {requests['messages.GetHistory']} "
          f"(difference {resumed['messages.GetHistory'] - requests['messages.GetHistory']:+d})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--depth", type=int, default=2)
    options = parser.parse_args()
    asyncio.run(main(options.channels, options.seeds, options.depth))
