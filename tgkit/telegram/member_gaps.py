"""Members a server leaves out, and what tgkit does about them.

**Basic groups.** ``messages.getFullChat`` lists a basic group's participants by id and is
meant to carry each one's ``User`` object too; servers do not always (an
independent MTProto server left 4 of 4 out). The missing users are asked
for with ``users.getUsers``, each with the access hash this account knows
(from Telethon's session) or 0; those still missing stay rows, with the
user id, role and join date known and every column about the person NA, and
the frame's ``coverage_note`` says how many.

**Hidden members.** When the member list is hidden and the admin list is
refused too (``CHAT_ADMIN_REQUIRED``), the rows are the authors of recent
messages, and :func:`hidden_note` says that the admin list was refused.

Example::

    found = await fetch_users(ctx, [101, 102], target="@group")
    columns = unresolved_columns([102], participants, chat_id=-5, chat_title="Lab",
                                 source="full_chat", collected_at=now)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telethon import errors
from telethon.tl import functions, types

from tgkit.errors import NotAMember, TgkitError
from tgkit.frames import MEMBER_COLUMNS
from tgkit.telegram.context import TelegramContext
from tgkit.telegram.convert import role_of
from tgkit.telegram.resolve import ResolvedChat

log = logging.getLogger(__name__)

__all__ = [
    "BasicGroupMembers",
    "basic_group_members",
    "fetch_users",
    "hidden_note",
    "unresolved_columns",
    "unresolved_note",
]


@dataclass(frozen=True, slots=True)
class BasicGroupMembers:
    """A basic group's listing: users found, participant records, ids without a user."""

    title: str | None
    reported_total: int
    users: list[Any]
    records: dict[int, Any]
    unresolved: list[int]


async def basic_group_members(ctx: TelegramContext, chat: ResolvedChat) -> BasicGroupMembers:
    """Read a basic group's members (``messages.getFullChat``, then ``users.getUsers``)."""
    full = await ctx.rpc(functions.messages.GetFullChatRequest(chat.chat_id), target=chat.target)
    listing = full.full_chat.participants
    if not isinstance(listing, types.ChatParticipants):
        raise NotAMember(
            f"this account cannot see the members of {chat.target}: it is not a "
            "member of this basic group"
        )
    info = next((c for c in full.chats if c.id == chat.chat_id), None)
    records = {p.user_id: p for p in listing.participants}
    users = {user.id: user for user in full.users if isinstance(user, types.User)}
    absent = [i for i in records if i not in users]
    users.update(await fetch_users(ctx, absent, target=chat.target))
    return BasicGroupMembers(
        title=getattr(info, "title", None),
        reported_total=getattr(info, "participants_count", None) or len(records),
        users=[users[i] for i in records if i in users],
        records=records,
        unresolved=[i for i in records if i not in users],
    )


async def fetch_users(
    ctx: TelegramContext, user_ids: Sequence[int], *, target: str
) -> dict[int, Any]:
    """The ``User`` objects ``users.getUsers`` gives for ``user_ids`` (those it finds)."""
    if not user_ids:
        return {}
    request = functions.users.GetUsersRequest([_input_user(ctx, i) for i in user_ids])
    try:
        found = await ctx.rpc(request, target=target)
    except (TgkitError, errors.RPCError) as exc:
        log.info("users.getUsers for %d listed members failed: %s", len(user_ids), exc)
        return {}
    return {user.id: user for user in found if isinstance(user, types.User)}


def _input_user(ctx: TelegramContext, user_id: int) -> types.InputUser:
    """``InputUser`` with the access hash Telethon's session knows, else 0."""
    session = getattr(getattr(ctx.rpc, "client", None), "session", None)
    try:
        peer = session.get_input_entity(types.PeerUser(user_id))  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError, ValueError):
        return types.InputUser(user_id, 0)
    return types.InputUser(user_id, getattr(peer, "access_hash", 0) or 0)


def unresolved_columns(
    user_ids: Sequence[int],
    participants: Mapping[int, Any],
    *,
    chat_id: int | None,
    chat_title: str | None,
    source: str,
    collected_at: datetime,
) -> dict[str, list[Any]]:
    """Member rows for users known only by id: NA for everything about the person."""
    rows = len(user_ids)
    columns: dict[str, list[Any]] = {name: [None] * rows for name in MEMBER_COLUMNS}
    records = [participants.get(user_id) for user_id in user_ids]
    columns.update(
        user_id=list(user_ids),
        role=[role_of(record) for record in records],
        joined_at=[getattr(record, "date", None) for record in records],
        source=[source] * rows,
        chat_id=[chat_id] * rows,
        chat_title=[chat_title] * rows,
        collected_at=[collected_at] * rows,
    )
    return columns


def unresolved_note(count: int, listed: int) -> str:
    """The ``coverage_note`` part for ``count`` of ``listed`` members without user data."""
    return (
        f"{count} of {listed} listed members came without their user data and "
        "users.getUsers did not return them: those rows have the user id, role and "
        "join date only (other columns NA)"
    )


def hidden_note(days_back: float, admins_refused: bool) -> str:
    """The ``coverage_note`` part for a hidden member list read through message authors."""
    if admins_refused:
        return (
            "the member list is hidden from this account and Telegram refused the admin "
            "list (CHAT_ADMIN_REQUIRED): rows are the authors of messages from the last "
            f"{days_back:g} days, not the full membership"
        )
    return (
        "the member list is hidden from this account: rows are the admins and the "
        f"authors of messages from the last {days_back:g} days, not the full membership"
    )
