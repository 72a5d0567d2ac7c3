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

from typing import Any

from tgkit.core import OperationKind
from tgkit.frames import collection_attrs
from tgkit.telegram.catalogue import (
    COUNT,
    DAYS,
    FLAG,
    POSITIVE,
    TARGETS,
    Arguments,
    OperationSpec,
    Param,
    ValueKind,
    whole_range,
)
from tgkit.telegram.collect import PageCollector, collecting
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.discovery.crawl import Crawl, CrawlPlan
from tgkit.telegram.discovery.network import Network, network_from_state

__all__ = ["DISCOVER", "VIA", "Network", "discover"]

#: Ways a chat cites another, as ``via`` names them.
VIA = ("forwards", "mentions", "links", "recommendations")
MAX_DEPTH = 6


def _via(value: Any, name: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else list(value)
    bad = [item for item in items if item not in VIA]
    if bad or not items:
        raise ValueError(f"{name} must be one or more of {', '.join(VIA)}, got {value!r}")
    return tuple(dict.fromkeys(items))


DEPTH = whole_range("depth", 0, MAX_DEPTH, f"levels of citations to follow (0-{MAX_DEPTH})",
                    why="0 reads the seeds only, and each level multiplies the chats read")
VIA_KIND = ValueKind("via", "str | list[str]", "some of " + ", ".join(VIA), _via, many=True)


async def discover(ctx: TelegramContext, args: Arguments) -> Network:
    """Crawl from ``args["targets"]`` (see the module docstring)."""
    plan = CrawlPlan(seeds=args["targets"], depth=args["depth"], via=frozenset(args["via"]),
                     days_back=float(args["days_back"]), min_weight=args["min_weight"],
                     max_chats=args["max_chats"])
    collector = PageCollector.open(
        "network_edges", store=ctx.store, account=ctx.account,
        target="discover:" + ",".join(t.key for t in plan.seeds),
        params={"depth": plan.depth, "via": sorted(plan.via), "days_back": plan.days_back,
                "min_weight": plan.min_weight, "max_chats": plan.max_chats},
        resume=args["resume"],
    )
    crawl = Crawl(ctx, plan, collector)

    def attrs() -> dict[str, Any]:
        return collection_attrs(", ".join(t.display for t in plan.seeds), None,
                                len(collector), ["history"], utc_now(),
                                chats_read=crawl.read, since=crawl.since.isoformat(),
                                resumed=collector.resumed)

    if not collector.complete:
        with collecting(collector, attrs):
            await crawl.run()
        collector.finish("complete", attrs=attrs())
    columns = {name: list(collector.column(name)) for name in
               ("source_chat_id", "target", "kind", "weight", "first_seen", "last_seen",
                "message_ids", "edge_id")}
    return network_from_state(crawl.nodes, crawl.aliases, columns, attrs())


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
        "by id with no username resolved; invite links are recorded, not joined. The "
        "frontier is stored: the same call continues an interrupted crawl, reading no "
        "chat twice. Returns a ``Network`` (``.nodes``, ``.edges``, ``.to_networkx()``)."
    ),
    params=(
        Param("targets", TARGETS, positional=True, help="the seed chats"),
        Param("depth", DEPTH, 2, "levels of citations to follow from the seeds"),
        Param("via", VIA_KIND, VIA, "how chats cite each other: " + ", ".join(VIA)),
        Param("days_back", DAYS, 30, "the window of posts read in each chat"),
        Param("min_weight", POSITIVE, 1, "citing posts a chat needs to be crawled"),
        Param("max_chats", COUNT, None, "stop after reading this many chats",
              optional=True),
        Param("resume", FLAG, True, "continue an unfinished stored crawl"),
    ),
    run=_steps,
    frame=None,
    frames=("nodes", "edges"),
    unit="chats",
    requests=frozenset({"messages.GetHistory", "contacts.ResolveUsername",
                        "channels.GetChannelRecommendations"}),
    example=(["@seed_channel"],),
    example_options={"depth": 2},
)
