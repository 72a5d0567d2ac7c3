"""Comments under a channel's posts: the discussion threads, as a messages frame.

A broadcast channel with a linked discussion group gets each post copied
into the group; comments are replies to that copy. ``messages.getReplies``
on the channel and a post id pages that thread (newest first, 100 a page).
Every row is a comment, a message of the discussion group (``chat_id``), and
names the post it discusses (``post_chat_id``, ``post_id``).

Which posts: ``post_ids``, or the channel's posts of the last ``days_back``
days (all without it), read from history; posts whose comment counter is 0
cost no request. ``limit`` caps the comments of each post (newest first).
A channel without a discussion group gives an empty frame and a note; a post
id that does not exist (or has no thread) is noted and skipped; a group, a
user or a basic group is refused after the one request that tells it.
Progress counts threads; a re-run resumes after the last finished thread,
and inside a thread from the page it reached.

Example::

    df = await session.scrape_comments("@news_channel", days_back=7)
    df.groupby("post_id").size()
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pandas as pd
from telethon import utils
from telethon.tl import functions, types

from tgkit.core import OperationKind, current_operation
from tgkit.errors import NotAChannel
from tgkit.frames import collection_attrs
from tgkit.telegram.catalogue import (
    COUNT,
    DAYS,
    FLAG,
    IDS,
    TARGET,
    Arguments,
    OperationSpec,
    Param,
)
from tgkit.telegram.chat_info import NotAChat
from tgkit.telegram.collect import PageCollector, collecting
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.convert_messages import message_columns
from tgkit.telegram.messages import HISTORY_PAGE, entities_by_id, history_page
from tgkit.telegram.resolve import PeerKind, ResolvedChat
from tgkit.telegram.targets import Target

log = logging.getLogger(__name__)

__all__ = ["COMMENTS", "NotAChannel", "scrape_comments"]



async def scrape_comments(
    ctx: TelegramContext,
    target: Target,
    *,
    post_ids: Sequence[int] | None = None,
    days_back: float | None = None,
    limit: int | None = None,
    resume: bool = True,
) -> pd.DataFrame:
    """The comments under ``target``'s posts (see the module docstring)."""
    chat = await ctx.resolver.resolve(target)
    if chat.kind is PeerKind.USER:
        raise NotAChat(f"{target.display} is a user, not a channel")
    if chat.kind is PeerKind.CHAT:
        raise NotAChannel(
            f"{target.display} is a basic group: comments are the discussion under a "
            "channel's posts; read a group's replies with messages()"
        )
    params = {"post_ids": list(post_ids) if post_ids else None, "days_back": days_back,
              "limit": limit}

    def open_collection(resume: bool) -> PageCollector:
        return PageCollector.open("messages", store=ctx.store, account=ctx.account,
                                  target="comments:" + target.key, params=params, resume=resume)

    collector = open_collection(resume)
    if collector.complete and days_back is not None:  # its days have moved on
        collector = open_collection(False)
    if collector.complete:
        return collector.stored_frame()
    run = _Comments(ctx, chat, collector, post_ids, days_back, limit)
    with collecting(collector, run.attrs):
        await run.all()
    attrs = run.attrs()
    collector.finish("complete", attrs=attrs)
    return collector.frame(attrs)


