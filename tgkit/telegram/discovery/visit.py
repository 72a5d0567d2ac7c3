"""One chat of a crawl, read by one account: ``read_chat(ctx, request) -> Visit``.

The unit of a crawl, the same on one session and over a pool: open the chat
(by id with this account's access hash when an answer showed one, else by
username through the entity cache, or by joining its invite link when the
crawl joins), ask the crawl whether the chat is still free (``claim``: it may
have been read under another name meanwhile), read its posts of the window,
the channels Telegram recommends beside it, and its full info (one
``channels.GetFullChannel``). What the answers showed of other chats (their
ids, this account's access hashes, usernames, titles) comes back in
``Visit.seen`` for the crawl to remember. Nothing here touches the crawl's
state: the coordinator (``crawl``) applies the visit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telethon.tl import functions, types

from tgkit.errors import ChatNotFound, FloodWait, NotAChat, TgkitError
from tgkit.telegram.chat_info import UNREADABLE, chat_info_row, chat_type
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.discovery.extract import Cited, page_citations
from tgkit.telegram.join import join_chat
from tgkit.telegram.resolve import PeerKind, ResolvedChat
from tgkit.telegram.targets import parse_target

__all__ = ["FULL_FIELDS", "ChatRequest", "Visit", "read_chat"]

_PAGE = 100
#: The node columns only ``channels.GetFullChannel`` (or the entity's own date) gives.
FULL_FIELDS = ("about", "created_at", "linked_chat_id", "restriction_reason",
               "has_hidden_members", "slowmode_seconds", "pinned_message_id")


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What the crawl asks one account to read.

    ``key`` is the node's key (``id:N``, ``@name`` or ``+hash``); ``access_hash``
    this account's hash for ``chat_id``, when an answer showed it one.
    ``claim(chat_id)`` returns None when the chat is this request's to read, or
    the key it is read under already.
    """

    key: str
    target: str
    chat_id: int | None
    access_hash: int | None
    username: str | None
    title: str | None
    since: datetime
    via: frozenset[str]
    join: bool
    full_info: bool
    claim: Callable[[int], str | None]
    resolve: int | None = None  # a seed given by id: its marked id, for the entity cache

    @property
    def display(self) -> str:
        return self.target


@dataclass(slots=True)
class Visit:
    """What reading one chat gave: its status, its facts, whom it cites, whom it showed."""

    account: str
    status: str = "skipped"
    reason: str | None = None
    chat_id: int | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    cited: list[Cited] = field(default_factory=list)
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)
    joined: bool = False


async def read_chat(ctx: TelegramContext, request: ChatRequest) -> Visit:
    """Read ``request``'s chat as ``ctx``'s account (see the module docstring)."""
    visit = Visit(account=str(ctx.account))
    try:
        chat = await _open(ctx, request, visit)
    except (*UNREADABLE, NotAChat) as exc:
        visit.status = "skipped" if isinstance(exc, NotAChat) else _status(exc)
        visit.reason = f"{type(exc).__name__}: {exc}"
        return visit
    except TgkitError as exc:  # a join Telegram refused: too many channels, a bad link
        if isinstance(exc, FloodWait) or not request.key.startswith("+"):
            raise
        visit.status, visit.reason = "private", f"{type(exc).__name__}: {exc}"
        return visit
    if chat is None:
        return visit
    visit.chat_id = chat.chat_id
    owner = request.claim(chat.chat_id)
    if owner is not None:
        visit.status, visit.reason = "alias", f"same chat as {owner}"
        return visit
    try:
        visit.cited = await _posts(ctx, chat, request, visit)
        if "recommendations" in request.via and chat.kind is PeerKind.CHANNEL:
            visit.cited += await _recommended(ctx, chat, visit)
        if request.full_info and chat.kind is PeerKind.CHANNEL:
            await _full(ctx, chat, visit)
    except UNREADABLE as exc:
        visit.status, visit.reason = _status(exc), f"{type(exc).__name__}: {exc}"
        return visit
    visit.status = "read"
    return visit


def _status(exc: BaseException) -> str:
    name = type(exc).__name__
    return "private" if "rivate" in name or "Banned" in name or "Join" in name else "not_found"


