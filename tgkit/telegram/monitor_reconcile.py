"""A monitor's last look: the edits and deletions whose updates never reached it.

Telegram hands a client the edits and deletions it missed (a lost push, a
"too long" notice, a reconnect) in the ``other_updates`` of
``updates.getChannelDifference`` / ``updates.getDifference``. Telethon 1.x
moves its ``pts`` to the difference's before it applies them, so it drops
each of them as already seen: a monitor never hears of them. So when a
monitor ends normally (its duration is over, or ``stop()``), it asks for
every message it collected, by id, 100 a request (``channels.getMessages``,
``messages.getMessages`` outside channels): a message Telegram no longer has
is a deletion, one whose edit date or text differs from the newest version
heard is an edit. Both are recorded like live ones (a deletion or edit heard
already is not recorded again). A cancelled monitor skips this, as it skips
its final back-fill.

Example::

    added = await reconcile(ctx.rpc, state.chats, state.changes, state.collector)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telethon.tl import functions, types

from tgkit.telegram.collect import PageCollector
from tgkit.telegram.context import utc_now
from tgkit.telegram.convert_messages import message_columns
from tgkit.telegram.messages import entities_by_id
from tgkit.telegram.monitor_changes import ChangeLog
from tgkit.telegram.resolve import PeerKind, ResolvedChat

__all__ = ["BY_ID_PAGE", "reconcile"]

#: Message ids per getMessages request (Telegram's limit).
BY_ID_PAGE = 100


async def reconcile(rpc: Any, chats: Sequence[ResolvedChat], changes: ChangeLog,
                    collector: PageCollector) -> int:
    """Record the edits and deletions of collected messages not heard live; returns how many."""
    known = _newest_known(changes, collector)
    added = 0
    for chat in chats:
        ids = [message_id for (chat_id, message_id) in known if chat_id == chat.marked_id
               and not changes.deleted_already(chat_id, message_id)]
        for start in range(0, len(ids), BY_ID_PAGE):
            part = ids[start:start + BY_ID_PAGE]
            result = await rpc(_by_ids(chat, part), target=chat.target)
            found = {m.id: m for m in result.messages if isinstance(m, types.Message)}
            added += changes.deleted(chat.marked_id, [i for i in part if i not in found],
                                     utc_now())
            added += _edits(chat, found, known, changes, entities_by_id(result))
    return added


def _by_ids(chat: ResolvedChat, ids: list[int]) -> Any:
    if chat.kind is PeerKind.CHANNEL:
        return functions.channels.GetMessagesRequest(chat.input_channel, ids)
    return functions.messages.GetMessagesRequest(ids)


def _newest_known(changes: ChangeLog, collector: PageCollector) -> dict[tuple[int, int], Any]:
    """(chat, message) -> (edit_date, text) of the newest version heard."""
    known = {
        (chat_id, message_id): (edit_date, text)
        for chat_id, message_id, edit_date, text in zip(
            collector.column("chat_id"), collector.column("message_id"),
            collector.column("edit_date"), collector.column("text"), strict=True,
        )
    }
    for key, row in changes.latest().items():
        known[key] = (row.get("edit_date"), row.get("text"))
    return known


def _edits(chat: ResolvedChat, found: dict[int, Any], known: dict[tuple[int, int], Any],
           changes: ChangeLog, users_by_id: dict[int, Any]) -> int:
    now = utc_now()
    edited = [m for m in found.values() if m.edit_date is not None]
    if not edited:
        return 0
    columns = message_columns(edited, chat_id=chat.marked_id, users_by_id=users_by_id,
                              collected_at=now)
    added = 0
    for position in range(len(columns["message_id"])):
        row = {name: values[position] for name, values in columns.items()}
        heard = known.get((chat.marked_id, row["message_id"]))
        if heard != (row["edit_date"], row["text"]):
            added += changes.edited(row, now)
    return added
