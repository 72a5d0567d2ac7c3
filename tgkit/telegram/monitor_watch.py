"""The MONITOR operation's work: register the handler, wait, reconnect and back-fill.

``Watch`` keeps the monitor's promise of no gap and no duplicate (see
``tgkit.telegram.monitor``): it notes each chat's newest id before listening,
back-fills from history after a lost connection, a stall, or a gap in a
channel's ids, and once more when the monitor ends normally.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

from telethon import events

from tgkit.core import current_operation
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.messages import HISTORY_PAGE, entities_by_id, history_page
from tgkit.telegram.monitor_changes import MessageChanges
from tgkit.telegram.monitor_reconcile import reconcile
from tgkit.telegram.monitor_state import Backfill, MonitorOptions, MonitorState
from tgkit.telegram.resolve import PeerKind, ResolvedChat
from tgkit.telegram.rpc import count_in_report

log = logging.getLogger(__name__)

__all__ = ["GAP_GRACE_S", "GAP_INTERVAL_S", "Watch"]

#: A gap in a channel's ids is back-filled this long after it shows (Telethon
#: waits 0.5 s for a late push and then fetches the difference itself).
GAP_GRACE_S = 1.0
#: At most one gap back-fill per this many seconds.
GAP_INTERVAL_S = 5.0


class Watch:
    """Registers the handler, waits, reconnects and back-fills."""

    def __init__(self, ctx: TelegramContext, options: MonitorOptions, state: MonitorState) -> None:
        self._ctx = ctx
        self._options = options
        self._state = state
        self._client = ctx.rpc.client
        self._confirmed: dict[int, int] = {}  # marked chat id -> newest id history confirmed
        self._operation: Any = None
        self._channels = {c.marked_id for c in state.chats if c.kind is PeerKind.CHANNEL}
        self._newest_seen: dict[int, int] = {}  # channel -> newest id seen live
        self._gaps: set[int] = set()  # channels whose ids skipped, to back-fill
        self._gap_seen = asyncio.Event()
        self._next_gap_fill = 0.0  # loop time before which no gap back-fill starts

    async def run(self) -> None:
        self._operation = current_operation()
        # Newest ids first: a message posted before the handler is in place is
        # newer than them, so the final back-fill finds it if no update did.
        for chat in self._state.chats:
            self._confirmed[chat.marked_id] = await self._newest_id(chat)
        builder = MessageChanges(chats=[chat.input_peer for chat in self._state.chats])
        self._client.add_event_handler(self._on_change, builder)
        self._state.listening = True
        try:
            await self._watch()
            await self._backfill("final")
            await reconcile(self._ctx.rpc, self._state.chats, self._state.changes,
                            self._state.collector)
        finally:
            self._state.listening = False
            self._client.remove_event_handler(self._on_change, builder)

    async def _on_change(self, event: Any) -> None:
        if isinstance(event, events.MessageEdited.Event):
            await self._on_edit(event)
        elif isinstance(event, events.MessageDeleted.Event):
            await self._on_delete(event)
        else:
            await self._on_event(event)

    async def _on_edit(self, event: Any) -> None:
        message = event.message
        sender = getattr(message, "sender", None)
        self._state.edited(message, {message.sender_id: sender} if sender is not None else {})

    async def _on_delete(self, event: Any) -> None:
        chat_id = event.chat_id
        watched = {chat.marked_id for chat in self._state.chats}
        if chat_id is not None and chat_id not in watched:
            return
        if chat_id is None and not any(c.kind is PeerKind.CHAT for c in self._state.chats):
            return  # a deletion in a private chat or a basic group not watched
        self._state.changes.deleted(chat_id, event.deleted_ids, utc_now())

    async def _on_event(self, event: Any) -> None:
        message = event.message
        loop = asyncio.get_running_loop()
        self._state.last_live = loop.time()
        self._note_gap(event.chat_id, message.id)
        sender = getattr(message, "sender", None)
        users = {message.sender_id: sender} if sender is not None else {}
        await self._state.add([message], users)
        # Telethon runs handlers in its own tasks, outside the operation's context.
        if self._operation is not None:
            self._operation.report_progress(len(self._state.collector))

    def _note_gap(self, chat_id: int, message_id: int) -> None:
        if chat_id not in self._channels:
            return  # basic groups number messages per account: ids skip there anyway
        newest = max(self._newest_seen.get(chat_id, 0), self._confirmed.get(chat_id, 0))
        if message_id > newest + 1:
            self._gaps.add(chat_id)
            self._gap_seen.set()
        self._newest_seen[chat_id] = max(newest, message_id)

    async def _fill_gaps(self, deadline: float) -> bool:
        """Back-fill the channels whose ids skipped (after Telethon had its chance).

        False, at once, when the deadline comes first: the final back-fill covers them.
        """
        loop = asyncio.get_running_loop()
        start = max(loop.time() + GAP_GRACE_S, self._next_gap_fill)
        if start >= deadline:
            return False
        await asyncio.sleep(start - loop.time())
        self._gap_seen.clear()
        chats = [chat for chat in self._state.chats if chat.marked_id in self._gaps]
        self._gaps.clear()
        self._next_gap_fill = loop.time() + GAP_INTERVAL_S
        await self._backfill("gap", chats)
        return True

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._options.duration
        self._state.last_live = loop.time()
        stop = asyncio.ensure_future(self._state.stop_requested.wait())
        lost = asyncio.ensure_future(self._disconnected())
        gap = asyncio.ensure_future(self._gap_seen.wait())
        try:
            while not stop.done() and loop.time() < deadline:
                stall_at = self._state.last_live + self._options.stall_after
                done, _ = await asyncio.wait(
                    {stop, lost, gap},
                    timeout=min(deadline, stall_at) - loop.time(),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if gap in done and lost not in done:
                    filled = await _until_either(self._fill_gaps(deadline), stop)
                    # After the deadline's turn, gaps wait for the final back-fill.
                    gap = asyncio.ensure_future(
                        self._gap_seen.wait() if filled is not False else asyncio.Event().wait()
                    )
                elif lost in done:
                    await self._ctx.rpc.ensure_connected()
                    lost = asyncio.ensure_future(self._disconnected())
                    await self._backfill("reconnected")
                elif not done:
                    # Timed out: decide by which time was waited for, not by comparing the
                    # clock with a sum of floats (20.105 + 20 > 40.105: that wait woke "early"
                    # and, on a clock that does not move by itself, would spin for ever).
                    if stall_at >= deadline:
                        break
                    await self._backfill("stalled")
                    self._state.last_live = loop.time()
        finally:
            await _cancel(stop)
            await _cancel(lost)
            await _cancel(gap)

    async def _disconnected(self) -> None:
        if not self._client.is_connected():
            return
        try:
            await self._client.disconnected
        except (ConnectionError, OSError):
            pass

    async def _backfill(self, reason: str, chats: Sequence[ResolvedChat] | None = None) -> None:
        added = 0
        for chat in self._state.chats if chats is None else chats:
            added += await self._backfill_chat(chat)
        self._state.backfills.append(Backfill(utc_now(), reason, added))
        count_in_report("backfilled", amount=added)
        if added:
            log.info("monitor back-filled %d missed messages (%s)", added, reason)

    async def _backfill_chat(self, chat: ResolvedChat) -> int:
        confirmed = self._confirmed.get(chat.marked_id, 0)
        offset_id, newest, added = 0, confirmed, 0
        while True:
            result = await self._history(chat, offset_id, HISTORY_PAGE)
            page = [m for m in result.messages if m.id > confirmed]
            if not page:
                break
            newest = max(newest, page[0].id)
            added += await self._state.add(page[::-1], entities_by_id(result))
            offset_id = page[-1].id
            if len(page) < len(result.messages) or len(result.messages) < HISTORY_PAGE:
                break
        self._confirmed[chat.marked_id] = newest
        return added

    async def _newest_id(self, chat: ResolvedChat) -> int:
        result = await self._history(chat, 0, 1)
        return max((m.id for m in result.messages), default=0)

    async def _history(self, chat: ResolvedChat, offset_id: int, limit: int) -> Any:
        request = history_page(chat.input_peer, offset_id, None, limit)
        return await self._ctx.rpc(request, target=chat.target)


async def _until_either(work: Awaitable[bool], stop: asyncio.Future[Any]) -> bool | None:
    """Run ``work``, giving its result; a stop request ends its waiting (None then)."""
    task = asyncio.ensure_future(work)
    await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    if not task.done():
        await _cancel(task)
        return None
    return task.result()


async def _cancel(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` and wait until it has ended (without swallowing our own cancel)."""
    task.cancel()
    await asyncio.wait({task})
