"""Telethon messages into the columns of the messages frame (see :mod:`tgkit.frames`).

Every column is read the way Telegram gives it: the forward header as it is
(a user, a channel, a basic group, or a hidden sender's name), links,
hashtags and mentions from the message's *entities* (Telegram's own markup,
with offsets in UTF-16 code units, so an emoji before a link does not shift
it), reactions per emoji from ``reactions.results``.

Speed: most messages have no forward, no entities and no reactions, and a
column that is the same for every row costs one value (``frame_from_columns``
repeats it), so each optional part is read only for the messages that carry
it. Objects of older layers (Telethon 1.39) lack some fields; they read as
absent.

Example::

    >>> from datetime import datetime, timezone
    >>> from telethon.tl import types
    >>> now = datetime(2024, 5, 1, tzinfo=timezone.utc)
    >>> text = "🔥 see https://t.me/x #news"
    >>> msg = types.Message(id=7, peer_id=types.PeerChannel(5), date=now, message=text,
    ...     entities=[types.MessageEntityUrl(offset=7, length=14),
    ...               types.MessageEntityHashtag(offset=22, length=5)])
    >>> cols = message_columns([msg], chat_id=None, users_by_id=None, collected_at=now)
    >>> cols["urls"], cols["hashtags"]
    ([['https://t.me/x']], [['#news']])
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from telethon.tl import types

from tgkit.frames import MESSAGE_COLUMNS
from tgkit.telegram.convert import (
    _MEDIA_BY_TYPE,
    _attr,
    marked_peer_id,
    media_type,
    username_of,
)

__all__ = ["action_of", "entity_lists", "message_columns", "reaction_emoji"]

_NO_ITEMS: list[Any] = []  # shared by the rows without items; never modified
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

_ACTIONS: dict[str, str] = {
    "MessageActionChatCreate": "create",
    "MessageActionChannelCreate": "create",
    "MessageActionChatAddUser": "join",
    "MessageActionChatJoinedByLink": "join_by_link",
    "MessageActionChatJoinedByRequest": "join_by_request",
    "MessageActionChatDeleteUser": "leave",
    "MessageActionPinMessage": "pin",
    "MessageActionChatEditTitle": "title",
    "MessageActionChatEditPhoto": "photo",
    "MessageActionChatDeletePhoto": "delete_photo",
    "MessageActionChatMigrateTo": "migrate",
    "MessageActionChannelMigrateFrom": "migrate",
    "MessageActionPhoneCall": "call",
    "MessageActionGroupCall": "call",
    "MessageActionTopicCreate": "topic",
    "MessageActionTopicEdit": "topic",
}

_FORWARD_TYPES = {
    types.PeerUser: "user",
    types.PeerChannel: "channel",
    types.PeerChat: "chat",
}


def message_columns(
    messages: Sequence[Any],
    *,
    chat_id: int | None,
    users_by_id: Mapping[int, Any] | None,
    collected_at: datetime,
    service: bool = False,
    post: tuple[int, int] | None = None,
) -> dict[str, list[Any]]:
    """Columns of the messages schema for ``messages`` (Telethon ``Message`` objects).

    ``chat_id`` is the chat's marked id; ``None`` takes each message's own
    chat (for a monitor over several chats). ``users_by_id`` maps marked id →
    ``User`` (or ``Channel``) and fills ``sender_username``. Empty messages
    are skipped, and service messages too unless ``service`` (then their
    ``action`` is set and ``text`` is NA). ``post`` is the (channel marked
    id, post id) that comments discuss.

    Example: see the module docstring.
    """
    allowed = (types.Message, types.MessageService) if service else types.Message
    kept = [message for message in messages if isinstance(message, allowed)]
    rows = len(kept)
    senders = _senders(kept)
    known = {sender: username_of(user) for sender, user in (users_by_id or {}).items()}
    columns: dict[str, list[Any]] = {
        "message_id": _attr(kept, "id"),
        "chat_id": (
            [chat_id] * rows
            if chat_id is not None
            else [marked_peer_id(peer) for peer in _attr(kept, "peer_id")]
        ),
        "date": _attr(kept, "date"),
        "sender_id": senders,
        "sender_username": [None if s is None else known.get(s) for s in senders],
        "text": [text or None for text in _attr(kept, "message")],
        "action": _actions(kept) if service else [None] * rows,
        "post_author": _attr(kept, "post_author"),
        "via_bot_id": _attr(kept, "via_bot_id"),
        "is_pinned": [bool(pinned) for pinned in _attr(kept, "pinned", False)],
        "views": _attr(kept, "views"),
        "forwards": _attr(kept, "forwards"),
        "replies": [
            None if replies is None else getattr(replies, "replies", None)
            for replies in _attr(kept, "replies")
        ],
        "media_type": [
            None if media is None else _MEDIA_BY_TYPE.get(type(media)) or media_type(media)
            for media in _attr(kept, "media")
        ],
        "edit_date": _attr(kept, "edit_date"),
        "grouped_id": _attr(kept, "grouped_id"),
        "post_chat_id": [None if post is None else post[0]] * rows,
        "post_id": [None if post is None else post[1]] * rows,
        "collected_at": [collected_at] * rows,
    }
    columns.update(_reply_columns(_attr(kept, "reply_to")))
    columns.update(_forward_columns(_attr(kept, "fwd_from")))
    columns.update(_reaction_columns(_attr(kept, "reactions")))
    columns.update(_entity_columns(kept))
    return {name: columns[name] for name in MESSAGE_COLUMNS}


def _senders(kept: list[Any]) -> list[int | None]:
    return [
        peer.user_id if type(peer) is types.PeerUser else _sender_id(message)
        for peer, message in zip(_attr(kept, "from_id"), kept, strict=True)
    ]


def _sender_id(message: Any) -> int | None:
    # Telethon's own rule (custom.Message.__init__): from_id, else the channel
    # for posts, else the other user for incoming private messages.
    from_id = getattr(message, "from_id", None)
    if from_id is not None:
        return marked_peer_id(from_id)
    peer = getattr(message, "peer_id", None)
    incoming_private = not getattr(message, "out", False) and isinstance(peer, types.PeerUser)
    if getattr(message, "post", False) or incoming_private:
        return marked_peer_id(peer)
    return None


def _none(headers: list[Any]) -> bool:
    return headers.count(None) == len(headers)


def _reply_columns(headers: list[Any]) -> dict[str, list[Any]]:
    rows = len(headers)
    if _none(headers):
        return {"reply_to_msg_id": [None] * rows, "reply_to_top_id": [None] * rows}
    replied, tops = [], []
    for header in headers:
        if isinstance(header, types.MessageReplyHeader):  # not a story reply
            replied.append(header.reply_to_msg_id)
            top = getattr(header, "reply_to_top_id", None)
            if top is None and getattr(header, "forum_topic", False):
                top = header.reply_to_msg_id  # a message in a topic, replying to its root
            tops.append(top)
        else:
            replied.append(None)
            tops.append(None)
    return {"reply_to_msg_id": replied, "reply_to_top_id": tops}


_FORWARD_NAMES = (
    "fwd_from_type", "fwd_from_id", "fwd_from_name", "fwd_from_message_id", "fwd_date",
    "fwd_post_author",
)


def _forward_columns(headers: list[Any]) -> dict[str, list[Any]]:
    rows = len(headers)
    if _none(headers):
        return {name: [None] * rows for name in _FORWARD_NAMES}
    values = [_forward(header) for header in headers]
    return {name: [row[i] for row in values] for i, name in enumerate(_FORWARD_NAMES)}


def _forward(header: Any) -> tuple[Any, ...]:
    if header is None:
        return (None,) * len(_FORWARD_NAMES)
    origin = getattr(header, "from_id", None)
    kind = _FORWARD_TYPES.get(type(origin), "hidden")
    return (
        kind,
        marked_peer_id(origin),
        getattr(header, "from_name", None),
        getattr(header, "channel_post", None),
        getattr(header, "date", None),
        getattr(header, "post_author", None),
    )


def _reaction_columns(reactions: list[Any]) -> dict[str, list[Any]]:
    rows = len(reactions)
    if _none(reactions):
        return {"reactions": [None] * rows, "reactions_by_emoji": [_NO_ITEMS] * rows}
    totals: list[int | None] = []
    by_emoji: list[Any] = []
    for each in reactions:
        results = getattr(each, "results", None) or ()
        if each is None:
            totals.append(None)
            by_emoji.append(_NO_ITEMS)
            continue
        counts = [
            {"emoji": reaction_emoji(r.reaction), "count": getattr(r, "count", 0)}
            for r in results
        ]
        totals.append(sum(int(item["count"]) for item in counts))
        by_emoji.append(counts or _NO_ITEMS)
    return {"reactions": totals, "reactions_by_emoji": by_emoji}


def reaction_emoji(reaction: Any) -> str:
    """How a reaction is named in ``reactions_by_emoji``.

    >>> reaction_emoji(types.ReactionEmoji("👍")), reaction_emoji(types.ReactionCustomEmoji(5))
    ('👍', 'custom:5')
    """
    emoticon = getattr(reaction, "emoticon", None)
    if emoticon is not None:
        return str(emoticon)
    document_id = getattr(reaction, "document_id", None)
    if document_id is not None:
        return f"custom:{document_id}"
    return "paid" if type(reaction).__name__ == "ReactionPaid" else "other"


def _entity_columns(kept: list[Any]) -> dict[str, list[Any]]:
    entities = _attr(kept, "entities")
    rows = len(kept)
    if _none(entities):
        return {"urls": [_NO_ITEMS] * rows, "hashtags": [_NO_ITEMS] * rows,
                "mentions": [_NO_ITEMS] * rows}
    urls, tags, mentions = [], [], []
    for message, marks in zip(kept, entities, strict=True):
        if not marks:
            urls.append(_NO_ITEMS)
            tags.append(_NO_ITEMS)
            mentions.append(_NO_ITEMS)
            continue
        found = entity_lists(getattr(message, "message", "") or "", marks)
        urls.append(found[0])
        tags.append(found[1])
        mentions.append(found[2])
    return {"urls": urls, "hashtags": tags, "mentions": mentions}


def entity_lists(text: str, entities: Sequence[Any]) -> tuple[list[str], list[str], list[str]]:
    """The urls, hashtags and mentions ``entities`` mark in ``text`` (UTF-16 offsets).

    >>> entity_lists("hi @ada", [types.MessageEntityMention(offset=3, length=4)])
    ([], [], ['ada'])
    """
    urls: list[str] = []
    tags: list[str] = []
    mentions: list[str] = []
    cut = _utf16_cutter(text)
    for entity in entities:
        kind = type(entity)
        if kind is types.MessageEntityUrl:
            urls.append(cut(entity.offset, entity.length))
        elif kind is types.MessageEntityTextUrl:
            urls.append(entity.url)
        elif kind is types.MessageEntityHashtag:
            tags.append(cut(entity.offset, entity.length))
        elif kind is types.MessageEntityMention:
            mentions.append(cut(entity.offset, entity.length).lstrip("@"))
        elif kind is types.MessageEntityMentionName:
            mentions.append(str(entity.user_id))
    return urls or _NO_ITEMS, tags or _NO_ITEMS, mentions or _NO_ITEMS


def _utf16_cutter(text: str) -> Any:
    if _ASTRAL.search(text) is None:  # every character is one UTF-16 unit
        return lambda offset, length: text[offset:offset + length]
    data = text.encode("utf-16-le")
    return lambda offset, length: data[2 * offset:2 * (offset + length)].decode(
        "utf-16-le", errors="replace"
    )


def _actions(kept: list[Any]) -> list[str | None]:
    return [action_of(getattr(message, "action", None)) for message in kept]


def action_of(action: Any) -> str | None:
    """The ``action`` category of a service message's action (None: not a service message).

    >>> action_of(types.MessageActionPinMessage()), action_of(None)
    ('pin', None)
    """
    if action is None:
        return None
    return _ACTIONS.get(type(action).__name__, "other")
