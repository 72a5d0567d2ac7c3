"""Keyword search: ``search_chats`` (public chats by title and username) and
``search_messages`` (posts in one chat, or across the account's chats).

``search_chats`` is one ``contacts.Search``: the public groups and channels
Telegram matches, as ``chat_info`` rows (what the answer carries: about,
creation and the full-chat columns are NA; ``chat_info`` fills them), to seed
a crawl from a topic. ``search_messages`` pages ``messages.Search`` in one
chat (after the entity cache) or ``messages.SearchGlobal`` over the chats the
account is in, newest first, back to ``days_back``, into a messages frame.

Example::

    seeds = await session.search_chats("climate", limit=20)
    posts = await session.search_messages(None, "heatwave", days_back=7)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
from telethon import utils
from telethon.tl import functions, types

from tgkit.core import OperationKind
from tgkit.frames import empty_frame, frame_from_columns
from tgkit.telegram.catalogue import (
    DAYS,
    TARGET,
    Arguments,
    OperationSpec,
    Param,
    ValueKind,
    whole_range,
)
from tgkit.telegram.chat_info import chat_type
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.convert import username_of
from tgkit.telegram.convert_messages import message_columns
from tgkit.telegram.messages import entities_by_id

__all__ = ["SEARCH_CHATS", "SEARCH_MESSAGES", "search_chats", "search_messages"]

_PAGE = 100
_CHATS_CAP = 100


def _query(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be text, got {type(value).__name__}")
    text = value.strip()
    if len(text.lstrip("@")) < 3:
        raise ValueError(f"{name} must have at least 3 characters (Telegram's minimum), "
                         f"got {value!r}")
    return text


QUERY = ValueKind("query", "str", "search words (at least 3 characters)", _query)
LIMIT = whole_range("limit", 1, _CHATS_CAP, f"a whole number from 1 to {_CHATS_CAP}",
                    why="Telegram's search returns at most that many")


async def search_chats(ctx: TelegramContext, query: str, limit: int) -> pd.DataFrame:
    """The public chats ``contacts.Search`` finds for ``query``, as chat_info rows."""
    found = await ctx.rpc(functions.contacts.SearchRequest(q=query, limit=limit))
    now = utc_now()
    rows = [_chat_row(chat, query, now) for chat in found.chats
            if isinstance(chat, types.Channel | types.Chat)]
    if not rows:
        frame = empty_frame("chat_info")
    else:
        frame = frame_from_columns("chat_info", {k: [r[k] for r in rows] for k in rows[0]})
    frame.attrs.update(query=query, target=f"search:{query}", collected_at=now.isoformat())
    return frame


def _chat_row(chat: Any, query: str, now: Any) -> dict[str, Any]:
    return {
        "chat_id": utils.get_peer_id(chat), "username": username_of(chat),
        "title": chat.title, "type": chat_type(chat),
        "participants_count": getattr(chat, "participants_count", None),
        "is_verified": bool(getattr(chat, "verified", False)),
        "is_scam": bool(getattr(chat, "scam", False)),
        "is_fake": bool(getattr(chat, "fake", False)),
        "is_restricted": bool(getattr(chat, "restricted", False)),
        "target": query, "collected_at": now,
    }


async def search_messages(ctx: TelegramContext, target: Any, query: str,
                          days_back: float) -> pd.DataFrame:
    """Messages matching ``query`` in ``target`` (or every chat of the account)."""
    since = utc_now() - timedelta(days=days_back)
    columns: dict[str, list[Any]] = {}
    if target is None:
        pages = _global_pages(ctx, query, since)
    else:
        chat = await ctx.resolver.resolve(target)
        pages = _chat_pages(ctx, chat.input_peer, query, since, chat.target)
    async for result in pages:
        messages = [m for m in result.messages if isinstance(m, types.Message)]
        page = message_columns(messages, chat_id=None, users_by_id=entities_by_id(result),
                               collected_at=utc_now())
        for name, values in page.items():
            columns.setdefault(name, []).extend(values)
    frame = (frame_from_columns("messages", columns) if columns.get("message_id")
             else empty_frame("messages"))
    frame.attrs.update(query=query, target=target.display if target else "all chats",
                       since=since.isoformat())
    return frame


async def _chat_pages(ctx: TelegramContext, peer: Any, query: str, since: Any, name: str
                      ) -> Any:
    offset_id = 0
    while True:
        result = await ctx.rpc(functions.messages.SearchRequest(
            peer=peer, q=query, filter=types.InputMessagesFilterEmpty(), min_date=since,
            max_date=None, offset_id=offset_id, add_offset=0, limit=_PAGE, max_id=0, min_id=0,
            hash=0), target=name)
        if not result.messages:
            return
        yield result
        if len(result.messages) < _PAGE:
            return
        offset_id = result.messages[-1].id


async def _global_pages(ctx: TelegramContext, query: str, since: Any) -> Any:
    rate, peer, offset_id = 0, types.InputPeerEmpty(), 0
    while True:
        result = await ctx.rpc(functions.messages.SearchGlobalRequest(
            q=query, filter=types.InputMessagesFilterEmpty(), min_date=since, max_date=None,
            offset_rate=rate, offset_peer=peer, offset_id=offset_id, limit=_PAGE))
        if not result.messages:
            return
        yield result
        next_rate = getattr(result, "next_rate", None)
        if not next_rate:
            return
        last = result.messages[-1]
        chats = {utils.get_peer_id(c): c for c in result.chats}
        rate, offset_id = next_rate, last.id
        owner = chats.get(utils.get_peer_id(last.peer_id))
        peer = utils.get_input_peer(owner) if owner is not None else types.InputPeerEmpty()


async def _search_chats_steps(ctx: TelegramContext, args: Arguments, live: None) -> Any:
    return await search_chats(ctx, args["query"], args["limit"])


async def _search_messages_steps(ctx: TelegramContext, args: Arguments, live: None) -> Any:
    return await search_messages(ctx, args["target"], args["query"], float(args["days_back"]))


SEARCH_CHATS = OperationSpec(
    name="search_chats",
    kind=OperationKind.SCRAPE,
    summary="Public groups and channels matching a keyword, as chat_info rows.",
    details="One ``contacts.Search``; seeds a crawl (``discover``) from a topic.",
    params=(
        Param("query", QUERY, positional=True, help="words in the title or username"),
        Param("limit", LIMIT, 20, "most chats to return"),
    ),
    run=_search_chats_steps,
    frame="chat_info",
    unit="chats",
    requests=frozenset({"contacts.Search"}),
    exclusive=False,
    example=("climate",),
)

SEARCH_MESSAGES = OperationSpec(
    name="search_messages",
    kind=OperationKind.SCRAPE,
    summary="Messages matching a keyword in one chat, or in every chat of the account.",
    details=("``messages.Search`` in ``target``; ``messages.SearchGlobal`` over the "
             "account's chats when ``target`` is None; newest first, back to ``days_back``."),
    params=(
        Param("target", TARGET, help="the chat (None: every chat of the account)",
              positional=True, optional=True),
        Param("query", QUERY, positional=True, help="the words to find"),
        Param("days_back", DAYS, 30, "how far back"),
    ),
    run=_search_messages_steps,
    frame="messages",
    unit="messages",
    requests=frozenset({"messages.Search", "messages.SearchGlobal"}),
    exclusive=False,
    example=(None, "heatwave"),
)
