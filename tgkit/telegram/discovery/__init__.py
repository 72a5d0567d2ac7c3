"""Discovery: snowball crawls of the chat network (``discover``).

Start from seed channels, read each one's posts of the last ``days_back``
days, follow the chats they cite (forwards, @mentions, t.me links, and the
channels Telegram recommends) to ``depth``, and return the network as
``nodes`` and ``edges`` frames. See ``crawl`` for how it stays cheap and
resumable, ``network`` for the result.

Example::

    net = await session.discover(["@seed_one", "@seed_two"], depth=2)
    net.edges.groupby("target_chat_id")["weight"].sum().nlargest(10)
"""

from __future__ import annotations

import math
from typing import Any

from tgkit.core import OperationKind, current_operation
from tgkit.frames import collection_attrs
from tgkit.telegram.catalogue import (
    COUNT,
    DAYS,
    FLAG,
    POSITIVE,
    Arguments,
    OperationSpec,
    Param,
    ValueKind,
    whole_range,
)
from tgkit.telegram.collect import PageCollector, collecting
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.discovery.crawl import Crawl, CrawlPlan, Progress, Reader
from tgkit.telegram.discovery.network import Network, network_from_state
from tgkit.telegram.discovery.pool import spread_discover
from tgkit.telegram.discovery.seeds import SEEDS
from tgkit.telegram.discovery.visit import ChatRequest, Visit, read_chat

__all__ = ["DISCOVER", "VIA", "Network", "discover", "open_crawl", "plan_of", "run_crawl",
           "status_line"]

#: Ways a chat cites another, as ``via`` names them.
VIA = ("forwards", "mentions", "links", "recommendations")
MAX_DEPTH = 6


def _via(value: Any, name: str) -> tuple[str, ...]:
    try:
        items = [value] if isinstance(value, str) else list(value)
    except TypeError:
        raise TypeError(f"{name} must be one or more of {', '.join(VIA)}, got {value!r}") from None
    bad = [item for item in items if item not in VIA]
    if bad or not items:
        raise ValueError(f"{name} must be one or more of {', '.join(VIA)}, got {value!r}")
    return tuple(dict.fromkeys(items))


DEPTH = whole_range("depth", 0, MAX_DEPTH, f"levels of citations to follow (0-{MAX_DEPTH})",
                    why="0 reads the seeds only, and each level multiplies the chats read")
VIA_KIND = ValueKind("via", "str | list[str]", "some of " + ", ".join(VIA), _via, many=True)


def plan_of(args: Arguments) -> CrawlPlan:
    """The crawl a checked call asks for."""
    seeds = args["targets"]
    return CrawlPlan(seeds=tuple(seeds), malformed=getattr(seeds, "malformed", ()),
                     depth=args["depth"], via=frozenset(args["via"]),
                     days_back=float(args["days_back"]), min_weight=args["min_weight"],
                     max_chats=args["max_chats"], join=args["join"],
                     full_info=args["full_info"])


def open_crawl(plan: CrawlPlan, store: Any, account: str, resume: bool) -> Crawl:
    """The crawl of ``plan``, continued from ``store`` when it holds an unfinished one."""
    collector = PageCollector.open(
        "network_edges", store=store, account=account,
        target="discover:" + ",".join(t.key for t in plan.seeds),
        params={"depth": plan.depth, "via": sorted(plan.via), "days_back": plan.days_back,
                "min_weight": plan.min_weight, "max_chats": plan.max_chats,
                "join": plan.join, "full_info": plan.full_info},
        resume=resume,
    )
    return Crawl(plan, collector)


async def run_crawl(crawl: Crawl, readers: list[Reader], progress: Progress) -> Network:
    """Read until done (stored step by step), then the network of everything found."""
    collector, plan = crawl.collector, crawl.plan

    def attrs() -> dict[str, Any]:
        return collection_attrs(", ".join(t.display for t in plan.seeds), None,
                                len(collector), ["history"], utc_now(),
                                chats_read=crawl.read, since=crawl.since.isoformat(),
                                resumed=collector.resumed)

    if not collector.complete:
        with collecting(collector, attrs):
            await crawl.run(readers, progress)
        collector.finish("complete", attrs=attrs())
    columns = {name: list(collector.column(name)) for name in
               ("source_chat_id", "target", "kind", "weight", "first_seen", "last_seen",
                "message_ids", "edge_id")}
    return network_from_state(crawl.nodes, crawl.aliases, columns, attrs())


