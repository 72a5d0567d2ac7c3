"""Sending and basic groups: ``messages.sendMessage``, ``getFullChat``, ``getChats``."""

from __future__ import annotations

from telethon.tl import functions, types
from telethon.tl.types import messages

from tgkit.sandbox.model import Chat, ChatKind, User
from tgkit.sandbox.rpc.context import Call
from tgkit.sandbox.rpcerror import RpcFailure

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
    full = types.ChatFull(
        id=chat.id, about=chat.about, participants=participants,
        notify_settings=types.PeerNotifySettings(),
    )
    users = call.users(chat.members)
    return messages.ChatFull(full_chat=full, chats=[viewer.chat(chat)], users=users)


def get_chats(call: Call, request: functions.messages.GetChatsRequest) -> messages.Chats:
    found = []
    for chat_id in request.id:
        chat = call.world.chats.get(chat_id)
        if chat is None or chat.kind is not ChatKind.BASIC_GROUP:
            raise RpcFailure.of("CHAT_ID_INVALID")
        found.append(call.viewer.chat(chat))
    return messages.Chats(chats=found)


HANDLERS = {
    functions.messages.SendMessageRequest: send_message,
    functions.messages.GetFullChatRequest: get_full_chat,
    functions.messages.GetChatsRequest: get_chats,
}
