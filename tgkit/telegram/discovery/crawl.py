"""The snowball crawl's coordinator: the frontier, who reads what, and the stored state.

The state (every node found, the frontier, the window's start) is the
checkpoint of one stored ``network_edges`` collection, and each chat read is
one transaction: its edges and the new state together. A crawl stopped in
any way (SIGKILL, Ctrl-C, a long flood wait) continues with the same call and
reads no chat twice.

One ``Reader`` per account reads chats (``visit.read_chat``): one on a
session, one per session over a ``SessionManager``'s pool. Each reader takes
the next chat it can open from the frontier, and no chat is given to two
readers: a chat in flight is claimed, and a chat met under another name
(``@name`` of a channel found by id) is checked against the claims before
its posts are read.

Cheap by construction: a forwarded post's origin channel arrives in the
answer's ``chats`` with this account's access hash and its username, so it
is read by id (no ``contacts.ResolveUsername``) by an account holding that
hash, and a later @mention of the same username is matched to it for free.
Only usernames no answer has shown go through the resolver (entity cache
first, then one ResolveUsername), and each reader takes chats it can read by
id first. Invite links are edges, joined and read only with ``join=True``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telethon import utils

from tgkit.errors import FloodWait
from tgkit.telegram.collect import PageCollector
from tgkit.telegram.context import utc_now
from tgkit.telegram.discovery.extract import Cited, marked_channel
from tgkit.telegram.discovery.visit import ChatRequest, Visit
from tgkit.telegram.targets import Target, TargetKind

log = logging.getLogger(__name__)

__all__ = ["Crawl", "CrawlPlan", "Reader"]

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
    join: bool = False
    full_info: bool = True
    malformed: tuple[tuple[str, str], ...] = ()  # (seed text, why) of seeds naming no chat


@dataclass(frozen=True, slots=True)
class Reader:
    """One account that reads chats: its id and how to read one."""

    account: str
    read: Callable[[ChatRequest], Awaitable[Visit]]


Progress = Callable[[dict[str, Any]], None]


class Crawl:
    """One crawl's state over a collector; ``run(readers)`` reads until the frontier is empty."""

    def __init__(self, plan: CrawlPlan, collector: PageCollector) -> None:
        self.plan = self._plan = plan
        self.collector = self._collector = collector
        saved = collector.checkpoint
        self.nodes: dict[str, dict[str, Any]] = saved.get("nodes", {})
        self.aliases: dict[str, str] = saved.get("aliases", {})  # @name/+hash -> id:N
        self.read = int(saved.get("read", 0))
        self.read_ids: set[int] = set(saved.get("read_ids", []))
        self._pending: dict[str, dict[str, Any]] = {}
        self._inflight: dict[str, int | None] = {}  # node key -> the chat id it opened
        self._changed = asyncio.Event()
        since = saved.get("since")
        self.since = (datetime.fromisoformat(since) if since
                      else utc_now() - timedelta(days=plan.days_back))
        if not self.nodes:
            for target in plan.seeds:
                node = self._node(_seed_key(target), 0, "seed", target.display)
                node["queued"] = True
                if target.kind not in (TargetKind.USERNAME, TargetKind.INVITE):
                    node["resolve"] = target.marked_id  # by id: through the entity cache
            for text, why in plan.malformed:
                node = self._node(f"?{text}", 0, "seed", text)
                node.update(queued=False, status="skipped", reason=f"not a chat name: {why}")

    # -- the loop -------------------------------------------------------------------

    async def run(self, readers: Sequence[Reader], progress: Progress | None = None) -> None:
        """Read with every reader until the frontier is empty (or ``max_chats`` read)."""
        self._progress = progress
        alone = len(readers) == 1
        if alone:
            await self._worker(readers[0], alone)
        else:
            await _all_or_none([self._worker(reader, alone) for reader in readers])
        if self._full():
            for other in self.nodes.values():
                if other.get("queued"):
                    other.update(queued=False, status="skipped", reason="max_chats reached")
            self._collector.advance(self.checkpoint())

    async def _worker(self, reader: Reader, alone: bool) -> None:
        while True:
            key = None if self._full() else self._next(reader.account)
            if key is None:
                if not self._inflight:
                    return
                await self._wait()
                continue
            self._inflight[key] = None
            try:
                visit = await reader.read(self._request(key, reader.account))
            except FloodWait as wait:
                self._release(key)
                if alone:
                    raise
                log.info("discover: %s waits %.0f s; the others go on", reader.account,
                         wait.seconds)
                await self._pause(wait.seconds)
                continue
            except BaseException:
                self._release(key)
                raise
            self._inflight.pop(key, None)
            self._apply(key, visit)
            self._notify()

    def _full(self) -> bool:
        limit = self._plan.max_chats
        return limit is not None and self.read + len(self._inflight) >= limit

    async def _wait(self) -> None:
        await self._changed.wait()

    async def _pause(self, seconds: float) -> None:
        """Sit out a flood wait, or less if the others finish the crawl meanwhile."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while (left := until - loop.time()) > 0:
            if not self._inflight and not any(n.get("queued") for n in self.nodes.values()):
                return
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                return

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _release(self, key: str) -> None:
        self._inflight.pop(key, None)
        self._notify()

    def checkpoint(self) -> dict[str, Any]:
        return {"nodes": self.nodes, "aliases": self.aliases, "read": self.read,
                "read_ids": sorted(self.read_ids), "since": self.since.isoformat()}

    def _next(self, account: str) -> str | None:
        """The chat ``account`` should read next: the shallowest, readable by id first."""
        best: tuple[tuple[int, bool, int], str] | None = None
        for key, node in self.nodes.items():
            if not node.get("queued") or key in self._inflight or not _can(node, key, account):
                continue
            rank = (node["depth"], account not in node.get("hashes", {}),
                    -node.get("cited_by", 0))
            if best is None or rank < best[0]:
                best = (rank, key)
        return None if best is None else best[1]

    def _request(self, key: str, account: str) -> ChatRequest:
        node = self.nodes[key]
        return ChatRequest(
            key=key, target=node["target"], chat_id=node.get("id"),
            access_hash=node.get("hashes", {}).get(account), username=node.get("username"),
            title=node.get("title"), since=self.since, via=self._plan.via,
            join=self._plan.join, full_info=self._plan.full_info,
            claim=lambda chat_id: self._claim(key, chat_id), resolve=node.get("resolve"))

    def _claim(self, key: str, chat_id: int) -> str | None:
        """None when ``key`` may read chat ``chat_id``; else the key that has it."""
        if chat_id in self.read_ids:
            return f"id:{chat_id}"
        for other, opened in self._inflight.items():
            if other != key and (opened == chat_id or other == f"id:{chat_id}"):
                return other
        self._inflight[key] = chat_id
        return None

    # -- a visit's result -------------------------------------------------------------

    def _apply(self, key: str, visit: Visit) -> None:
        node = self.nodes[key]
        node["queued"] = False
        for seen_key, facts in visit.seen.items():
            self._learn(seen_key, facts, visit.account)
        if visit.chat_id is not None and key != f"id:{visit.chat_id}":
            self._merge(key, visit)
        own = {k: v for k, v in visit.facts.items() if k != "hash"}
        node.update(own, status=visit.status, reason=visit.reason)
        if visit.chat_id is not None and visit.status != "alias":
            node["id"] = visit.chat_id
        if visit.joined:
            node["joined"] = True
        edges: dict[str, list[Any]] = {}
        if visit.status == "read" and visit.chat_id is not None:
            self.read += 1
            self.read_ids.add(visit.chat_id)
            node.update(id=visit.chat_id, reason=None,
                        citations=len({c.message_id for c in visit.cited
                                       if c.kind != "recommendation"}))
            edges = self._edges(marked_channel(visit.chat_id), node["depth"], visit.cited)
        if edges:
            self._collector.add(edges, checkpoint=self.checkpoint())
        else:
            self._collector.advance(self.checkpoint())
        self._report(node["depth"])

    def _merge(self, key: str, visit: Visit) -> None:
        """``key`` (a username or invite) turned out to be chat ``visit.chat_id``."""
        known = f"id:{visit.chat_id}"
        self.aliases[key] = known
        other = self.nodes.get(known)
        if other is not None and visit.status != "alias":
            if other.get("queued") or not other.get("status"):
                other.update(queued=False, status="alias", reason=f"read as {key}")
            elif other.get("status") != "read":
                other.update(status="alias", reason=f"read as {key}")

    def _report(self, depth: int) -> None:
        if self._progress is None:
            return
        queued = sum(1 for n in self.nodes.values() if n.get("queued"))
        self._progress({"depth": depth, "frontier": queued, "chats_read": self.read,
                        "found": len(self.nodes), "in_flight": len(self._inflight)})

    def _learn(self, key: str, facts: dict[str, Any], account: str) -> None:
        """Remember what an answer showed of chat ``key``, its hash as ``account``'s."""
        fields = {k: v for k, v in facts.items() if k != "hash"}
        target = self.nodes.get(key)
        if target is None:
            target = self._pending.setdefault(key, {})
        target.update(fields)
        if facts.get("hash") is not None:
            target.setdefault("hashes", {})[account] = facts["hash"]
        username = facts.get("username")
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
            pending = self._pending.pop(target_key, {})
            hashes = {**pending.pop("hashes", {}), **node.get("hashes", {})}
            node.update(pending)
            if hashes:
                node["hashes"] = hashes
            node["cited_by"] = node.get("cited_by", 0) + weight
            if not node.get("status"):  # readers run side by side: the shallowest wins
                node["depth"] = min(node["depth"], depth + 1)
                if (not node.get("queued") and node["depth"] <= self._plan.depth
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


async def _all_or_none(work: list[Coroutine[Any, Any, None]]) -> None:
    """Run ``work`` side by side; the first error (or a cancel) stops the rest and is raised."""
    tasks = [asyncio.ensure_future(each) for each in work]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


def _can(node: dict[str, Any], key: str, account: str) -> bool:
    """Can ``account`` open this chat: by its own hash, a username, an invite; or nobody can."""
    if not key.startswith("id:") or node.get("username"):
        return True
    hashes = node.get("hashes", {})
    return account in hashes or not hashes


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