async def discover(ctx: TelegramContext, args: Arguments) -> Network:
    """Crawl from ``args["targets"]`` with this session's account (see the module docstring)."""
    crawl = open_crawl(plan_of(args), ctx.store, ctx.account, args["resume"])
    op = current_operation()

    async def read(request: ChatRequest) -> Visit:
        return await read_chat(ctx, request)

    base = op.label if op is not None else ""

    def progress(state: dict[str, Any]) -> None:
        if op is not None:
            op.report["discover"] = state
            op.label = f"{base} · {status_line(state, op.report)}"  # what the dashboard shows
            op.report_progress(state["chats_read"], state["chats_read"] + state["frontier"])

    return await run_crawl(crawl, [Reader(str(ctx.account), read)], progress)


def status_line(state: dict[str, Any], report: dict[str, Any]) -> str:
    """A crawl's live state in one line: depth, chats read, frontier, requests, waits.

    >>> status_line({"depth": 1, "chats_read": 12, "frontier": 30},
    ...             {"requests": {"messages.GetHistory": 13}, "budget_wait_s": 4.2})
    'depth 1 · 12 read · frontier 30 · GetHistory 13 · waited 4 s'
    """
    requests = ", ".join(f"{name.split('.')[-1]} {count}" for name, count in
                         sorted((report.get("requests") or {}).items()))
    waited = float(report.get("budget_wait_s", 0.0)) + float(report.get("flood_wait_s", 0.0))
    parts = [f"depth {state['depth']}", f"{state['chats_read']} read",
             f"frontier {state['frontier']}", requests, f"waited {waited:.0f} s"]
    return " · ".join(part for part in parts if part)


async def _steps(ctx: TelegramContext, args: Arguments, live: None) -> Network:
    return await discover(ctx, args)


DISCOVER = OperationSpec(
    name="discover",
    kind=OperationKind.SCRAPE,
    summary="Snowball crawl: the chats the seeds cite, and theirs, as nodes and edges.",
    details=(
        "Reads each chat's posts of the last ``days_back`` days and follows forwards, "
        "@mentions, t.me links and Telegram's recommendations (``via``) to ``depth``; a "
        "chat is queued once ``min_weight`` posts cite it. Forward-found chats are read "
        "by id with no username resolved; invite links are recorded, and joined (within "
        "the join budget) only with ``join=True``. The frontier is stored: the same call "
        "continues an interrupted crawl, reading no chat twice. On a SessionManager the "
        "chats are read over all its accounts, each chat once. Returns a ``Network`` "
        "(``.nodes``, ``.edges``, ``.to_networkx()``)."
    ),
    params=(
        Param("targets", SEEDS, positional=True,
              help="the seed chats (a malformed one is reported as a skipped node)"),
        Param("depth", DEPTH, 2, "levels of citations to follow from the seeds"),
        Param("via", VIA_KIND, VIA, "how chats cite each other: " + ", ".join(VIA)),
        Param("days_back", DAYS, 30, "the window of posts read in each chat"),
        Param("min_weight", POSITIVE, 1, "citing posts a chat needs to be crawled"),
        Param("max_chats", COUNT, None, "stop after reading this many chats",
              optional=True),
        Param("join", FLAG, False, "join the chats cited by invite link, to read them"),
        Param("full_info", FLAG, True,
              "each read chat's full info (one channels.GetFullChannel per chat)"),
        Param("resume", FLAG, True, "continue an unfinished stored crawl"),
    ),
    run=_steps,
    frame=None,
    frames=("nodes", "edges"),
    unit="chats",
    requests=frozenset({"messages.GetHistory", "contacts.ResolveUsername",
                        "channels.GetChannelRecommendations", "channels.GetFullChannel"}),
    least_timeout=lambda args: math.inf,  # a crawl of many chats: no run timeout unless given
    spread=spread_discover,
    example=(["@seed_channel"],),
    example_options={"depth": 2},
)
