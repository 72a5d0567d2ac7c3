"""The snowball crawl: read a chat's posts of the window, note whom they cite, go on.

The state (every node found, the frontier, the window's start) is the
checkpoint of one stored ``network_edges`` collection, and each chat read is
one transaction: its edges and the new state together. A crawl stopped in
any way (SIGKILL, Ctrl-C, a long flood wait) continues with the same call and
reads no chat twice.

Cheap by construction: a forwarded post's origin channel arrives in the
answer's ``chats`` with its access hash and username, so it is read by id
(no ``contacts.ResolveUsername``), and a later @mention of the same username
is matched to it for free. Only usernames no answer has shown go through the
resolver (entity cache first, then one ResolveUsername), and the frontier
takes chats readable by id first. Invite links are edges, never joined.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telethon import utils
from telethon.tl import functions, types

from tgkit.core import current_operation
from tgkit.errors import ChatNotFound, NotAChat
from tgkit.telegram.chat_info import UNREADABLE, chat_type
from tgkit.telegram.collect import PageCollector
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.discovery.extract import Cited, page_citations
from tgkit.telegram.resolve import PeerKind, ResolvedChat
from tgkit.telegram.targets import Target, TargetKind, parse_target

log = logging.getLogger(__name__)

__all__ = ["Crawl", "CrawlPlan"]

_PAGE = 100
_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class CrawlPlan:
    """What to crawl: seeds and the checked parameters."""

    seeds: tuple[Target, ...]
    depth: int
    via: frozenset[str]
    days_back: float
    min_weight: int
    max_chats: int | None


class Crawl:
    """One crawl's state over a collector; ``run()`` reads until the frontier is empty."""

    def __init__(self, ctx: TelegramContext, plan: CrawlPlan, collector: PageCollector) -> None:
        self._ctx = ctx
        self._plan = plan
        self._collector = collector
        saved = collector.checkpoint
        self.nodes: dict[str, dict[str, Any]] = saved.get("nodes", {})
        self.aliases: dict[str, str] = saved.get("aliases", {})  # @name/+hash -> id:N
        self.read = int(saved.get("read", 0))
        self.read_ids: set[int] = set(saved.get("read_ids", []))
        self._pending: dict[str, dict[str, Any]] = {}
        since = saved.get("since")
        self.since = (datetime.fromisoformat(since) if since
                      else utc_now() - timedelta(days=plan.days_back))
        if not self.nodes:
            for target in plan.seeds:
                self._node(_seed_key(target), 0, "seed", target.display)["queued"] = True

    # -- the loop -------------------------------------------------------------------

    async def run(self) -> None:
        op = current_operation()
        while True:
            key = self._next()
            if key is None:
                return
            node = self.nodes[key]
            if self._plan.max_chats is not None and self.read >= self._plan.max_chats:
                for other in self.nodes.values():
                    if other.get("queued"):
                        other.update(queued=False, status="skipped", reason="max_chats reached")
                self._collector.advance(self.checkpoint())
                return
            edges = await self._visit(key, node)
            node["queued"] = False
            if edges:
                self._collector.add(edges, checkpoint=self.checkpoint())
            else:
                self._collector.advance(self.checkpoint())
            if op is not None:
                queued = sum(1 for n in self.nodes.values() if n.get("queued"))
                op.report["discover"] = {"depth": node["depth"], "frontier": queued,
                                         "chats_read": self.read, "found": len(self.nodes)}
                op.report_progress(self.read, self.read + queued)

    def checkpoint(self) -> dict[str, Any]:
        return {"nodes": self.nodes, "aliases": self.aliases, "read": self.read,
                "read_ids": sorted(self.read_ids), "since": self.since.isoformat()}

    def _next(self) -> str | None:
        queued = [(k, n) for k, n in self.nodes.items() if n.get("queued")]
        if not queued:
            return None
        # by depth, then chats readable by id before those needing a username resolved
        return min(queued, key=lambda kn: (kn[1]["depth"], kn[1].get("hash") is None,
                                           -kn[1].get("cited_by", 0)))[0]

    # -- one chat -------------------------------------------------------------------

    async def _visit(self, key: str, node: dict[str, Any]) -> dict[str, list[Any]]:
        try:
            chat = await self._open(key, node)
        except (*UNREADABLE, NotAChat) as exc:
            status = "private" if "rivate" in type(exc).__name__ or "Banned" in type(
                exc).__name__ else "not_found"
            node.update(status="skipped" if isinstance(exc, NotAChat) else status,
                        reason=f"{type(exc).__name__}: {exc}")
            return {}
        if chat is None:
            return {}
        if chat.chat_id in self.read_ids:  # met under another name after it was read
            node.update(status="alias", reason=f"same chat as id:{chat.chat_id}")
            self.aliases[key] = f"id:{chat.chat_id}"
            return {}
        try:
            cited = await self._posts(chat, node)
        except UNREADABLE as exc:
            status = "private" if "rivate" in type(exc).__name__ else "not_found"
            node.update(status=status, reason=f"{type(exc).__name__}: {exc}")
            return {}
        if "recommendations" in self._plan.via:
            cited += await self._recommended(chat)
        self.read += 1
        self.read_ids.add(chat.chat_id)
        node.update(status="read", citations=len({c.message_id for c in cited
                                                   if c.kind != "recommendation"}))
        return self._edges(chat.marked_id, node["depth"], cited)

    async def _open(self, key: str, node: dict[str, Any]) -> ResolvedChat | None:
        if key.startswith("+"):
            node.update(status="skipped", reason="an invite link: not joined (join=False)")
            return None
        if node.get("hash") is not None:
            peer = types.InputPeerChannel(node["id"], node["hash"])
            return self._ctx.resolver.remember(ResolvedChat(
                peer, node["id"], PeerKind.CHANNEL, node.get("title"), node.get("username"),
                node["target"]))
        if key.startswith("id:"):
            raise ChatNotFound(f"channel {key} was never shown with its access hash")
        chat = await self._ctx.resolver.resolve(parse_target(node["target"]))
        if chat.kind is PeerKind.USER:
            raise NotAChat(f"{node['target']} is a user, not a group or channel")
        known = f"id:{chat.chat_id}"
        if known != key and known in self.nodes and self.nodes[known].get("status"):
            self.aliases[key] = known  # read already under its id: never twice
            node.update(status="alias", reason=f"same chat as {known}")
            return None
        self.aliases[key] = known
        node.update(id=chat.chat_id, username=chat.username, title=chat.title)
        if known in self.nodes and known != key:
            self.nodes[known].update(queued=False, status="alias", reason=f"read as {key}")
        return chat

    async def _posts(self, chat: ResolvedChat, node: dict[str, Any]) -> list[Cited]:
        cited: list[Cited] = []
        offset_id = 0
        while True:
            page = await self._ctx.rpc(functions.messages.GetHistoryRequest(
                chat.input_peer, offset_id, None, 0, _PAGE, 0, 0, 0), target=chat.target)
            self._learn(page.chats, chat, node)
            messages = [m for m in page.messages if getattr(m, "date", None)]
            fresh = [m for m in messages if m.date >= self.since]
            cited += page_citations(fresh, chat.chat_id, self._plan.via)
            if len(fresh) < len(messages) or len(page.messages) < _PAGE or not messages:
                return cited
            offset_id = messages[-1].id

    async def _recommended(self, chat: ResolvedChat) -> list[Cited]:
        if chat.kind is not PeerKind.CHANNEL:
            return []
        found = await self._ctx.rpc(
            functions.channels.GetChannelRecommendationsRequest(chat.input_channel),
            target=chat.target)
        self._learn(found.chats, chat, None)
        now = utc_now()
        return [Cited("recommendation", f"id:{c.id}", 0, now) for c in found.chats
                if isinstance(c, types.Channel)]

    def _learn(self, chats: Iterable[Any], own: ResolvedChat, node: dict[str, Any] | None) -> None:
        """Remember what the answer's chats tell: access hash, username, title, flags."""
        for entity in chats:
            if not isinstance(entity, types.Channel | types.ChannelForbidden):
                continue
            fields = _facts(entity)
            key = f"id:{entity.id}"
            if entity.id == own.chat_id and node is not None:
                node.update(fields)
            elif key in self.nodes:
                self.nodes[key].update(fields)
            else:
                self._pending[key] = fields
            username = getattr(entity, "username", None)
            if username:
                self.aliases.setdefault(f"@{username.lower()}", key)

    def _edges(self, source: int, depth: int, cited: list[Cited]) -> dict[str, list[Any]]:
        grouped: dict[tuple[str, str], list[Cited]] = {}
        for item in cited:
            grouped.setdefault((item.ref, item.kind), []).append(item)
        columns: dict[str, list[Any]] = {name: [] for name in _EDGE_FIELDS}
        for (ref, kind), items in grouped.items():
            target_key = self.aliases.get(ref, ref)
            if target_key == f"id:{utils.resolve_id(source)[0]}":
                continue  # the chat citing itself
            weight = len({i.message_id for i in items}) or 1
            node = self._node(target_key, depth + 1, kind, ref)
            node.update(self._pending.pop(target_key, {}))
            node["cited_by"] = node.get("cited_by", 0) + weight
            if (not node.get("status") and not node.get("queued")
                    and node["depth"] <= self._plan.depth
                    and node["cited_by"] >= self._plan.min_weight):
                node["queued"] = True
            dates = sorted(i.date for i in items)
            columns["source_chat_id"].append(source)
            columns["target_chat_id"].append(None)
            columns["target"].append(ref)
            columns["kind"].append(kind)
            columns["weight"].append(weight)
            columns["first_seen"].append(dates[0])
            columns["last_seen"].append(dates[-1])
            columns["message_ids"].append(sorted({i.message_id for i in items})[:_EXAMPLES])
            columns["edge_id"].append(edge_id(ref, kind))
        return columns if columns["target"] else {}

    def _node(self, key: str, depth: int, via: str, target: str) -> dict[str, Any]:
        node = self.nodes.get(key)
        if node is None:
            node = self.nodes[key] = {"depth": depth, "via": via, "target": target}
            if key.startswith("id:"):
                node["id"] = int(key[3:])
        return node


_EDGE_FIELDS = ("source_chat_id", "target_chat_id", "target", "kind", "weight", "first_seen",
                "last_seen", "message_ids", "edge_id")


def edge_id(ref: str, kind: str) -> int:
    """A stable 63-bit number for (target, kind).

    >>> edge_id("@news", "mention") == edge_id("@news", "mention") != edge_id("@news", "link")
    True
    """
    digest = hashlib.blake2b(f"{kind}\n{ref}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def _seed_key(target: Target) -> str:
    if target.kind is TargetKind.INVITE:
        return f"+{target.hash()}"
    if target.kind is TargetKind.USERNAME:
        return f"@{target.name().lower()}"
    return target.display


def _facts(entity: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {"id": entity.id, "hash": getattr(entity, "access_hash", None),
                             "title": getattr(entity, "title", None),
                             "type": chat_type(entity)}
    if isinstance(entity, types.Channel):
        facts.update(username=entity.username, participants=entity.participants_count,
                     verified=bool(entity.verified), scam=bool(entity.scam),
                     fake=bool(entity.fake), restricted=bool(entity.restricted))
    return facts
