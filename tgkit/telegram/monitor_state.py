"""A monitor's options and live state: the rows it has, its back-fills, its change log.

``MonitorState`` is shared by the MONITOR operation (``monitor_watch.Watch``
adds to it) and the handle the caller holds (``monitor.MonitorHandle`` reads
it), so ``handle.frame()`` grows while the monitor runs.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from tgkit.frames import collection_attrs
from tgkit.telegram.checks import positive_number
from tgkit.telegram.collect import PageCollector
from tgkit.telegram.context import utc_now
from tgkit.telegram.convert_messages import message_columns
from tgkit.telegram.monitor_changes import ChangeLog
from tgkit.telegram.resolve import PeerKind, ResolvedChat

log = logging.getLogger(__name__)

__all__ = ["TIME_ORDER", "Backfill", "MessageCallback", "MonitorOptions", "MonitorState"]

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
