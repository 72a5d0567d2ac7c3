"""Update state: ``updates.getState``, ``getDifference``, ``getChannelDifference``.

Telethon asks for these on login, after a gap in ``pts`` or ``seq`` (a lost
push, or a dropped connection) and when no update arrived for a while; the
answers carry exactly the messages the client has not seen, so none is lost
or duplicated, in Telegram's shapes: ``difference`` / ``differenceSlice`` /
``differenceEmpty``, and ``differenceTooLong`` when more than
``pts_total_limit`` (or the world's ``account_difference_limit``) updates
were missed; ``channelDifference`` / ``channelDifferenceEmpty``, and
``channelDifferenceTooLong`` (the dialog's new ``pts`` and the latest
messages) when more than the request's ``limit`` were missed, as Telegram
answers user accounts. After a "too long" answer Telethon skips ahead and
does not dispatch the missed messages: clients re-read history (tgkit's
monitor back-fills).
"""

from __future__ import annotations

from telethon.tl import functions, types
from telethon.tl.types import updates

from tgkit.sandbox.changes import Change, channel_changes_since
from tgkit.sandbox.model import Chat
from tgkit.sandbox.rpc.context import Call
from tgkit.sandbox.rpcerror import RpcFailure
from tgkit.sandbox.tlcompat import build

__all__ = ["HANDLERS"]

_DIFFERENCE_SLICE = 1000
_CHANNEL_TIMEOUT = 30


def _state(call: Call, pts: int | None = None, seq: int | None = None) -> updates.State:
    delivery, me = call.world.delivery, call.me
    return updates.State(
        pts=delivery.account_pts(me.id) if pts is None else pts,
        qts=0, date=call.viewer.now, unread_count=0,
        seq=delivery.account_seq(me.id) if seq is None else seq,
    )


def get_state(call: Call, request: functions.updates.GetStateRequest) -> updates.State:
    return _state(call)


def get_difference(call: Call, request: functions.updates.GetDifferenceRequest) -> object:
    me = call.me
    delivery = call.world.delivery
    missed = delivery.log_since(me.id, request.pts)
    if not missed:
        return updates.DifferenceEmpty(date=call.viewer.now, seq=delivery.account_seq(me.id))
    limits = (request.pts_total_limit, delivery.faults.rates.account_difference_limit)
    if any(limit and len(missed) > limit for limit in limits):
        return updates.DifferenceTooLong(pts=delivery.account_pts(me.id))
    part = missed[:_DIFFERENCE_SLICE]
    chats = {chat_id: call.world.chats[chat_id] for _, chat_id, _ in part}
    viewer = call.viewer
    new_messages = [viewer.message(message, chats[chat_id]) for _, chat_id, message in part
                    if not isinstance(message, Change)]
    changes = [entry.update(viewer, chats[chat_id])  # type: ignore[attr-defined]
               for _, chat_id, entry in part if isinstance(entry, Change)]  # edits, deletions
    senders = [message.sender_id for _, _, message in part if message.sender_id is not None]
    fields = {
        "new_messages": new_messages, "new_encrypted_messages": [], "other_updates": changes,
        "chats": [viewer.chat(chat) for chat in chats.values()], "users": call.users(senders),
    }
    if len(missed) > len(part):
        seq = delivery.account_seq(me.id) - (len(missed) - len(part))  # one seq per entry
        return updates.DifferenceSlice(
            **fields, intermediate_state=_state(call, part[-1][0], seq)
        )
    return updates.Difference(**fields, state=_state(call))


def get_channel_difference(
    call: Call, request: functions.updates.GetChannelDifferenceRequest
) -> object:
    chat = call.readable_channel(request.channel)
    if request.pts <= 0 or request.pts > chat.pts:
        raise RpcFailure.of("PERSISTENT_TIMESTAMP_INVALID")
    start = chat.messages_after_pts(request.pts)
    limit = max(1, min(request.limit or 100, 100_000))
    part = chat.messages[start:start + limit]
    changes = channel_changes_since(chat, request.pts)
    if not part and not changes:
        return updates.ChannelDifferenceEmpty(pts=chat.pts, final=True, timeout=_CHANNEL_TIMEOUT)
    if len(chat.messages) - start + len(changes) > limit:
        return _channel_too_long(call, chat, limit)
    final = start + len(part) >= len(chat.messages)
    viewer = call.viewer
    return updates.ChannelDifference(
        pts=chat.pts if final else part[-1].pts,
        new_messages=call.messages(chat, part),
        other_updates=[change.update(viewer, chat) for change in changes] if final else [],
        chats=[viewer.chat(chat)],
        users=call.users(m.sender_id for m in part if m.sender_id is not None),
        final=final or None, timeout=_CHANNEL_TIMEOUT,
    )


def _channel_too_long(call: Call, chat: Chat, limit: int) -> object:
    """More than ``limit`` missed: the dialog's state now and its latest messages."""
    latest = chat.messages[-limit:]
    top = chat.last_message_id()
    dialog = build(
        types.Dialog, peer=call.viewer.peer(chat), top_message=top, read_inbox_max_id=top,
        read_outbox_max_id=top, unread_count=0, unread_mentions_count=0,
        unread_reactions_count=0, notify_settings=types.PeerNotifySettings(), pts=chat.pts,
    )
    return build(
        updates.ChannelDifferenceTooLong, final=True, timeout=_CHANNEL_TIMEOUT, dialog=dialog,
        messages=call.messages(chat, latest), chats=[call.viewer.chat(chat)],
        users=call.users(m.sender_id for m in latest if m.sender_id is not None),
    )


HANDLERS = {
    functions.updates.GetStateRequest: get_state,
    functions.updates.GetDifferenceRequest: get_difference,
    functions.updates.GetChannelDifferenceRequest: get_channel_difference,
}