class _Comments:
    """Finds the channel's discussion group and threads, then pages each thread."""

    def __init__(self, ctx: TelegramContext, chat: ResolvedChat, collector: PageCollector,
                 post_ids: Sequence[int] | None, days_back: float | None,
                 limit: int | None) -> None:
        self._ctx = ctx
        self._chat = chat
        self._collector = collector
        self._post_ids = post_ids
        self._days_back = days_back
        self._limit = limit
        state = collector.checkpoint
        self._threads: list[list[int]] | None = state.get("threads")  # [post id, count]
        self._done: list[int] = list(state.get("done", []))
        self._notes: list[str] = list(state.get("notes", []))
        self._group_id: int | None = state.get("group_id")
        self._channel_id = chat.marked_id

    async def all(self) -> None:
        if self._threads is None:
            await self._plan()
        op = current_operation()
        threads = self._threads or []
        for post_id, _ in threads:
            if post_id in self._done:
                continue
            await self._thread(post_id)
            self._done.append(post_id)
            self._collector.advance(self._checkpoint())
            if op is not None:
                op.report_progress(len(self._done), len(threads))

    async def _plan(self) -> None:
        full = await self._ctx.rpc(
            functions.channels.GetFullChannelRequest(self._chat.input_channel),
            target=self._chat.target,
        )
        entity = next((c for c in full.chats if c.id == self._chat.chat_id), None)
        if not getattr(entity, "broadcast", False):
            raise NotAChannel(
                f"{self._chat.target} is a group, not a broadcast channel: comments are the "
                "discussion under a channel's posts; a group's reply threads are in "
                "messages() (reply_to_msg_id, reply_to_top_id)"
            )
        linked = getattr(full.full_chat, "linked_chat_id", None)
        if not linked:
            self._notes.append(f"{self._chat.target} has no discussion group: no comments")
            self._threads = []
        else:
            self._group_id = utils.get_peer_id(types.PeerChannel(linked))
            posts = await (self._given_posts() if self._post_ids else self._recent_posts())
            self._threads = [[post.id, _comment_count(post)] for post in posts
                             if _comment_count(post)]
        self._collector.advance(self._checkpoint())

    async def _given_posts(self) -> list[Any]:
        wanted = list(self._post_ids or ())
        result = await self._ctx.rpc(
            functions.channels.GetMessagesRequest(self._chat.input_channel, wanted),
            target=self._chat.target,
        )
        found = {m.id: m for m in result.messages if isinstance(m, types.Message)}
        missing = [post_id for post_id in wanted if post_id not in found]
        if missing:
            self._notes.append(f"posts {missing} do not exist in {self._chat.target}")
        return [found[post_id] for post_id in wanted if post_id in found]

    async def _recent_posts(self) -> list[Any]:
        since = None if self._days_back is None else utc_now() - timedelta(days=self._days_back)
        posts: list[Any] = []
        offset_id = 0
        while True:
            result = await self._ctx.rpc(
                history_page(self._chat.input_peer, offset_id, None, HISTORY_PAGE),
                target=self._chat.target,
            )
            page = [m for m in result.messages if getattr(m, "date", None) is not None]
            if not page:
                break
            posts.extend(m for m in page if isinstance(m, types.Message)
                         and (since is None or m.date >= since))
            offset_id = page[-1].id
            if since is not None and page[-1].date < since:
                break
        return posts

    async def _thread(self, post_id: int) -> None:
        state = self._collector.checkpoint
        offset_id = state.get("offset_id", 0) if state.get("current") == post_id else 0
        taken = state.get("taken", 0) if state.get("current") == post_id else 0
        while self._limit is None or taken < self._limit:
            room = HISTORY_PAGE if self._limit is None else min(HISTORY_PAGE,
                                                                self._limit - taken)
            result = await self._ctx.rpc(
                functions.messages.GetRepliesRequest(
                    peer=self._chat.input_peer, msg_id=post_id, offset_id=offset_id,
                    offset_date=None, add_offset=0, limit=room, max_id=0, min_id=0, hash=0,
                ),
                target=self._chat.target,
            )
            page = [m for m in result.messages if isinstance(m, types.Message)]
            if not page:
                break
            offset_id = page[-1].id
            taken += len(page)
            columns = message_columns(
                page, chat_id=self._group_id, users_by_id=entities_by_id(result),
                collected_at=utc_now(), post=(self._channel_id, post_id),
            )
            checkpoint = {**self._checkpoint(), "current": post_id, "offset_id": offset_id,
                          "taken": taken}
            self._collector.add(columns, checkpoint=checkpoint)
            if len(result.messages) < room:
                break

    def _checkpoint(self) -> dict[str, Any]:
        return {"threads": self._threads, "done": self._done, "notes": self._notes,
                "group_id": self._group_id}

    def attrs(self) -> dict[str, Any]:
        threads = self._threads or []
        reported = sum(count for _, count in threads) if threads else None
        rows = len(self._collector)
        return collection_attrs(
            self._chat.target, reported, rows, ["replies"] if rows else [], utc_now(),
            chat_id=self._channel_id, chat_title=self._chat.title,
            discussion_chat_id=self._group_id, threads=len(threads),
            threads_done=len(self._done), notes=list(self._notes),
            resumed=self._collector.resumed,
        )


def _comment_count(post: Any) -> int:
    replies = getattr(post, "replies", None)
    if replies is None or not getattr(replies, "comments", False):
        return 0
    return int(getattr(replies, "replies", 0) or 0)


# -- the operation ----------------------------------------------------------------------


async def _comments_steps(ctx: TelegramContext, args: Arguments, live: None) -> pd.DataFrame:
    return await scrape_comments(
        ctx, args["target"], post_ids=args["post_ids"], days_back=args["days_back"],
        limit=args["limit"], resume=args["resume"],
    )


def _check(args: Arguments) -> None:
    if args["post_ids"] is not None and args["days_back"] is not None:
        raise ValueError("pass either post_ids or days_back, not both")


COMMENTS = OperationSpec(
    name="comments",
    method="scrape_comments",
    kind=OperationKind.SCRAPE,
    summary="Comments under a channel's posts (its discussion group's threads).",
    details=(
        "``post_ids`` picks posts; otherwise the posts of the last ``days_back`` days (all "
        "without it). ``limit`` caps the comments per post, newest first. Each row names "
        "the post (``post_chat_id``, ``post_id``) and the discussion group (``chat_id``). "
        "A channel without comments gives an empty frame and a note in "
        "``df.attrs['notes']``. Resumable by thread."
    ),
    params=(
        Param("target", TARGET, positional=True, help="the channel"),
        Param("post_ids", IDS, None, "only these posts"),
        Param("days_back", DAYS, None, "posts of the last N days",
              flags=("--days-back", "--days")),
        Param("limit", COUNT, None, "at most this many comments per post"),
        Param("resume", FLAG, True, "continue an unfinished stored collection"),
    ),
    validate=_check,
    run=_comments_steps,
    frame="messages",
    unit="threads",
    requests=frozenset({"channels.GetFullChannel", "messages.GetHistory",
                        "channels.GetMessages", "messages.GetReplies"}),
    example=("@news_channel",),
    example_options={"days_back": 7},
)
