"""Joining a group or channel by public username or invite link.

Already being a member is fine and costs no join request (joins have the
tightest budget Telegram keeps, about 3 per 5 minutes):

- a username (or a cached id) is resolved, then ``channels.GetFullChannel``
  tells whether this account has left it; only then ``channels.JoinChannel``;
- an invite link is checked (``messages.CheckChatInvite``): "already" means
  a member; otherwise ``messages.ImportChatInvite`` joins.

Telegram's refusals become tgkit errors: ``PrivateChat``, ``InviteInvalid``
(expired or revoked), ``JoinRequestPending`` (the group approves joins; the
request was sent), ``Banned``, and a clear message when the account is in too
many channels.

Example::

    chat = await join_chat(ctx, parse_target("https://t.me/+AbCdEf123456"))
"""

from __future__ import annotations

import logging
from typing import Any

from telethon import errors
from telethon.tl import functions, types

from tgkit.errors import InvalidTarget, NotAMember
from tgkit.telegram.context import TelegramContext
from tgkit.telegram.resolve import PeerKind, ResolvedChat, invite_link, resolved_from_entity
from tgkit.telegram.targets import Target, TargetKind

log = logging.getLogger(__name__)

__all__ = ["join_chat"]


async def join_chat(ctx: TelegramContext, target: Target) -> ResolvedChat:
    """Join ``target`` unless already a member; return the chat."""
    if target.kind is TargetKind.INVITE:
        return await _join_by_invite(ctx, target)
    chat = await ctx.resolver.resolve(target)
    if chat.kind is PeerKind.USER:
        raise InvalidTarget(f"{chat.target} is a user, not a group or channel to join")
    if chat.kind is PeerKind.CHAT:
        return chat  # basic groups are joined by invite link only; resolving one means we are in
    if await _is_member(ctx, chat):
        log.info("already a member of %s", chat.target)
        return chat
    try:
        await ctx.rpc(functions.channels.JoinChannelRequest(chat.input_channel), target=chat.target)
    except errors.UserAlreadyParticipantError:
        log.info("already a member of %s", chat.target)
    return chat


async def _is_member(ctx: TelegramContext, chat: ResolvedChat) -> bool:
    full = await ctx.rpc(
        functions.channels.GetFullChannelRequest(chat.input_channel), target=chat.target
    )
    channel = next((c for c in full.chats if c.id == chat.chat_id), None)
    return channel is not None and not getattr(channel, "left", True)


async def _join_by_invite(ctx: TelegramContext, target: Target) -> ResolvedChat:
    invite = await ctx.rpc(
        functions.messages.CheckChatInviteRequest(target.invite_hash), target=invite_link(target)
    )
    if isinstance(invite, types.ChatInviteAlready):
        log.info("already a member of the chat behind %s", target.display)
        return ctx.resolver.remember(resolved_from_entity(invite.chat, target.display))
    try:
        updates = await ctx.rpc(
            functions.messages.ImportChatInviteRequest(target.hash()),
            target=invite_link(target),
        )
    except errors.UserAlreadyParticipantError:
        ctx.resolver.forget_invite(target.hash())
        return await ctx.resolver.resolve(target)
    ctx.resolver.forget_invite(target.hash())
    chat = _joined_chat(updates)
    if chat is None:
        raise NotAMember(f"Telegram accepted {target.display} but named no chat; try again later")
    return ctx.resolver.remember(resolved_from_entity(chat, target.display))


def _joined_chat(updates: Any) -> Any:
    chats = getattr(updates, "chats", None) or ()
    return next(
        (c for c in chats if isinstance(c, types.Channel | types.Chat)),
        None,
    )
