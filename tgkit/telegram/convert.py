"""Read Telethon objects into the columns of :mod:`tgkit.frames`.

Attributes are read with defaults, so objects from any layer Telethon 1.39 to
the newest 1.x speaks convert the same way. The result is a plain
``dict[str, list]`` in schema order, ready for
:func:`tgkit.frames.frame_from_columns`.

Ids: ``user_id`` is the user's id; ``sender_id`` and ``fwd_from_id`` are
marked ids as Telethon's ``get_peer_id`` gives them (users as is, basic
groups negative, channels ``-100…``), so a user's ``sender_id`` equals their
``user_id``.

Messages are converted in :mod:`tgkit.telegram.convert_messages`
(``message_columns`` is re-exported here).

Example::

    >>> from datetime import datetime, timezone
    >>> from telethon.tl import types
    >>> now = datetime(2024, 5, 1, tzinfo=timezone.utc)
    >>> user = types.User(id=42, username="ada", status=types.UserStatusRecently())
    >>> cols = member_columns([user], participants=None, chat_id=-1001, chat_title="Lab",
    ...                       source="participants", collected_at=now)
    >>> cols["user_id"], cols["status"], cols["role"]
    ([42], ['recently'], ['unknown'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

from telethon.tl import types

from tgkit.frames import MEMBER_COLUMNS, SOURCES

__all__ = [
    "marked_peer_id",
    "media_type",
    "member_columns",
    "role_of",
    "username_of",
]

_CHANNEL_MARK = 1_000_000_000_000

_STATUSES: Mapping[type, str] = {
    types.UserStatusOnline: "online",
    types.UserStatusOffline: "offline",
    types.UserStatusRecently: "recently",
    types.UserStatusLastWeek: "last_week",
    types.UserStatusLastMonth: "last_month",
    types.UserStatusEmpty: "hidden",
}

_ROLES: Mapping[type, str] = {
    types.ChannelParticipantCreator: "creator",
    types.ChatParticipantCreator: "creator",
    types.ChannelParticipantAdmin: "admin",
    types.ChatParticipantAdmin: "admin",
    types.ChannelParticipant: "member",
    types.ChannelParticipantSelf: "member",
    types.ChatParticipant: "member",
    types.ChannelParticipantLeft: "left",
}

_MEDIA: Mapping[str, str] = {
    "MessageMediaPhoto": "photo",
    "MessageMediaWebPage": "webpage",
    "MessageMediaPoll": "poll",
    "MessageMediaGeo": "geo",
    "MessageMediaGeoLive": "geo_live",
    "MessageMediaVenue": "venue",
    "MessageMediaContact": "contact",
    "MessageMediaDice": "dice",
    "MessageMediaGame": "game",
    "MessageMediaInvoice": "invoice",
    "MessageMediaStory": "story",
    "MessageMediaGiveaway": "giveaway",
    "MessageMediaGiveawayResults": "giveaway_results",
    "MessageMediaPaidMedia": "paid_media",
    "MessageMediaToDo": "todo",
    "MessageMediaUnsupported": "unsupported",
}


_MEDIA_BY_TYPE: Mapping[type, str] = {
    cls: short for name, short in _MEDIA.items() if (cls := getattr(types, name, None)) is not None
}


def member_columns(
    users: Sequence[Any],
    *,
    participants: Mapping[int, Any] | None,
    chat_id: int | None,
    chat_title: str | None,
    source: str,
    collected_at: datetime,
) -> dict[str, list[Any]]:
    """Columns of the members schema for ``users`` (Telethon ``User`` objects).

    ``participants`` maps user id → the participant record from the same page
    (``ChannelParticipant*`` / ``ChatParticipant*``); it gives ``role`` and
    ``joined_at``. Without one the role is "unknown". ``last_seen`` is the
    exact offline time when the user shows it, ``collected_at`` for users
    online at collection time, NA otherwise.

    Example: see the module docstring.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {list(SOURCES)}, not {source!r}")
    found = participants or {}
    ids = _attr(users, "id")
    records = [found.get(user_id) for user_id in ids]
    statuses = _attr(users, "status")
    rows = len(users)
    columns: dict[str, list[Any]] = {
        "user_id": ids,
        "username": _usernames(users),
        "first_name": _attr(users, "first_name"),
        "last_name": _attr(users, "last_name"),
        "phone": _attr(users, "phone"),
        "is_bot": _flags(users, "bot"),
        "is_deleted": _flags(users, "deleted"),
        "is_verified": _flags(users, "verified"),
        "is_premium": _flags(users, "premium"),
        "is_scam": _flags(users, "scam"),
        "is_fake": _flags(users, "fake"),
        "status": [_STATUSES.get(type(status)) for status in statuses],
        "last_seen": [_last_seen(status, collected_at) for status in statuses],
        "role": [_ROLES.get(type(record)) or role_of(record) for record in records],
        "joined_at": [getattr(record, "date", None) for record in records],
        "source": [source] * rows,
        "chat_id": [chat_id] * rows,
        "chat_title": [chat_title] * rows,
        "collected_at": [collected_at] * rows,
    }
    return {name: columns[name] for name in MEMBER_COLUMNS}


