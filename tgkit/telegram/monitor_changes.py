"""What a monitor saw happen to messages: new ones, edits and deletions.

Telegram announces an edit with the whole new message
(``updateEditChannelMessage`` / ``updateEditMessage``, Telethon's
``events.MessageEdited``) and a deletion with message ids only
(``updateDeleteChannelMessages`` names the channel; ``updateDeleteMessages``
elsewhere names nothing else, Telethon's ``events.MessageDeleted``). A
monitor records each as a row of its events frame (``kind="events"``, see
:mod:`tgkit.frames`), and its messages frame keeps the newest version of an
edited message (with ``edit_date``); a deleted message keeps its row there,
its deletion is in the events.

A deletion outside channels names no chat: it is matched to a watched basic
group by the message ids collected from it (ids are unique per account
there), and otherwise its ``chat_id`` is NA.

Example::

    handle = session.monitor("@group", duration=600)
    ...
    handle.events()   # event, event_at, chat_id, message_id, edit_date, text
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd
from telethon import events
from telethon.events.common import EventBuilder

from tgkit.frames import EVENT_COLUMNS, concat_frames, frame_from_columns

__all__ = ["ChangeLog", "MessageChanges"]

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
    """The events of one monitor and the newest version of every edited message."""

    def __init__(self) -> None:
        self._columns: dict[str, list[Any]] = {name: [] for name in EVENT_COLUMNS}
        self._latest: dict[tuple[int, int], dict[str, Any]] = {}
        self._basic_ids: dict[int, int] = {}  # message id -> basic group chat id

    def __len__(self) -> int:
        return len(self._columns["event"])

    def counts(self) -> dict[str, int]:
        """How many events of each kind so far."""
        events = self._columns["event"]
        return {kind: events.count(kind) for kind in ("new", "edit", "delete")}

    def new(self, columns: Mapping[str, list[Any]], collected_at: datetime,
            basic_groups: Iterable[int] = ()) -> None:
        """Record the messages of a page of new rows (their ``date`` is when it happened)."""
        basic = set(basic_groups)
        for chat_id, message_id, date, text in zip(
            columns["chat_id"], columns["message_id"], columns["date"], columns["text"],
            strict=True,
        ):
            self._add("new", date, chat_id, message_id, None, text, collected_at)
            if chat_id in basic:
                self._basic_ids[message_id] = chat_id

    def edited(self, row: dict[str, Any], collected_at: datetime) -> None:
        """Record an edit; ``row`` (a messages row) is the newest version."""
        at = row.get("edit_date") or collected_at
        self._add("edit", at, row["chat_id"], row["message_id"], row.get("edit_date"),
                  row.get("text"), collected_at)
        self._latest[(row["chat_id"], row["message_id"])] = row

    def deleted(self, chat_id: int | None, message_ids: Iterable[int],
                collected_at: datetime) -> int:
        """Record a deletion (``chat_id`` None: outside channels); returns events added."""
        added = 0
        for message_id in message_ids:
            chat = chat_id if chat_id is not None else self._basic_ids.get(message_id)
            self._add("delete", collected_at, chat, message_id, None, None, collected_at)
            added += 1
        return added

    def _add(self, event: str, at: Any, chat_id: int | None, message_id: int,
             edit_date: Any, text: Any, collected_at: datetime) -> None:
        values = (event, at, chat_id, message_id, edit_date, text, collected_at)
        for name, value in zip(EVENT_COLUMNS, values, strict=True):
            self._columns[name].append(value)

    def frame(self, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """The events so far, in the order they were seen."""
        return frame_from_columns("events", self._columns, attrs)

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
