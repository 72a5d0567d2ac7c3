"""Live monitoring: new messages of some chats, into a frame that grows while it runs.

A monitor is one exclusive MONITOR operation: while it runs it holds the
session, so scrapes queue behind it (requirement 1.2) and start when it ends.
It registers one ``events.NewMessage`` handler for its chats and removes it
when it ends, however it ends (duration over, ``stop()``, cancel, timeout,
error): no handler or task is left behind, and other sessions' monitors are
untouched (each session has its own client).

**No gap, no duplicate.** When it starts, the monitor notes each chat's newest
message id. After a lost connection (reconnected with bounded retries) or a
stall (no live message for ``stall_after`` seconds) it back-fills from
history every message newer than the last id history confirmed, and once more
when it ends normally. In a supergroup or channel, whose ids count up one by
one, a live message whose id skips past the newest one seen shows a gap (a
push the server lost, a "too long" difference Telethon skipped): that chat is
back-filled a second later, at most every ``GAP_INTERVAL_S`` seconds (deleted
messages and service messages leave such gaps too, and cost one request).
Rows are keyed by (chat id, message id), so a message that arrives both live
and by back-fill is one row. Each back-fill is listed in
``MonitorHandle.backfills`` and in the frame's ``attrs["backfills"]``.

Rows are also written to the store (when the session has one), as a messages
collection of their own, so a crash loses nothing.

Example::

    handle = session.monitor(["@group"], duration=600)
    handle.frame()        # the rows so far
    handle.stop()
    df = await handle     # the final frame
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from telethon import events

from tgkit.core import OperationHandle, OperationKind, Progress, current_operation
from tgkit.frames import collection_attrs
from tgkit.telegram.catalogue import CALLBACK, DURATION, TARGETS, Arguments, OperationSpec, Param
from tgkit.telegram.checks import positive_number
from tgkit.telegram.collect import PageCollector, collecting
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.convert_messages import message_columns
from tgkit.telegram.messages import HISTORY_PAGE, entities_by_id, history_page
from tgkit.telegram.monitor_changes import ChangeLog, MessageChanges, events_kept
from tgkit.telegram.monitor_reconcile import reconcile
from tgkit.telegram.resolve import PeerKind, ResolvedChat
from tgkit.telegram.rpc import count_in_report
from tgkit.telegram.targets import Target

log = logging.getLogger(__name__)

__all__ = [
    "MONITOR",
    "MONITOR_GRACE_S",
    "Backfill",
    "MonitorHandle",
    "MonitorOptions",
    "MonitorState",
    "run_monitor",
]

#: Extra run time a monitor gets beyond its duration (final back-fill, cleanup).
MONITOR_GRACE_S = 60.0

#: A gap in a channel's ids is back-filled this long after it shows (Telethon
#: waits 0.5 s for a late push and then fetches the difference itself).
GAP_GRACE_S = 1.0
#: At most one gap back-fill per this many seconds.
GAP_INTERVAL_S = 5.0

#: Monitor frames are oldest first; back-filled rows take their place in time.
TIME_ORDER = ("date", "chat_id", "message_id")

MessageCallback = Callable[[dict[str, Any]], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class Backfill:
    """One back-fill: when, why ("reconnected", "stalled", "final") and how many it added."""

    at: datetime
    reason: str
    added: int


@dataclass(frozen=True, slots=True)
class MonitorOptions:
    """How a monitor watches; validated before anything is queued.

    ``stall_after``: seconds without a live message after which history is
    checked for missed ones (one small request per chat).
    """

    duration: float
    stall_after: float = 60.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "duration", positive_number(self.duration, "duration", "seconds"))
        stall_after = positive_number(self.stall_after, "stall_after", "seconds")
        object.__setattr__(self, "stall_after", stall_after)


class MonitorState:
    """The live rows of one monitor, shared by its operation and its handle."""

    def __init__(self, on_message: MessageCallback | None = None) -> None:
        self._on_message = on_message
        self.collector = PageCollector("messages", order_by=TIME_ORDER)
        self.backfills: list[Backfill] = []
        self.chats: tuple[ResolvedChat, ...] = ()
        self.stop_requested = asyncio.Event()
        self.last_live = 0.0
        self.callback_errors = 0
        self.changes = ChangeLog()
        self.listening = False  # its handler is in place: changes from now on are seen live

    def use_collector(self, collector: PageCollector) -> None:
        self.collector = collector

    async def add(self, messages: Sequence[Any], users_by_id: dict[int, Any]) -> int:
        """Add the messages not yet seen; call ``on_message`` with each new row."""
        columns = message_columns(
            messages, chat_id=None, users_by_id=users_by_id, collected_at=utc_now()
        )
        keys = list(zip(columns["chat_id"], columns["message_id"], strict=True))
        unseen = set(self.collector.unseen(keys))
        fresh = [i for i, key in enumerate(keys) if key in unseen]
        if not fresh:
            return 0
        if len(fresh) < len(columns["message_id"]):
            columns = {name: [values[i] for i in fresh] for name, values in columns.items()}
        added = self.collector.add(columns, checkpoint={})
        basic = [chat.marked_id for chat in self.chats if chat.kind is PeerKind.CHAT]
        self.changes.new(columns, utc_now(), basic)
        await self._notify(columns)
        return added

    def edited(self, message: Any, users_by_id: dict[int, Any]) -> None:
        """Record an edit: an event, and the newest version for the frame."""
        columns = message_columns([message], chat_id=None, users_by_id=users_by_id,
                                  collected_at=utc_now())
        if columns["message_id"]:
            row = {name: values[0] for name, values in columns.items()}
            self.changes.edited(row, utc_now())

    async def _notify(self, columns: dict[str, list[Any]]) -> None:
        if self._on_message is None:
            return
        names = list(columns)
        for row in zip(*columns.values(), strict=True):
            try:
                result = self._on_message(dict(zip(names, row, strict=True)))
                if inspect.isawaitable(result):
                    await result
            except Exception:
                self.callback_errors += 1
                if self.callback_errors == 1:  # once: a broken callback must not flood the log
                    log.exception(
                        "on_message raised; the monitor goes on, counting further errors "
                        "in attrs['callback_errors'] without logging each"
                    )

    def attrs(self) -> dict[str, Any]:
        """The frame's attrs: chats, rows and the back-fills done."""
        target = ", ".join(chat.target for chat in self.chats)
        return collection_attrs(
            target,
            None,
            len(self.collector),
            ["monitor"],
            utc_now(),
            chat_ids=[chat.marked_id for chat in self.chats],
            backfills=[
                {"at": b.at.isoformat(), "reason": b.reason, "added": b.added}
                for b in self.backfills
            ],
            callback_errors=self.callback_errors,
            events=self.changes.counts(),
            events_collection_id=self.changes.collector.collection_id,
        )

    def events_attrs(self) -> dict[str, Any]:
        """The events frame's attrs: the chats watched and the messages collection."""
        return {"target": ", ".join(chat.target for chat in self.chats),
                "chat_ids": [chat.marked_id for chat in self.chats],
                "messages_collection_id": self.collector.collection_id}

    def frame(self) -> pd.DataFrame:
        """The rows so far, oldest first (back-filled rows in their place), edited
        messages in their newest version."""
        return self.changes.newest(self.collector.frame(self.attrs()))


