"""Sending one text message, paced like every other request.

tgkit sends single messages (a reply in a study, a note to a group that
agreed to be observed); it has no mass messaging. ``messages.SendMessage``
has its own budget (``tgkit.pacing.budgets``), below the ~20 a minute per group
Telegram tolerates.

Example::

    sent = await send_message(ctx, parse_target("@lab_group"), "Thanks, all!")
    sent.message_id, sent.date
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telethon.tl import functions, types

from tgkit.core import OperationKind
from tgkit.errors import AdminRequired
from tgkit.telegram.catalogue import TARGET, TEXT, Arguments, OperationSpec, Param
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.targets import Target

log = logging.getLogger(__name__)

__all__ = ["MAX_TEXT_LENGTH", "SEND", "SentMessage", "check_text", "send_message"]

#: Telegram's limit on a message's text, in characters.
MAX_TEXT_LENGTH = 4096


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message this account sent: its ``message_id``, ``date`` and the chat's ``chat_id``."""

    message_id: int
    date: datetime
    chat_id: int


def check_text(text: object) -> str:
    """``text`` if it is a message Telegram accepts, else a ``ValueError``/``TypeError``.

    >>> check_text("")
    Traceback (most recent call last):
    ...
    ValueError: text must not be empty
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not text.strip():
        raise ValueError("text must not be empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(
            f"text has {len(text)} characters; Telegram accepts at most {MAX_TEXT_LENGTH}: "
            "split it into several messages"
        )
    return text


async def send_message(ctx: TelegramContext, target: Target, text: str) -> SentMessage:
    """Send ``text`` to ``target``; return the sent message's id and date."""
    chat = await ctx.resolver.resolve(target)
    request = functions.messages.SendMessageRequest(peer=chat.input_peer, message=text)
    try:
        result = await ctx.rpc(request, target=chat.target)
    except AdminRequired as error:  # a broadcast channel: only its admins post
        raise AdminRequired(
            f"only admins of {chat.target} may post in it (Telegram answered "
            "CHAT_ADMIN_REQUIRED): posting needs admin rights there; send to a group or "
            "to the channel's discussion group instead"
        ) from error
    message_id, date = _sent_id_and_date(result, request.random_id)
    return SentMessage(message_id, date or utc_now(), chat.marked_id)


def _sent_id_and_date(result: Any, random_id: int) -> tuple[int, datetime | None]:
    if isinstance(result, types.UpdateShortSentMessage):
        return result.id, result.date
    updates = getattr(result, "updates", None) or ()
    message_id = next(
        (
            u.id
            for u in updates
            if isinstance(u, types.UpdateMessageID) and u.random_id == random_id
        ),
        None,
    )
    for update in updates:
        message = getattr(update, "message", None)
        if isinstance(message, types.Message) and message_id in (None, message.id):
            return message.id, message.date
    if message_id is None:
        raise RuntimeError("Telegram's answer to SendMessage named no message")
    return message_id, None


# -- the operation ----------------------------------------------------------------------


async def _send_steps(ctx: TelegramContext, args: Arguments, live: None) -> SentMessage:
    return await send_message(ctx, args["target"], args["text"])


SEND = OperationSpec(
    name="send",
    method="send_message",
    kind=OperationKind.SEND,
    summary="Send one text message; the result is a ``SentMessage`` (message_id, date, chat_id).",
    details="tgkit sends single messages; it has no mass messaging.",
    params=(
        Param("target", TARGET, positional=True, help="the chat to post in"),
        Param("text", TEXT, positional=True, help="the message"),
    ),
    run=_send_steps,
    frame=None,
    unit="messages",
    requests=frozenset({"messages.SendMessage"}),
    exclusive=False,
    cli=False,
    example=("@lab_group", "Thanks for the data!"),
)