async def _open(ctx: TelegramContext, request: ChatRequest, visit: Visit) -> ResolvedChat | None:
    if request.key.startswith("+"):
        if not request.join:
            visit.reason = "an invite link: not joined (join=False)"
            return None
        chat = await join_chat(ctx, parse_target(f"https://t.me/{request.key}"))
        visit.joined = True
        visit.facts.update(username=chat.username, title=chat.title)
        return chat
    if request.chat_id is not None and request.access_hash is not None:
        peer = types.InputPeerChannel(request.chat_id, request.access_hash)
        return ctx.resolver.remember(ResolvedChat(
            peer, request.chat_id, PeerKind.CHANNEL, request.title, request.username,
            request.target))
    if request.key.startswith("id:") and request.username is None:
        raise ChatNotFound(f"channel {request.key} was never shown with its access hash")
    name: str | int = (f"@{request.username}" if request.key.startswith("id:")
                       else request.target)
    chat = await ctx.resolver.resolve(parse_target(
        request.resolve if request.resolve is not None else name))
    if chat.kind is PeerKind.USER:
        raise NotAChat(f"{request.target} is a user, not a group or channel")
    visit.facts.update(username=chat.username, title=chat.title)
    return chat


async def _posts(ctx: TelegramContext, chat: ResolvedChat, request: ChatRequest,
                 visit: Visit) -> list[Cited]:
    cited: list[Cited] = []
    offset_id = 0
    while True:
        page = await ctx.rpc(functions.messages.GetHistoryRequest(
            chat.input_peer, offset_id, None, 0, _PAGE, 0, 0, 0), target=chat.target)
        _learn(page.chats, chat, visit)
        messages = [m for m in page.messages if getattr(m, "date", None)]
        fresh = [m for m in messages if m.date >= request.since]
        cited += page_citations(fresh, chat.chat_id, request.via)
        if len(fresh) < len(messages) or len(page.messages) < _PAGE or not messages:
            return cited
        offset_id = messages[-1].id


async def _recommended(ctx: TelegramContext, chat: ResolvedChat, visit: Visit) -> list[Cited]:
    found = await ctx.rpc(
        functions.channels.GetChannelRecommendationsRequest(chat.input_channel),
        target=chat.target)
    _learn(found.chats, chat, visit)
    now = utc_now()
    return [Cited("recommendation", f"id:{c.id}", 0, now) for c in found.chats
            if isinstance(c, types.Channel)]


async def _full(ctx: TelegramContext, chat: ResolvedChat, visit: Visit) -> None:
    """The chat_info columns only the full channel carries (one GetFullChannel)."""
    full = await ctx.rpc(functions.channels.GetFullChannelRequest(chat.input_channel),
                         target=chat.target)
    entity = next((c for c in full.chats if c.id == chat.chat_id), None)
    row = chat_info_row(chat, entity, full.full_chat, chat.target)
    created = row["created_at"]
    visit.facts.update({name: row[name] for name in FULL_FIELDS})
    visit.facts["created_at"] = created.isoformat() if created is not None else None
    if row.get("participants_count") is not None:
        visit.facts["participants"] = row["participants_count"]


def _learn(chats: Iterable[Any], own: ResolvedChat, visit: Visit) -> None:
    """Note what the answer's chats tell: access hash (this account's), username, title."""
    for entity in chats:
        if not isinstance(entity, types.Channel | types.ChannelForbidden):
            continue
        fields = facts_of(entity)
        if entity.id == own.chat_id:
            visit.facts.update(fields)
        visit.seen[f"id:{entity.id}"] = fields


def facts_of(entity: Any) -> dict[str, Any]:
    """A channel's node fields as an answer's ``chats`` shows it."""
    facts: dict[str, Any] = {"id": entity.id, "hash": getattr(entity, "access_hash", None),
                             "title": getattr(entity, "title", None),
                             "type": chat_type(entity)}
    if isinstance(entity, types.Channel):
        facts.update(username=entity.username, participants=entity.participants_count,
                     verified=bool(entity.verified), scam=bool(entity.scam),
                     fake=bool(entity.fake), restricted=bool(entity.restricted))
    return facts
