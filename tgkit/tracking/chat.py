"""One tracking round of one chat: what is new since the last round, and fresh counters.

History is paged newest first (``messages.GetHistory``, 100 a page; Telegram
ignores ``min_id``, so the client filters). Paging stops at the first page
that reaches both the newest message of the last round (``last_message_id``)
and the start of the refresh window (``refresh_days`` before the run
started): with nothing new, and a refresh window one page holds, that is one
request. Rows above ``last_message_id`` are new messages; rows at or below
it are refreshed posts, whose counters become ``observations``.

What a round takes follows the entry's ``what``: without ``"messages"`` no
row counts as new (only the refresh window is paged), without
``"counters"`` there is no refresh window, and with neither the round sends
no history request at all (the chat is then tracked for its info only).

A round is a store collection keyed by (watchlist, chat, round, last id), so
a killed or interrupted round resumes where it stopped; only after its files
are in the dataset does the watchlist entry move to the next round. Writing
a round's files twice writes the same files, so a crash between the two
loses nothing and repeats nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from tgkit.core import current_operation
from tgkit.errors import ChatNotFound
from tgkit.frames import collection_attrs, empty_frame
from tgkit.store._watchlist import WHAT, WatchEntry, Watchlist
from tgkit.telegram.collect import PageCollector, collecting
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.convert_messages import message_columns
from tgkit.telegram.messages import HISTORY_PAGE, entities_by_id, history_page
from tgkit.telegram.resolve import ResolvedChat
from tgkit.telegram.targets import parse_target
from tgkit.tracking.dataset import Dataset, observations_frame

__all__ = ["resolve_entry", "track_round"]


async def resolve_entry(ctx: TelegramContext, entry: WatchEntry) -> ResolvedChat:
    """The chat of ``entry``: by its id (entity cache), else by its last known username."""
    try:
        return await ctx.resolver.resolve(parse_target(entry.chat_id))
    except ChatNotFound:
        if not entry.username:
            raise
    chat = await ctx.resolver.resolve(parse_target(f"@{entry.username}"))
    if chat.marked_id != entry.chat_id:
        raise ChatNotFound(
            f"@{entry.username} now names another chat ({chat.marked_id}, not the tracked "
            f"{entry.chat_id}), and this account has not seen the tracked chat: track it "
            "from an account that has, or add it again by its new name"
        )
    return chat


async def track_round(
    ctx: TelegramContext,
    watchlist: Watchlist,
    entry: WatchEntry,
    refresh_days: float,
    dataset: Dataset | None,
) -> pd.DataFrame:
    """Run ``entry``'s next round; returns every row it paged (new and refreshed)."""
    if "messages" not in entry.what and "counters" not in entry.what:
        return _nothing_paged(entry)
    if "counters" not in entry.what:
        refresh_days = 0
    chat = await resolve_entry(ctx, entry)
    params: dict[str, Any] = {
        "track": watchlist.name, "round": entry.round, "min_id": entry.last_message_id,
    }
    if entry.what != WHAT:
        params["what"] = ",".join(entry.what)
    collector = PageCollector.open(
        "messages", store=ctx.store, account=ctx.account, target=str(entry.chat_id),
        params=params, order_by=("message_id",),
    )
    pager = _Pager(ctx, chat, entry, collector, refresh_days)
    if not collector.complete:
        with collecting(collector, pager.attrs):
            await pager.run()
        collector.finish("complete", attrs=pager.attrs())
        frame = collector.frame(pager.attrs())
    else:
        frame = collector.stored_frame()
    new = frame[frame["message_id"] > entry.last_message_id]
    if "messages" not in entry.what:
        new = new.head(0)
    if dataset is not None:
        name = f"c{collector.collection_id}"
        dataset.append("messages", _plain(new, "messages"), name, "date")
        dataset.append("observations", observations_frame(frame), name, "observed_at")
    newest = int(new["message_id"].max()) if len(new) else entry.last_message_id
    watchlist.advance(entry.chat_id, entry.round + 1, newest)
    frame.attrs.update(new_messages=len(new), refreshed=len(frame) - len(new))
    return frame


def _nothing_paged(entry: WatchEntry) -> pd.DataFrame:
    """The round of a chat tracked for its info only: no history request."""
    frame = empty_frame("messages")
    frame.attrs.update(chat_id=entry.chat_id, min_id=entry.last_message_id, new_messages=0,
                       refreshed=0)
    return frame


def _plain(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    plain = frame.reset_index(drop=True)
    plain.attrs = {"kind": kind}
    return plain


class _Pager:
    """Pages one chat's history for one round into a collector."""

    def __init__(
        self, ctx: TelegramContext, chat: ResolvedChat, entry: WatchEntry,
        collector: PageCollector, refresh_days: float,
    ) -> None:
        self._ctx, self._chat, self._entry, self._collector = ctx, chat, entry, collector
        started: datetime = collector.checkpoint.get("started") or utc_now()
        self._started = started
        self._refresh_since = started - timedelta(days=refresh_days)
        self._min_id = entry.last_message_id
        self._new = "messages" in entry.what  # else only the refresh window is paged

    async def run(self) -> None:
        offset_id = self._collector.checkpoint.get("offset_id", 0)
        while True:
            result = await self._ctx.rpc(
                history_page(self._chat.input_peer, offset_id, None, HISTORY_PAGE),
                target=self._chat.target,
            )
            page = [m for m in result.messages if getattr(m, "date", None) is not None]
            if not page:
                return
            offset_id = page[-1].id
            self._add([m for m in page if self._wanted(m)], result, offset_id)
            if self._done(page[-1]):
                return

    def _wanted(self, message: Any) -> bool:
        if message.id > self._min_id and self._new:
            since = self._entry.since if self._min_id == 0 else None
            return since is None or message.date >= since
        return message.date >= self._refresh_since

    def _done(self, oldest: Any) -> bool:
        if oldest.id > self._min_id and self._new:
            since = self._entry.since if self._min_id == 0 else None
            return since is not None and oldest.date < since
        return oldest.date < self._refresh_since

    def _add(self, messages: list[Any], result: Any, offset_id: int) -> None:
        columns = message_columns(
            messages, chat_id=self._chat.marked_id, users_by_id=entities_by_id(result),
            collected_at=utc_now(),
        )
        self._collector.add(columns, checkpoint={"offset_id": offset_id, "started": self._started})

    def attrs(self) -> dict[str, Any]:
        return collection_attrs(
            self._chat.target, None, len(self._collector), ["history"], utc_now(),
            chat_id=self._chat.marked_id, chat_title=self._chat.title,
            round=self._entry.round, min_id=self._min_id,
            refresh_since=self._refresh_since.isoformat(),
        )


def report(done: int, total: int) -> None:
    """Progress of a run, in chats."""
    op = current_operation()
    if op is not None:
        op.report_progress(done, total)
