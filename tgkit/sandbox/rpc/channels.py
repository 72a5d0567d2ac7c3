"""Supergroups and broadcast channels: full info, participants, joining."""

from __future__ import annotations

from telethon.tl import functions, types
from telethon.tl.types import channels, messages

from tgkit.sandbox.model import Chat, ChatKind
from tgkit.sandbox.participants import BROADCAST_CAP, LISTING_CAP, PAGE_SIZE
from tgkit.sandbox.rpc.context import Call
from tgkit.sandbox.rpcerror import RpcFailure
from tgkit.sandbox.tlcompat import build

__all__ = ["HANDLERS", "MAX_CHANNELS"]

MAX_CHANNELS = 500  # an account can be in at most this many channels (CHANNELS_TOO_MUCH)
_ADMIN_ONLY = (types.ChannelParticipantsKicked, types.ChannelParticipantsBanned)


def get_full_channel(
    call: Call, request: functions.channels.GetFullChannelRequest
) -> messages.ChatFull:
    chat = call.readable_channel(request.channel)
    admin = call.is_admin(chat)
    can_view = admin or not (chat.kind is ChatKind.CHANNEL or chat.hidden_members)
    last = chat.last_message_id()
    full = build(
        types.ChannelFull,
        id=chat.id, about=chat.about, read_inbox_max_id=last, read_outbox_max_id=last,
        unread_count=0, chat_photo=types.PhotoEmpty(id=0),
        notify_settings=types.PeerNotifySettings(), bot_info=[], pts=chat.pts,
        can_view_participants=can_view or None,
        participants_hidden=chat.hidden_members or None,
        participants_count=chat.member_count, admins_count=len(chat.admins),
        kicked_count=len(chat.banned) if admin else None, banned_count=0 if admin else None,
        linked_chat_id=chat.linked_chat_id, slowmode_seconds=chat.slowmode_seconds,
        pinned_msg_id=chat.pinned_id,
    )
    chats = [call.viewer.chat(chat)]
    linked = call.world.chats.get(chat.linked_chat_id or 0)
    if linked is not None:
        chats.append(call.viewer.chat(linked))
    return messages.ChatFull(full_chat=full, chats=chats, users=[])


def get_participants(
    call: Call, request: functions.channels.GetParticipantsRequest
) -> channels.ChannelParticipants:
    chat = call.readable_channel(request.channel)
    listed, count = _listing(call, chat, request.filter)
    cap = BROADCAST_CAP if chat.kind is ChatKind.CHANNEL else LISTING_CAP
    start = max(0, request.offset)
    end = min(start + max(0, min(request.limit, PAGE_SIZE)), cap, len(listed))
    page = listed[start:end] if start < end else []
    viewer = call.viewer
    return channels.ChannelParticipants(
        count=count,
        participants=[viewer.participant(chat, user_id) for user_id in page],
        chats=[],
        users=call.users(page),
    )


def _listing(call: Call, chat: Chat, listing_filter: object) -> tuple[list[int], int]:
    """Who this filter lists for this account, and the count Telegram reports."""
    roster = call.world.roster
    admin = call.is_admin(chat)
    if chat.kind is ChatKind.CHANNEL and not admin:
        raise RpcFailure.of("CHAT_ADMIN_REQUIRED")
    if isinstance(listing_filter, types.ChannelParticipantsAdmins):
        found = roster.admins(chat)
        return found, len(found)
    if isinstance(listing_filter, types.ChannelParticipantsBots):
        found = roster.bots(chat)
        return found, len(found)
    if isinstance(listing_filter, _ADMIN_ONLY):
        if not admin:
            raise RpcFailure.of("CHAT_ADMIN_REQUIRED")
        found = sorted(chat.banned)
        return found, len(found)
    if isinstance(listing_filter, types.ChannelParticipantsContacts):
        return [], 0
    query = getattr(listing_filter, "q", None) or ""
    if chat.hidden_members and not admin:
        visible = set(roster.admins(chat)) | set(roster.bots(chat))
        found = [user_id for user_id in roster.search(chat, query) if user_id in visible]
        return found, len(found)
    found = roster.search(chat, query)
    if isinstance(listing_filter, types.ChannelParticipantsRecent):
        return found, chat.member_count
    return found, len(found)


def get_participant(
    call: Call, request: functions.channels.GetParticipantRequest
) -> channels.ChannelParticipant:
    chat = call.readable_channel(request.channel)
    user = call.user(request.participant, error="PARTICIPANT_ID_INVALID")
    if user.id not in chat.members:
        raise RpcFailure.of("USER_NOT_PARTICIPANT")
    return channels.ChannelParticipant(
        participant=call.viewer.participant(chat, user.id), chats=[], users=call.users([user.id])
    )


def get_channels(call: Call, request: functions.channels.GetChannelsRequest) -> messages.Chats:
    return messages.Chats(chats=[call.viewer.chat(call.channel(peer)) for peer in request.id])


def join_channel(call: Call, request: functions.channels.JoinChannelRequest) -> types.Updates:
    chat = call.channel(request.channel)
    me = call.me
    if me.id in chat.banned or (chat.private and me.id not in chat.members):
        raise RpcFailure.of("CHANNEL_PRIVATE")
    if me.id not in chat.members:
        if call.world.channel_count(me) >= MAX_CHANNELS:
            raise RpcFailure.of("CHANNELS_TOO_MUCH")
        call.world.join(chat, me)
    return _channel_updates(call, chat)


def leave_channel(call: Call, request: functions.channels.LeaveChannelRequest) -> types.Updates:
    chat = call.channel(request.channel)
    if call.me.id not in chat.members:
        raise RpcFailure.of("USER_NOT_PARTICIPANT")
    call.world.leave(chat, call.me)
    return _channel_updates(call, chat)


def _channel_updates(call: Call, chat: Chat) -> types.Updates:
    return types.Updates(
        updates=[types.UpdateChannel(channel_id=chat.id)], users=[],
        chats=[call.viewer.chat(chat)], date=call.viewer.now, seq=0,
    )


HANDLERS = {
    functions.channels.GetFullChannelRequest: get_full_channel,
    functions.channels.GetParticipantsRequest: get_participants,
    functions.channels.GetParticipantRequest: get_participant,
    functions.channels.GetChannelsRequest: get_channels,
    functions.channels.JoinChannelRequest: join_channel,
    functions.channels.LeaveChannelRequest: leave_channel,
}
