"""Telethon messages into the columns of the messages frame (see :mod:`tgkit.frames`).

Every column is read the way Telegram gives it: the forward header as it is
(a user, a channel, a basic group, or a hidden sender's name), links,
hashtags and mentions from the message's *entities* (Telegram's own markup,
with offsets in UTF-16 code units, so an emoji before a link does not shift
it), reactions per emoji from ``reactions.results``.

Speed (``benchmarks/bench_channels.py``): each field is read with one
``attrgetter`` pass over all messages (C speed); the optional parts (forward,
reply, reactions, entities, media) are converted only at the positions that
carry them (found with ``itertools.compress``: ``list.count(None)`` would call
each Telethon object's Python ``__eq__``), and a column that is the same for
every row costs one value (``frame_from_columns`` repeats it). A row's items
(``urls``, ``hashtags``, ``mentions``, ``reactions_by_emoji``) are tuples:
they never change, and tuples of strings (and of ``{emoji, count}`` dicts)
leave the garbage collector's books, where 100,000 lists would make it
rescan every message object. Objects of older layers (Telethon 1.39) lack
some fields; they read as absent.

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
    ([('https://t.me/x',)], [('#news',)])
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from itertools import compress
from operator import attrgetter
from typing import Any

from telethon.tl import types

from tgkit.frames import MESSAGE_COLUMNS
from tgkit.telegram.convert import (
    _CHANNEL_MARK,
    _MEDIA_BY_TYPE,
    marked_peer_id,
    media_type,
    username_of,
)

__all__ = ["action_of", "entity_lists", "message_columns", "reaction_emoji"]

_NO_ITEMS: tuple[Any, ...] = ()  # the rows without items
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
    with _collector_paused():
        return _columns(kept, chat_id, users_by_id, collected_at, service, post)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the columns are built.

    The conversion makes a tuple per row with items (links, reactions), and
    every 700 of them start a collection that walks every column list built
    so far: over 100,000 rows that is a third of the conversion's time. It
    makes no reference cycles, so nothing is left for the collector to find;
    its count carries on afterwards (Mercurial's ``util.nogc``, for the same
    reason).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _columns(
    kept: list[Any],
    chat_id: int | None,
    users_by_id: Mapping[int, Any] | None,
    collected_at: datetime,
    service: bool,
    post: tuple[int, int] | None,
) -> dict[str, list[Any]]:
    rows = len(kept)
    read = dict(zip(_FIELDS, _read(kept), strict=True))
    senders = _senders(read["from_id"], read["peer_id"], read["post"], read["out"])
    known = {sender: username_of(user) for sender, user in (users_by_id or {}).items()}
    columns: dict[str, list[Any]] = {
        "message_id": read["id"],
        "chat_id": [chat_id] * rows if chat_id is not None else _marked(read["peer_id"]),
        "date": read["date"],
        "sender_id": senders,
        "sender_username": (
            [None if s is None else known.get(s) for s in senders]
            if any(known.values())
            else [None] * rows
        ),
        "text": [text or None for text in read["message"]],
        "action": _actions(kept) if service else [None] * rows,
        "post_author": read["post_author"],
        "via_bot_id": read["via_bot_id"],
        "is_pinned": list(map(bool, read["pinned"])),
        "views": read["views"],
        "forwards": read["forwards"],
        "replies": _sparse(read["replies"], _replies_of),
        "media_type": _sparse(read["media"], _media_of),
        "edit_date": read["edit_date"],
        "grouped_id": read["grouped_id"],
        "post_chat_id": [None if post is None else post[0]] * rows,
        "post_id": [None if post is None else post[1]] * rows,
        "collected_at": [collected_at] * rows,
    }
    columns.update(_reply_columns(read["reply_to"]))
    columns.update(_forward_columns(read["fwd_from"]))
    columns.update(_reaction_columns(read["reactions"]))
    columns.update(_entity_columns(read["message"], read["entities"]))
    return {name: columns[name] for name in MESSAGE_COLUMNS}


# Every field the columns need, read with one getter per message, in chunks:
# reading all fields of a message at once is 3x faster than one pass per
# field (each message's dict is cold in the CPU cache once per pass), and a
# chunk's tuples are freed before the garbage collector would look at them.
_FIELDS = (
    "id", "peer_id", "date", "from_id", "message", "post_author", "via_bot_id", "pinned",
    "views", "forwards", "replies", "media", "edit_date", "grouped_id", "reply_to",
    "fwd_from", "reactions", "entities", "post", "out",
)
_READ = attrgetter(*_FIELDS)
_CHUNK = 256


def _read(kept: list[Any]) -> list[list[Any]]:
    """The values of each field over ``kept``, one list per field of ``_FIELDS``."""
    columns: list[list[Any]] = [[] for _ in _FIELDS]
    for start in range(0, len(kept), _CHUNK):
        chunk = kept[start:start + _CHUNK]
        try:
            values = list(map(_READ, chunk))
        except AttributeError:  # a service message, or an older layer's object
            values = [_read_one(message) for message in chunk]
        for column, read in zip(columns, zip(*values, strict=True), strict=True):
            column.extend(read)
    return columns


def _read_one(message: Any) -> tuple[Any, ...]:
    try:
        return _READ(message)
    except AttributeError:
        return tuple(getattr(message, name, None) for name in _FIELDS)


def _present(values: Sequence[Any]) -> list[int]:
    """Positions of the values that are not None (Telethon objects are always truthy).

    ``compress`` tests truth in C; ``list.count(None)`` would call each
    TLObject's Python ``__eq__``.
    """
    return list(compress(range(len(values)), values))


def _sparse(values: Sequence[Any], convert: Any) -> list[Any]:
    column: list[Any] = [None] * len(values)
    for position in _present(values):
        column[position] = convert(values[position])
    return column


def _replies_of(replies: Any) -> int | None:
    return getattr(replies, "replies", None)


def _media_of(media: Any) -> str | None:
    return _MEDIA_BY_TYPE.get(type(media)) or media_type(media)


_MARK_BY_TYPE: dict[type, Any] = {
    types.PeerUser: attrgetter("user_id"),
    types.PeerChat: lambda peer: -peer.chat_id,
    types.PeerChannel: lambda peer: -(_CHANNEL_MARK + peer.channel_id),
}


def _marked(peers: Sequence[Any]) -> list[int | None]:
    return [marked_peer_id(peer) for peer in peers]


def _senders(
    from_ids: Sequence[Any], peers: Sequence[Any], posts: Sequence[Any], outs: Sequence[Any]
) -> list[int | None]:
    # Telethon's own rule (custom.Message.__init__): from_id, else the channel
    # for posts, else the other user for incoming private messages.
    senders: list[int | None] = []
    append = senders.append
    marks = _MARK_BY_TYPE
    for from_id, peer, post, out in zip(from_ids, peers, posts, outs, strict=True):
        if from_id is not None:
            mark = marks.get(type(from_id))
            append(mark(from_id) if mark else marked_peer_id(from_id))
        elif post or (not out and type(peer) is types.PeerUser):
            mark = marks.get(type(peer))
            append(mark(peer) if mark else marked_peer_id(peer))
        else:
            append(None)
    return senders


def _reply_columns(headers: Sequence[Any]) -> dict[str, list[Any]]:
    rows = len(headers)
    replied: list[Any] = [None] * rows
    tops: list[Any] = [None] * rows
    for position in _present(headers):
        header = headers[position]
        if type(header) is types.MessageReplyHeader:  # not a story reply
            replied[position] = header.reply_to_msg_id
            top = getattr(header, "reply_to_top_id", None)
            if top is None and getattr(header, "forum_topic", False):
                top = header.reply_to_msg_id  # a message in a topic, replying to its root
            tops[position] = top
    return {"reply_to_msg_id": replied, "reply_to_top_id": tops}


_FORWARD_NAMES = (
    "fwd_from_type", "fwd_from_id", "fwd_from_name", "fwd_from_message_id", "fwd_date",
    "fwd_post_author",
)


def _forward_columns(headers: Sequence[Any]) -> dict[str, list[Any]]:
    rows = len(headers)
    columns: list[list[Any]] = [[None] * rows for _ in _FORWARD_NAMES]
    kinds, ids, names, posts, dates, authors = columns
    for position in _present(headers):
        header = headers[position]
        origin = getattr(header, "from_id", None)
        kinds[position] = _FORWARD_TYPES.get(type(origin), "hidden")
        ids[position] = marked_peer_id(origin)
        names[position] = getattr(header, "from_name", None)
        posts[position] = getattr(header, "channel_post", None)
        dates[position] = getattr(header, "date", None)
        authors[position] = getattr(header, "post_author", None)
    return dict(zip(_FORWARD_NAMES, columns, strict=True))


def _reaction_columns(reactions: Sequence[Any]) -> dict[str, list[Any]]:
    rows = len(reactions)
    totals: list[int | None] = [None] * rows
    by_emoji: list[Any] = [_NO_ITEMS] * rows
    emoticon = types.ReactionEmoji
    for position in _present(reactions):
        counts = []
        total = 0
        for result in getattr(reactions[position], "results", None) or ():
            reaction = result.reaction
            count = getattr(result, "count", 0)
            name = reaction.emoticon if type(reaction) is emoticon else reaction_emoji(reaction)
            counts.append({"emoji": name, "count": count})
            total += count
        totals[position] = total
        if counts:
            by_emoji[position] = tuple(counts)
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


def _entity_columns(texts: Sequence[Any], entities: Sequence[Any]) -> dict[str, list[Any]]:
    rows = len(texts)
    urls: list[Any] = [_NO_ITEMS] * rows
    tags: list[Any] = [_NO_ITEMS] * rows
    mentions: list[Any] = [_NO_ITEMS] * rows
    for position in _present(entities):
        marks = entities[position]
        if marks:
            found = _entity_items(texts[position] or "", marks)
            urls[position], tags[position], mentions[position] = found
    return {"urls": urls, "hashtags": tags, "mentions": mentions}


def entity_lists(text: str, entities: Sequence[Any]) -> tuple[list[str], list[str], list[str]]:
    """The urls, hashtags and mentions ``entities`` mark in ``text`` (UTF-16 offsets).

    >>> entity_lists("hi @ada", [types.MessageEntityMention(offset=3, length=4)])
    ([], [], ['ada'])
    """
    urls, tags, mentions = _entity_items(text, entities)
    return list(urls), list(tags), list(mentions)


def _entity_items(text: str, entities: Sequence[Any]) -> tuple[tuple[str, ...], ...]:
    # Tuples: a row's items never change, and tuples of strings leave the
    # garbage collector's books (lists would stay there, a cost over 100,000 rows).
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
    return (
        tuple(urls) if urls else _NO_ITEMS,
        tuple(tags) if tags else _NO_ITEMS,
        tuple(mentions) if mentions else _NO_ITEMS,
    )


def _utf16_cutter(text: str) -> Any:
    if text.isascii() or _ASTRAL.search(text) is None:  # every character is one UTF-16 unit
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
