"""What a monitor saw happen to messages: new ones, edits and deletions.

Telegram announces an edit with the whole new message
(``updateEditChannelMessage`` / ``updateEditMessage``, Telethon's
``events.MessageEdited``) and a deletion with message ids only
(``updateDeleteChannelMessages`` names the channel; ``updateDeleteMessages``
elsewhere names nothing else, Telethon's ``events.MessageDeleted``). A
monitor records each as a row of its events frame (``kind="events"``, see
:mod:`tgkit.frames`), and its messages frame keeps the newest version of an
edited message (with ``edit_date``); a deleted message keeps its row there,
its deletion is in the events. With a store, the events are a collection of
their own (kind ``events``, the monitor's target), written as they are heard:
``store.frame(handle.frame().attrs["events_collection_id"])`` gives them back
after the monitor ended, however it ended (stopped, cancelled, killed).

A deletion outside channels names no chat: it is matched to a watched basic
group by the message ids collected from it (ids are unique per account
there), and otherwise its ``chat_id`` is NA.

Example::

    handle = session.monitor("@group", duration=600)
    ...
    handle.events()   # event, event_at, chat_id, message_id, edit_date, text
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from telethon import events
from telethon.events.common import EventBuilder

from tgkit.frames import EVENT_COLUMNS, concat_frames, frame_from_columns
from tgkit.telegram.collect import PageCollector

log = logging.getLogger(__name__)

__all__ = ["ChangeLog", "MessageChanges", "events_kept"]

_PARTS = (events.MessageEdited, events.NewMessage, events.MessageDeleted)


class MessageChanges(EventBuilder):  # type: ignore[misc]  # Telethon is untyped
    """New, edited and deleted messages of some chats, as one event handler.

    Builds Telethon's own ``MessageEdited``, ``NewMessage`` or
    ``MessageDeleted`` event for an update. A deletion that names no chat
    (outside channels Telegram sends ids only) passes the chats filter; the
    handler decides whether it concerns a watched chat.
    """

    @classmethod
    def build(cls, update: Any, others: Any = None, self_id: Any = None) -> Any:
        for part in _PARTS:
            event = part.build(update, others, self_id)
            if event is not None:
                return event
        return None

    def filter(self, event: Any) -> Any:
        if isinstance(event, events.MessageDeleted.Event) and event.chat_id is None:
            return self.resolved
        return super().filter(event)

_ORDER = ["date", "chat_id", "message_id"]


class ChangeLog:
    """The events of one monitor and the newest version of every edited message.

    Each event is one row, numbered in the order heard (``event_id``); the
    same event heard twice (a repeated update, an edit announced again by a
    difference after a lost connection) is kept once. With a stored
    collector (:meth:`use_collector`) every event is in the store as soon as
    it is recorded, so a stopped, cancelled or killed monitor keeps them.
    """

    def __init__(self) -> None:
        self.collector = PageCollector("events")
        self._heard: set[tuple[Any, ...]] = set()
        self._latest: dict[tuple[int, int], dict[str, Any]] = {}
        self._basic_ids: dict[int, int] = {}  # message id -> basic group chat id

    def use_collector(self, collector: PageCollector) -> None:
        """Write the events into ``collector`` (a stored ``events`` collection) from now on."""
        self.collector = collector

    def __len__(self) -> int:
        return len(self.collector)

    def counts(self) -> dict[str, int]:
        """How many events of each kind so far."""
        events = self.collector.column("event")
        return {kind: events.count(kind) for kind in ("new", "edit", "delete")}

    def new(self, columns: Mapping[str, list[Any]], collected_at: datetime,
            basic_groups: Iterable[int] = ()) -> None:
        """Record the messages of a page of new rows (their ``date`` is when it happened).

        A message that arrives already edited (its live update was lost; a back-fill
        found it) was edited while the monitor ran: an edit event follows its new one.
        """
        basic = set(basic_groups)
        rows = []
        for chat_id, message_id, date, text, edit_date in zip(
            columns["chat_id"], columns["message_id"], columns["date"], columns["text"],
            columns["edit_date"], strict=True,
        ):
            rows.append(("new", date, chat_id, message_id, None, text, collected_at))
            if edit_date is not None:
                rows.append(("edit", edit_date, chat_id, message_id, edit_date, text,
                             collected_at))
            if chat_id in basic:
                self._basic_ids[message_id] = chat_id
        self._add(rows)

    def edited(self, row: dict[str, Any], collected_at: datetime) -> int:
        """Record an edit; ``row`` (a messages row) is the newest version unless a later
        edit of the message was heard first (updates can arrive out of order). Returns
        the events added (0: heard already)."""
        at = row.get("edit_date") or collected_at
        added = self._add([("edit", at, row["chat_id"], row["message_id"],
                            row.get("edit_date"), row.get("text"), collected_at)])
        key = (row["chat_id"], row["message_id"])
        known = self._latest.get(key)
        if known is None or _edit_order(row) >= _edit_order(known):
            self._latest[key] = row
        return added

    def latest(self) -> dict[tuple[int, int], dict[str, Any]]:
        """The newest version of every edited message, by (chat id, message id)."""
        return dict(self._latest)

    def deleted_already(self, chat_id: int | None, message_id: int) -> bool:
        """True when the deletion of this message was recorded."""
        return ("delete", chat_id, message_id, None, None) in self._heard

    def deleted(self, chat_id: int | None, message_ids: Iterable[int],
                collected_at: datetime) -> int:
        """Record a deletion (``chat_id`` None: outside channels); returns events added."""
        rows = []
        for message_id in message_ids:
            chat = chat_id if chat_id is not None else self._basic_ids.get(message_id)
            rows.append(("delete", collected_at, chat, message_id, None, None, collected_at))
        return self._add(rows)

    def _add(self, rows: list[tuple[Any, ...]]) -> int:
        fresh = []
        for row in rows:
            event, _, chat_id, message_id, edit_date, text, _ = row
            heard = (event, chat_id, message_id, edit_date, text if event == "edit" else None)
            if heard not in self._heard:
                self._heard.add(heard)
                fresh.append(row)
        if not fresh:
            return 0
        first = len(self.collector) + 1
        columns: dict[str, list[Any]] = {"event_id": list(range(first, first + len(fresh)))}
        for name, values in zip(list(EVENT_COLUMNS)[1:], zip(*fresh, strict=True), strict=True):
            columns[name] = list(values)
        return self.collector.add(columns, checkpoint={"events": first + len(fresh) - 1})

    def frame(self, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """The events so far, in the order they were heard."""
        return self.collector.frame(attrs)

    def newest(self, messages: pd.DataFrame) -> pd.DataFrame:
        """``messages`` with every edited message replaced by its newest version."""
        if not self._latest or messages.empty:
            return messages
        keys = list(zip(messages["chat_id"], messages["message_id"], strict=True))
        edited = [key in self._latest for key in keys]
        if not any(edited):
            return messages
        rows = [self._latest[key] for key, hit in zip(keys, edited, strict=True) if hit]
        replaced = frame_from_columns(
            "messages", {name: [row.get(name) for row in rows] for name in messages.columns}
        )
        keep = messages[[not hit for hit in edited]]
        result = concat_frames("messages", [keep, replaced], attrs=messages.attrs)
        ordered = result.sort_values(_ORDER, kind="stable", ignore_index=True)
        ordered.attrs = result.attrs
        return ordered


@contextmanager
def events_kept(changes: ChangeLog, describe: Callable[[], Mapping[str, Any]]) -> Iterator[None]:
    """However a monitor ends, its stored events collection says so (as ``collecting``
    does for its messages): interrupted after a cancel, failed after an error."""
    try:
        yield
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, asyncio.CancelledError) else "failed"
        try:
            changes.collector.finish(status, attrs=describe(), error=f"{type(exc).__name__}: {exc}")
        except Exception:  # the original error matters more than a failed bookkeeping write
            log.exception("could not mark the monitor's events collection %s", status)
        raise


def _edit_order(row: Mapping[str, Any]) -> Any:
    # Telegram dates edits in whole seconds: equal dates keep the one heard last.
    return row.get("edit_date") or datetime.min.replace(tzinfo=UTC)
