"""Users and usernames: ``users.getUsers``, ``users.getFullUser``,
``contacts.resolveUsername``, plus ``help.getConfig`` and pings."""

from __future__ import annotations

import re
from datetime import timedelta

from telethon.tl import functions, types
from telethon.tl.types import contacts
from telethon.tl.types import users as users_types

from tgkit.sandbox.model import User
from tgkit.sandbox.rpc.context import Call
from tgkit.sandbox.rpcerror import RpcFailure
from tgkit.sandbox.tlcompat import build

__all__ = ["HANDLERS", "USERNAME"]

USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")


def get_config(call: Call, request: functions.help.GetConfigRequest) -> types.Config:
    now = call.viewer.now
    return build(
        types.Config,
        date=now, expires=now + timedelta(hours=1), test_mode=False, this_dc=2,
        dc_options=[types.DcOption(id=2, ip_address="149.154.167.51", port=443)],
        dc_txt_domain_name="apv3.stel.com", chat_size_max=200, megagroup_size_max=200_000,
        forwarded_count_max=100, online_update_period_ms=210_000, offline_blur_timeout_ms=5000,
        offline_idle_timeout_ms=30_000, online_cloud_timeout_ms=300_000,
        notify_cloud_delay_ms=30_000, notify_default_delay_ms=1500, push_chat_period_ms=60_000,
        push_chat_limit=2, edit_time_limit=172_800, revoke_time_limit=2_147_483_647,
        revoke_pm_time_limit=2_147_483_647, rating_e_decay=2_419_200, stickers_recent_limit=200,
        channels_read_media_period=604_800, call_receive_timeout_ms=20_000,
        call_ring_timeout_ms=90_000, call_connect_timeout_ms=30_000,
        call_packet_timeout_ms=10_000, me_url_prefix="https://t.me/",
        caption_length_max=1024, message_length_max=4096, webfile_dc_id=4,
    )


def ping(call: Call, request: functions.PingRequest) -> types.Pong:
    return types.Pong(msg_id=0, ping_id=request.ping_id)


def get_users(call: Call, request: functions.users.GetUsersRequest) -> list[types.TypeUser]:
    found: list[types.TypeUser] = []
    for peer in request.id:
        try:
            found.append(call.viewer.user(call.user(peer)))
        except RpcFailure:
            if call.account is None:
                raise
            # Telegram leaves out users whose access hash is wrong.
    return found


def get_full_user(call: Call, request: functions.users.GetFullUserRequest) -> users_types.UserFull:
    user = call.user(request.id)
    common = sum(
        1 for chat in call.world.chats.values()
        if user.id in chat.members and call.me.id in chat.members
    )
    full = build(
        types.UserFull, id=user.id, settings=types.PeerSettings(),
        notify_settings=types.PeerNotifySettings(), common_chats_count=common,
        about=None, bot_info=None,
    )
    return users_types.UserFull(full_user=full, chats=[], users=[call.viewer.user(user)])


def resolve_username(
    call: Call, request: functions.contacts.ResolveUsernameRequest
) -> contacts.ResolvedPeer:
    call.me  # noqa: B018 - resolving needs a logged-in account
    name = request.username.lstrip("@")
    if not USERNAME.fullmatch(name):
        raise RpcFailure.of("USERNAME_INVALID")
    found = call.world.find_username(name)
    if found is None:
        raise RpcFailure.of("USERNAME_NOT_OCCUPIED")
    if isinstance(found, User):
        return contacts.ResolvedPeer(
            peer=types.PeerUser(found.id), chats=[], users=[call.viewer.user(found)]
        )
    return contacts.ResolvedPeer(
        peer=call.viewer.peer(found), chats=[call.viewer.chat(found)], users=[]
    )


HANDLERS = {
    functions.help.GetConfigRequest: get_config,
    functions.PingRequest: ping,
    functions.PingDelayDisconnectRequest: ping,
    functions.users.GetUsersRequest: get_users,
    functions.users.GetFullUserRequest: get_full_user,
    functions.contacts.ResolveUsernameRequest: resolve_username,
}
