"""Chat info: one row per chat (channel, supergroup, basic group), for one target or many.

For each target: the chat is resolved through the entity cache (a username
costs at most one ``contacts.ResolveUsername``, and none once cached), then
one ``channels.GetFullChannel`` (or ``messages.GetFullChat`` for a basic
group) gives the row. A target that cannot be read (not found, private,
banned, or a user rather than a chat) does not stop the others: it is listed
in ``df.attrs["failed"]`` with the reason, and sent no further request. The
list is one resumable collection: a re-run continues after the last chat
stored.

``created_at``: Telegram gives a channel's creation date only to accounts
that are not in it (members see their join date), and a basic group's
always; where it is the join date, the column is NA and ``attrs["notes"]``
says so.

Example::

    df = await session.chat_info(["@news_channel", "@small_group"])
    df[["title", "type", "participants_count", "linked_chat_id"]]
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from telethon import utils
from telethon.tl import functions, types

from tgkit.core import OperationKind, current_operation
from tgkit.errors import (
    AdminRequired,
    Banned,
    ChatNotFound,
    InviteInvalid,
    JoinRequestPending,
    NotAChat,
    NotAMember,
    PrivateChat,
)
from tgkit.frames import collection_attrs
from tgkit.telegram.catalogue import FLAG, TARGETS, Arguments, OperationSpec, Param
from tgkit.telegram.collect import PageCollector, collecting
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.convert import username_of
from tgkit.telegram.resolve import PeerKind, ResolvedChat
from tgkit.telegram.targets import Target

log = logging.getLogger(__name__)

__all__ = ["CHAT_INFO", "NotAChat", "chat_info", "chat_info_row", "chat_type"]

#: What makes one target unreadable without failing the rest.
UNREADABLE = (ChatNotFound, PrivateChat, Banned, NotAMember, InviteInvalid, JoinRequestPending,
              AdminRequired)

_JOIN_DATE_NOTE = (
    "created_at is NA for chats this account is in: Telegram then gives the join date, "
    "not the creation date"
)



def chat_type(entity: Any) -> str:
    """The ``type`` of a Telethon ``Channel`` or ``Chat`` (see ``tgkit.frames.CHAT_TYPES``).

    >>> chat_type(types.Channel(id=1, title="x", photo=None, date=None, megagroup=True))
    'supergroup'
    """
    if isinstance(entity, types.Chat | types.ChatForbidden):
        return "basic_group"
    if getattr(entity, "broadcast", False):
        return "channel"
    if getattr(entity, "gigagroup", False):
        return "gigagroup"
    if getattr(entity, "forum", False):
        return "forum"
    return "supergroup"


async def chat_info(
    ctx: TelegramContext, targets: tuple[Target, ...], *, resume: bool = True
) -> pd.DataFrame:
    """One row per readable chat of ``targets``; the others in ``attrs["failed"]``."""
    collector = PageCollector.open(
        "chat_info",
        store=ctx.store,
        account=ctx.account,
        target="chat_info:" + ",".join(target.key for target in targets),
        params={"targets": [target.key for target in targets]},
        resume=resume,
    )
    if collector.complete:
        return collector.stored_frame()
    run = _Run(ctx, targets, collector)
    with collecting(collector, run.attrs):
        await run.all()
    attrs = run.attrs()
    collector.finish("complete", attrs=attrs)
    return collector.frame(attrs)


class _Run:
    """Reads the targets one by one into a collector, noting the unreadable ones."""

    def __init__(self, ctx: TelegramContext, targets: tuple[Target, ...],
                 collector: PageCollector) -> None:
        self._ctx = ctx
        self._targets = targets
        self._collector = collector
        self._done: list[str] = list(collector.checkpoint.get("done", []))
        self._failed: dict[str, str] = dict(collector.checkpoint.get("failed", {}))
        self._notes: list[str] = list(collector.checkpoint.get("notes", []))

    async def all(self) -> None:
        op = current_operation()
        for target in self._targets:
            if target.key in self._done:
                continue
            try:
                columns = await self._one(target)
            except (*UNREADABLE, NotAChat) as exc:
                log.info("chat_info: %s cannot be read: %s", target.display, exc)
                self._failed[target.display] = f"{type(exc).__name__}: {exc}"
                self._done.append(target.key)
                self._collector.advance(self._checkpoint())
            else:
                self._done.append(target.key)
                self._collector.add(columns, checkpoint=self._checkpoint())
            if op is not None:
                op.report_progress(len(self._done), len(self._targets))

    def _checkpoint(self) -> dict[str, Any]:
        return {"done": self._done, "failed": self._failed, "notes": self._notes}

    async def _one(self, target: Target) -> dict[str, list[Any]]:
        chat = await self._ctx.resolver.resolve(target)
        if chat.kind is PeerKind.USER:
            raise NotAChat(f"{target.display} is a user, not a group or channel")
        if chat.kind is PeerKind.CHANNEL:
            request: Any = functions.channels.GetFullChannelRequest(chat.input_channel)
        else:
            request = functions.messages.GetFullChatRequest(chat.chat_id)
        full = await self._ctx.rpc(request, target=chat.target)
        entity = next((c for c in full.chats if c.id == chat.chat_id), None)
        row = chat_info_row(chat, entity, full.full_chat, target.display)
        if row["created_at"] is None and _JOIN_DATE_NOTE not in self._notes:
            self._notes.append(_JOIN_DATE_NOTE)
        return {name: [value] for name, value in row.items()}

    def attrs(self) -> dict[str, Any]:
        rows = len(self._collector)
        return collection_attrs(
            ", ".join(target.display for target in self._targets),
            len(self._targets),
            rows,
            ["full_chat"] if rows else [],
            utc_now(),
            failed=dict(self._failed),
            notes=list(self._notes),
            resumed=self._collector.resumed,
        )


def chat_info_row(chat: ResolvedChat, entity: Any, full: Any, target: str) -> dict[str, Any]:
    """One chat_info row from a full-chat answer (``full``: its ``full_chat``; ``entity``:
    the chat among its ``chats``, None when absent); discovery's visits use it too."""
    basic = chat.kind is PeerKind.CHAT
    linked = getattr(full, "linked_chat_id", None)
    reasons = getattr(entity, "restriction_reason", None) or []
    left = bool(getattr(entity, "left", False))
    creator = bool(getattr(entity, "creator", False))
    knows_creation = basic or left or creator
    return {
        "chat_id": chat.marked_id,
        "username": username_of(entity) if entity is not None else chat.username,
        "title": getattr(entity, "title", None) or chat.title,
        "type": chat_type(entity) if entity is not None else
        ("basic_group" if basic else "supergroup"),
        "about": getattr(full, "about", None),
        "participants_count": _participants(entity, full),
        "created_at": getattr(entity, "date", None) if knows_creation else None,
        "linked_chat_id": utils.get_peer_id(types.PeerChannel(linked)) if linked else None,
        "is_verified": bool(getattr(entity, "verified", False)),
        "is_scam": bool(getattr(entity, "scam", False)),
        "is_fake": bool(getattr(entity, "fake", False)),
        "is_restricted": bool(getattr(entity, "restricted", False)),
        "restriction_reason": "\n".join(
            f"{r.platform}:{r.reason}: {r.text}" for r in reasons
        ) or None,
        "has_hidden_members": bool(getattr(full, "participants_hidden", False)),
        "slowmode_seconds": getattr(full, "slowmode_seconds", None),
        "pinned_message_id": getattr(full, "pinned_msg_id", None),
        "target": target,
        "collected_at": utc_now(),
    }