def _attr(objects: Sequence[Any], name: str, default: Any = None) -> list[Any]:
    """``name`` of every object; fast when all have it, ``default`` where one lacks it."""
    try:
        return list(map(attrgetter(name), objects))
    except AttributeError:  # an older layer's object, or a UserEmpty
        return [getattr(obj, name, default) for obj in objects]


def _flags(users: Sequence[Any], name: str) -> list[bool]:
    # Telethon leaves unset flags as None on objects built in Python: that is False.
    return list(map(bool, _attr(users, name, False)))


def _usernames(users: Sequence[Any]) -> list[str | None]:
    names = _attr(users, "username")
    for position, name in enumerate(names):
        if name is None:
            names[position] = username_of(users[position])
    return names


def username_of(user: Any) -> str | None:
    """The user's public username: ``username``, or the first active collectible one."""
    username = getattr(user, "username", None)
    if username:
        return str(username)
    for extra in getattr(user, "usernames", None) or ():
        if getattr(extra, "active", False):
            return str(extra.username)
    return None


def _last_seen(status: Any, collected_at: datetime) -> datetime | None:
    if isinstance(status, types.UserStatusOffline):
        was_online: datetime = status.was_online
        return was_online
    if isinstance(status, types.UserStatusOnline):
        return collected_at
    return None


def role_of(participant: Any) -> str:
    """The ``role`` category of a participant record ("unknown" for ``None``).

    A ``ChannelParticipantBanned`` is "banned" when it may not read the chat
    (kicked), "left" when a restricted user has left, and "member" otherwise.

    Example::

        >>> role_of(types.ChatParticipantAdmin(user_id=1, inviter_id=2, date=None))
        'admin'
    """
    if participant is None:
        return "unknown"
    role = _ROLES.get(type(participant))
    if role is not None:
        return role
    if isinstance(participant, types.ChannelParticipantBanned):
        rights = getattr(participant, "banned_rights", None)
        if getattr(rights, "view_messages", False):
            return "banned"
        return "left" if getattr(participant, "left", False) else "member"
    return "unknown"


def marked_peer_id(peer: Any) -> int | None:
    """The marked id of a ``Peer*`` (users as is, chats negative, channels ``-100…``).

    Unlike ``telethon.utils.get_peer_id`` it never modifies the peer.

    Example::

        >>> marked_peer_id(types.PeerChannel(5))
        -1000000000005
    """
    if isinstance(peer, types.PeerUser):
        return int(peer.user_id)
    if isinstance(peer, types.PeerChat):
        return -int(peer.chat_id)
    if isinstance(peer, types.PeerChannel):
        return -(_CHANNEL_MARK + int(peer.channel_id))
    return None


def media_type(media: Any) -> str | None:
    """Short name of a message's media (see ``tgkit.frames.MEDIA_TYPES``), ``None`` if none.

    Documents are named by what they are: video, video_note, gif, sticker,
    voice, audio, or document.

    Example::

        >>> media_type(types.MessageMediaPhoto())
        'photo'
    """
    if media is None or isinstance(media, types.MessageMediaEmpty):
        return None
    if isinstance(media, types.MessageMediaDocument):
        return _document_type(media)
    return _MEDIA.get(type(media).__name__, "other")


def _document_type(media: Any) -> str:
    attributes = getattr(getattr(media, "document", None), "attributes", None) or ()
    kinds = {type(attribute) for attribute in attributes}
    if types.DocumentAttributeSticker in kinds:
        return "sticker"
    if types.DocumentAttributeAnimated in kinds:
        return "gif"
    video = next((a for a in attributes if isinstance(a, types.DocumentAttributeVideo)), None)
    if getattr(media, "round", False) or getattr(video, "round_message", False):
        return "video_note"
    if getattr(media, "video", False) or video is not None:
        return "video"
    audio = next((a for a in attributes if isinstance(a, types.DocumentAttributeAudio)), None)
    if getattr(media, "voice", False) or getattr(audio, "voice", False):
        return "voice"
    if audio is not None:
        return "audio"
    return "document"


def __getattr__(name: str) -> Any:
    # message_columns lives in convert_messages, which builds on this module.
    if name == "message_columns":
        from tgkit.telegram.convert_messages import message_columns

        return message_columns
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
