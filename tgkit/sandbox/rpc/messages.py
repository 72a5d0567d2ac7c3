"""Sending, basic groups and the chat list: ``messages.sendMessage``, ``getFullChat``,
``getChats``, ``getDialogs``."""

from __future__ import annotations

from datetime import datetime

from telethon.tl import functions, types
from telethon.tl.types import messages

from tgkit.sandbox.model import Chat, ChatKind, User
from tgkit.sandbox.rpc.context import Call
from tgkit.sandbox.rpcerror import RpcFailure
from tgkit.sandbox.tlcompat import build

__all__ = ["HANDLERS", "MESSAGE_LENGTH_MAX"]

MESSAGE_LENGTH_MAX = 4096


def send_message(call: Call, request: functions.messages.SendMessageRequest) -> types.Updates:
    target = call.peer(request.peer)
    if isinstance(target, User):
        raise RpcFailure(400, "SANDBOX_PRIVATE_MESSAGES_UNSUPPORTED")
    chat = target
    me = call.me
    _check_can_write(call, chat)
    text = request.message
    if not text.strip():
        raise RpcFailure.of("MESSAGE_EMPTY")
    if len(text) > MESSAGE_LENGTH_MAX:
        raise RpcFailure.of("MESSAGE_TOO_LONG")
    reply_to = getattr(getattr(request, "reply_to", None), "reply_to_msg_id", None)
    if reply_to is not None and chat.find_message(reply_to) is None:
        reply_to = None  # Telegram sends it as a plain message
    message = call.world.send(chat, me, text, reply_to, origin=call.sender)
    own = call.world.delivery.updates_for(me.id, chat, message)
    own.updates.insert(0, types.UpdateMessageID(id=message.id, random_id=request.random_id))
    return own


def _check_can_write(call: Call, chat: Chat) -> None:
    me = call.me.id
    if me in chat.banned:
        raise RpcFailure.of("CHANNEL_PRIVATE")
    if me not in chat.members:
        raise RpcFailure.of("CHANNEL_PRIVATE" if chat.private else "CHAT_WRITE_FORBIDDEN")
    if chat.kind is ChatKind.CHANNEL and me not in chat.admins:
        raise RpcFailure.of("CHAT_ADMIN_REQUIRED")


def get_full_chat(call: Call, request: functions.messages.GetFullChatRequest) -> messages.ChatFull:
    chat = call.world.chats.get(request.chat_id)
    if chat is None or chat.kind is not ChatKind.BASIC_GROUP:
        raise RpcFailure.of("CHAT_ID_INVALID")
    call.check_readable(chat)
    viewer = call.viewer
    participants = types.ChatParticipants(
        chat_id=chat.id,
        participants=[viewer.chat_participant(chat, user_id) for user_id in chat.members],
        version=chat.version,
    )
    full = build(
        types.ChatFull, id=chat.id, about=chat.about, participants=participants,
        notify_settings=types.PeerNotifySettings(), pinned_msg_id=chat.pinned_id,
    )
    left_out = call.world.faults.left_out(list(chat.members))  # a server's omission
    users = call.users(user_id for user_id in chat.members if user_id not in left_out)
    return messages.ChatFull(full_chat=full, chats=[viewer.chat(chat)], users=users)


def get_chats(call: Call, request: functions.messages.GetChatsRequest) -> messages.Chats:
    found = []
    for chat_id in request.id:
        chat = call.world.chats.get(chat_id)
        if chat is None or chat.kind is not ChatKind.BASIC_GROUP:
            raise RpcFailure.of("CHAT_ID_INVALID")
        found.append(call.viewer.chat(chat))
    return messages.Chats(chats=found)


def get_dialogs(call: Call, request: functions.messages.GetDialogsRequest) -> object:
    """The account's chats, most recent activity first, at most 100 a page."""
    me = call.me.id
    chats = [chat for chat in call.world.chats.values() if me in chat.members]
    ordered = sorted(chats, key=_activity, reverse=True)
    offset = _date(request.offset_date)
    if offset is not None:
        ordered = _after(call, ordered, offset, request.offset_peer)
    page = ordered[:max(0, min(request.limit, 100))]
    viewer = call.viewer
    dialogs = [
        build(types.Dialog, peer=viewer.peer(chat), top_message=chat.last_message_id(),
              read_inbox_max_id=chat.last_message_id(),
              read_outbox_max_id=chat.last_message_id(), unread_count=0,
              unread_mentions_count=0, unread_reactions_count=0,
              notify_settings=types.PeerNotifySettings(),
              pts=chat.pts if chat.is_channel else None)
        for chat in page
    ]
    tops = [(chat, chat.messages[-1]) for chat in page if chat.messages]
    fields = {
        "dialogs": dialogs,
        "messages": [viewer.message(message, chat) for chat, message in tops],
        "chats": [viewer.chat(chat) for chat in page],
        "users": call.users(m.sender_id for _, m in tops if m.sender_id is not None),
    }
    if offset is None and len(page) == len(ordered):
        return messages.Dialogs(**fields)
    return messages.DialogsSlice(count=len(chats), **fields)


def _after(call: Call, ordered: list[Chat], offset: datetime, peer: object) -> list[Chat]:
    """The chats after the offset: after ``offset_peer`` if known, else older than the date."""
    try:
        anchor = call.peer(peer)
    except RpcFailure:
        anchor = None
    if isinstance(anchor, Chat) and anchor in ordered:
        return ordered[ordered.index(anchor) + 1:]
    return [chat for chat in ordered if _activity(chat)[0] < offset]


def _activity(chat: Chat) -> tuple[datetime, int]:
    if chat.messages:
        return chat.messages[-1].date, chat.messages[-1].serial
    return chat.created, 0


def _date(value: datetime | None) -> datetime | None:
    return None if value is None or value.timestamp() <= 0 else value


HANDLERS = {
    functions.messages.GetDialogsRequest: get_dialogs,
    functions.messages.SendMessageRequest: send_message,
    functions.messages.GetFullChatRequest: get_full_chat,
    functions.messages.GetChatsRequest: get_chats,
}
