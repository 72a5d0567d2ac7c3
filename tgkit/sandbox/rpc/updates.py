"""Update state: ``updates.getState``, ``getDifference``, ``getChannelDifference``.

Telethon asks for these on login, after a gap in ``pts`` (for instance after
a dropped connection) and when no update arrived for a while; the answers
carry exactly the messages the client has not seen, so none is lost or
duplicated.
"""

from __future__ import annotations

from telethon.tl import functions
from telethon.tl.types import updates

from tgkit.sandbox.rpc.context import Call
from tgkit.sandbox.rpcerror import RpcFailure

__all__ = ["HANDLERS"]

_DIFFERENCE_SLICE = 1000
_CHANNEL_TIMEOUT = 30


def _state(call: Call, pts: int | None = None) -> updates.State:
    me = call.me
    return updates.State(
        pts=call.world.delivery.account_pts(me.id) if pts is None else pts,
        qts=0, date=call.viewer.now, seq=0, unread_count=0,
    )


def get_state(call: Call, request: functions.updates.GetStateRequest) -> updates.State:
    return _state(call)


def get_difference(call: Call, request: functions.updates.GetDifferenceRequest) -> object:
    me = call.me
    missed = call.world.delivery.log_since(me.id, request.pts)
    if not missed:
        return updates.DifferenceEmpty(date=call.viewer.now, seq=0)
    part = missed[:_DIFFERENCE_SLICE]
    chats = {chat_id: call.world.chats[chat_id] for _, chat_id, _ in part}
    viewer = call.viewer
    new_messages = [viewer.message(message, chats[chat_id]) for _, chat_id, message in part]
    senders = [message.sender_id for _, _, message in part if message.sender_id is not None]
    fields = {
        "new_messages": new_messages, "new_encrypted_messages": [], "other_updates": [],
        "chats": [viewer.chat(chat) for chat in chats.values()], "users": call.users(senders),
    }
    if len(missed) > len(part):
        return updates.DifferenceSlice(**fields, intermediate_state=_state(call, part[-1][0]))
    return updates.Difference(**fields, state=_state(call))


def get_channel_difference(
    call: Call, request: functions.updates.GetChannelDifferenceRequest
) -> object:
    chat = call.readable_channel(request.channel)
    if request.pts <= 0 or request.pts > chat.pts:
        raise RpcFailure.of("PERSISTENT_TIMESTAMP_INVALID")
    start = chat.messages_after_pts(request.pts)
    limit = max(1, min(request.limit or 100, 1000))
    part = chat.messages[start:start + limit]
    if not part:
        return updates.ChannelDifferenceEmpty(pts=chat.pts, final=True, timeout=_CHANNEL_TIMEOUT)
    final = start + len(part) >= len(chat.messages)
    viewer = call.viewer
    return updates.ChannelDifference(
        pts=chat.pts if final else part[-1].pts,
        new_messages=call.messages(chat, part),
        other_updates=[], chats=[viewer.chat(chat)],
        users=call.users(m.sender_id for m in part if m.sender_id is not None),
        final=final or None, timeout=_CHANNEL_TIMEOUT,
    )


HANDLERS = {
    functions.updates.GetStateRequest: get_state,
    functions.updates.GetDifferenceRequest: get_difference,
    functions.updates.GetChannelDifferenceRequest: get_channel_difference,
}