class MonitorHandle:
    """A running (or queued, or finished) monitor.

    ``frame()`` gives the rows so far, ``count`` how many, ``backfills`` what
    was recovered from history, ``stop()`` ends it normally (a final
    back-fill, then the frame), ``cancel()`` ends it at once. Awaiting the
    handle waits for the end and returns the final frame. Like the scheduler,
    it is used from the event loop's thread (the notebook layer hops there).

    Example::

        handle = session.monitor("@group", duration=60)
        await asyncio.sleep(5); handle.count
        df = await handle
    """

    def __init__(self, state: MonitorState, operation: OperationHandle) -> None:
        self._state = state
        self.operation = operation

    def __repr__(self) -> str:
        return f"<MonitorHandle {self.operation.id} {self.state.name} rows={self.count}>"

    def __await__(self) -> Generator[Any, None, pd.DataFrame]:
        return self.operation.__await__()

    @property
    def id(self) -> str:
        return self.operation.id

    @property
    def kind(self) -> OperationKind:
        return self.operation.kind

    @property
    def label(self) -> str:
        return self.operation.label

    @property
    def state(self) -> Any:
        return self.operation.state

    @property
    def progress(self) -> Progress:
        """Messages so far (a monitor has no total)."""
        return self.operation.progress

    @property
    def partial(self) -> pd.DataFrame:
        """The rows so far: for a monitor, what it recorded before it ended or was stopped."""
        return self.frame()

    @property
    def report(self) -> dict[str, Any]:
        return self.operation.report

    def result(self) -> pd.DataFrame:
        """The final frame once the monitor has ended (its error if it failed)."""
        result: pd.DataFrame = self.operation.result()
        return result

    def add_done_callback(self, callback: Callable[[Any], object]) -> None:
        self.operation.add_done_callback(lambda _: callback(self))

    @property
    def count(self) -> int:
        """Messages collected so far."""
        return len(self._state.collector)

    @property
    def backfills(self) -> tuple[Backfill, ...]:
        """Every back-fill so far: when, why and how many messages it added."""
        return tuple(self._state.backfills)

    @property
    def listening(self) -> bool:
        """True while the monitor's handler is in place (edits and deletions are seen live
        only then; new messages posted before are back-filled)."""
        return self._state.listening

    @property
    def backfilled(self) -> int:
        """How many messages came from back-fills rather than live updates."""
        return sum(b.added for b in self._state.backfills)

    def frame(self) -> pd.DataFrame:
        """The rows so far (a new DataFrame each call)."""
        return self._state.frame()

    def events(self) -> pd.DataFrame:
        """What happened so far: one row per new, edited or deleted message (see
        ``tgkit.telegram.monitor_changes``)."""
        return self._state.changes.frame(self._state.events_attrs())

    def stop(self) -> None:
        """End the monitor normally; a queued monitor is cancelled."""
        if self.operation.state.name == "QUEUED":
            self.operation.cancel()
        self._state.stop_requested.set()

    def cancel(self, by: str = "handle") -> bool:
        """End the monitor at once (no final back-fill); False if it had already ended.

        Awaiting it then raises ``tgkit.errors.Cancelled`` whose ``by`` is ``by``."""
        return self.operation.cancel(by=by)

    def done(self) -> bool:
        return self.operation.done()


