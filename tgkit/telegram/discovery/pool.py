"""``discover`` on a ``SessionManager``: one crawl, its chats read over every account.

The manager runs the crawl's coordinator (``crawl.Crawl``) itself, with one
reader per connected session: each reader hands one chat at a time to its
session as a ``discover_chat`` operation (queued, paced and flood-checked by
that session like any other), so the accounts read side by side and no chat
is read twice across the pool. A chat found by a forward is read by an
account whose answer showed its access hash (hashes are per account on
Telegram), first among the chats that account may take; a reader whose
account must wait out a long flood wait hands its chat back to the others.
The crawl's state is stored in the manager's collection store, so the same
call on the same manager continues an interrupted crawl.

The ``SpreadHandle`` counts the chats read and adds up the units' reports
(requests by type, seconds waited); ``report["discover"]`` holds the depth,
frontier size and chats read, and its label (what the pool's dashboard
shows) says them in one line.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from tgkit.core import OperationKind
from tgkit.telegram.catalogue import Arguments, OperationSpec
from tgkit.telegram.context import TelegramContext
from tgkit.telegram.discovery.crawl import Reader
from tgkit.telegram.discovery.visit import ChatRequest, Visit, read_chat

if TYPE_CHECKING:
    from tgkit.telegram.discovery.network import Network

__all__ = ["DISCOVER_CHAT", "spread_discover"]


async def _read_steps(ctx: TelegramContext, args: Arguments, live: None) -> Visit:
    return await read_chat(ctx, args["request"])


#: One chat of a crawl on one session (the unit a manager spreads; not a public operation).
DISCOVER_CHAT = OperationSpec(
    name="discover_chat",
    kind=OperationKind.SCRAPE,
    summary="One chat of a discover crawl, read by this session's account.",
    params=(),
    run=_read_steps,
    frame=None,
    unit="chats",
    requests=frozenset({"messages.GetHistory", "contacts.ResolveUsername",
                        "channels.GetChannelRecommendations", "channels.GetFullChannel"}),
    exclusive=False,
    cli=False,
    describe=lambda args: f"discover {args['request'].display}",
)


async def spread_discover(manager: Any, args: Arguments, options: dict[str, Any],
                          handle: Any) -> Network:
    """The crawl of ``args`` over ``manager``'s connected sessions (module docstring)."""
    from tgkit.telegram.discovery import open_crawl, plan_of, run_crawl, status_line

    sessions = [s for s in manager.sessions if s.account is not None]
    if not sessions:
        raise ValueError("discover needs a connected session in the manager: add one")
    crawl = open_crawl(plan_of(args), manager._collection_store(), f"manager:{manager.name}",
                       args["resume"])
    queue_timeout = options.get("queue_timeout")
    unit_options = {"priority": options.get("priority"),
                    "queue_timeout": math.inf if queue_timeout is None else queue_timeout}

    def reader(session: Any) -> Reader:
        async def read(request: ChatRequest) -> Visit:
            unit = session.submit(DISCOVER_CHAT, Arguments({"request": request}),
                                  **unit_options)
            try:
                visit: Visit = await unit
            finally:
                handle.add_report(getattr(unit, "report", None))
            return visit

        return Reader(str(session.account), read)

    base = handle.label

    def progress(state: dict[str, Any]) -> None:
        handle.report["discover"] = state
        handle.relabel(f"{base} · {status_line(state, handle.report)}")
        handle.set_progress(state["chats_read"], state["chats_read"] + state["frontier"])

    return await run_crawl(crawl, [reader(s) for s in sessions], progress)