def _participants(entity: Any, full: Any) -> int | None:
    count = getattr(full, "participants_count", None)
    if count is None:
        listed = getattr(getattr(full, "participants", None), "participants", None)
        count = len(listed) if listed is not None else getattr(entity, "participants_count", None)
    return count


# -- the operation ----------------------------------------------------------------------


async def _chat_info_steps(ctx: TelegramContext, args: Arguments, live: None) -> pd.DataFrame:
    return await chat_info(ctx, args["targets"], resume=args["resume"])


CHAT_INFO = OperationSpec(
    name="chat_info",
    kind=OperationKind.SCRAPE,
    summary="One row per chat: title, type, about, counts, creation, linked chat, flags.",
    details=(
        "One request per chat (``channels.GetFullChannel`` / ``messages.GetFullChat``) "
        "after resolving it through the entity cache. Chats that cannot be read are listed "
        "in ``df.attrs['failed']`` with the reason; the others are collected. A list is one "
        "resumable collection."
    ),
    params=(
        Param("targets", TARGETS, positional=True, help="one chat or a list of chats"),
        Param("resume", FLAG, True, "continue an unfinished stored collection"),
    ),
    run=_chat_info_steps,
    frame="chat_info",
    unit="chats",
    requests=frozenset(
        {"channels.GetFullChannel", "messages.GetFullChat", "contacts.ResolveUsername"}
    ),
    example=(["@news_channel", "@small_group"],),
)