async def run_monitor(
    ctx: TelegramContext,
    targets: Sequence[Target],
    options: MonitorOptions,
    state: MonitorState,
) -> pd.DataFrame:
    """The MONITOR operation: watch ``targets`` for ``options.duration`` seconds."""
    state.chats = tuple([await ctx.resolver.resolve(target) for target in targets])
    if ctx.store is not None:
        key = {"store": ctx.store, "account": ctx.account, "resume": False,
               "target": "monitor:" + ",".join(target.key for target in targets),
               "params": {"started": utc_now()}}
        state.use_collector(PageCollector.open("messages", order_by=TIME_ORDER, **key))
        state.changes.use_collector(PageCollector.open("events", **key))
    watch = _Watch(ctx, options, state)
    with collecting(state.collector, state.attrs), events_kept(state.changes, state.events_attrs):
        await watch.run()
    state.changes.collector.finish("complete", attrs=state.events_attrs())
    state.collector.finish("complete", attrs=state.attrs())
    return state.frame()


class _Watch:
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


# -- the operation ----------------------------------------------------------------------


async def _monitor_steps(ctx: TelegramContext, args: Arguments, live: MonitorState) -> Any:
    options = MonitorOptions(args["duration"], args["stall_after"])
    return await run_monitor(ctx, args["targets"], options, live)


MONITOR = OperationSpec(
    name="monitor",
    kind=OperationKind.MONITOR,
    summary="Watch chats for new, edited and deleted messages for ``duration``; returns a "
    "live handle at once.",
    details=(
        "An exclusive MONITOR operation: scrapes on the same account queue until it ends. "
        "The handle's ``frame()`` grows while it runs, ``stop()`` ends it (a last back-fill), "
        "awaiting it gives the final frame. Gaps (disconnects, stalls) are back-filled from "
        "history. Edits replace a row by its newest version; ``events()`` lists every new, "
        "edited and deleted message. ``on_message(row)`` (sync or async) gets each new row "
        "as a dict. Its run "
        "timeout is at least ``duration`` plus a minute."
    ),
    params=(
        Param("targets", TARGETS, positional=True, help="the chats to watch"),
        Param("duration", DURATION, positional=True, help="how long to watch"),
        Param("on_message", CALLBACK, None, "called with each new row", positional=True, cli=False),
        Param("stall_after", DURATION, 60.0, "check history after this long without a message"),
    ),
    run=_monitor_steps,
    frame="messages",
    unit="messages",
    live_state=lambda args: MonitorState(args["on_message"]),
    live_handle=MonitorHandle,
    least_timeout=lambda args: args["duration"] + MONITOR_GRACE_S,
    exclusive=False,
    example=(["@small_group"],),
    example_options={"duration": "10min"},
)
