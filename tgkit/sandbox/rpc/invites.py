"""Invite links: ``messages.checkChatInvite`` and ``messages.importChatInvite``.

An unknown hash fails with ``INVITE_HASH_INVALID``, an expired one with
``INVITE_HASH_EXPIRED``; a link that needs approval records a join request
and fails with ``INVITE_REQUEST_SENT``; a member importing again gets
``USER_ALREADY_PARTICIPANT``.
"""

from __future__ import annotations

from telethon.tl import functions, types

from tgkit.sandbox.model import Chat, ChatKind, Invite
from tgkit.sandbox.rpc.channels import MAX_CHANNELS
from tgkit.sandbox.rpc.context import Call
from tgkit.sandbox.rpcerror import RpcFailure
from tgkit.sandbox.tlcompat import build

__all__ = ["HANDLERS"]


def _invite(call: Call, invite_hash: str) -> tuple[Invite, Chat]:
    invite = call.world.invites.get(invite_hash)
    if invite is None:
        raise RpcFailure.of("INVITE_HASH_INVALID")
    if invite.expired:
        raise RpcFailure.of("INVITE_HASH_EXPIRED")
    return invite, call.world.chats[invite.chat_id]


def check_chat_invite(call: Call, request: functions.messages.CheckChatInviteRequest) -> object:
    invite, chat = _invite(call, request.hash)
    if call.me.id in chat.members:
        return types.ChatInviteAlready(chat=call.viewer.chat(chat))
    return build(
        types.ChatInvite,
        title=chat.title, photo=types.PhotoEmpty(id=0), participants_count=chat.member_count,
        color=0, channel=chat.is_channel or None,
        broadcast=(chat.kind is ChatKind.CHANNEL) or None,
        megagroup=(chat.kind is ChatKind.SUPERGROUP) or None,
        public=(not chat.private) or None, request_needed=invite.request_needed or None,
        about=chat.about or None,
    )


def import_chat_invite(call: Call, request: functions.messages.ImportChatInviteRequest) -> object:
    invite, chat = _invite(call, request.hash)
    me = call.me
    if me.id in chat.members:
        raise RpcFailure.of("USER_ALREADY_PARTICIPANT")
    if me.id in chat.banned:
        raise RpcFailure.of("CHANNEL_PRIVATE")
    if invite.request_needed:
        if me.id not in invite.requests:
            invite.requests.append(me.id)
        raise RpcFailure.of("INVITE_REQUEST_SENT")
    if chat.is_channel and call.world.channel_count(me) >= MAX_CHANNELS:
        raise RpcFailure.of("CHANNELS_TOO_MUCH")
    call.world.join(chat, me)
    update: types.TypeUpdate = types.UpdateChannel(channel_id=chat.id) if chat.is_channel \
        else types.UpdateChat(chat_id=chat.id)
    return types.Updates(updates=[update], users=[call.viewer.user(me)],
                         chats=[call.viewer.chat(chat)], date=call.viewer.now, seq=0)


HANDLERS = {
    functions.messages.CheckChatInviteRequest: check_chat_invite,
    functions.messages.ImportChatInviteRequest: import_chat_invite,
}
