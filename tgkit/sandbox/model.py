"""What a sandbox world is made of: users, chats, messages and invite links.

These are the world's own records (mutable: people join, messages arrive);
handlers turn them into Telethon TL objects per viewing account.
"""

from __future__ import annotations

import bisect
import enum
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Chat", "ChatKind", "Entity", "Forward", "Invite", "Message", "Status", "User"]


class Status(enum.Enum):
    """When a user was last seen, as Telegram shows it to others."""

    ONLINE = "online"
    OFFLINE = "offline"  # an exact time, ``User.last_seen``
    RECENTLY = "recently"
    LAST_WEEK = "last_week"
    LAST_MONTH = "last_month"
    LONG_AGO = "long_ago"


class ChatKind(enum.Enum):
    """Supergroups and broadcast channels are Telegram "channels"; basic groups are not."""

    SUPERGROUP = "supergroup"
    CHANNEL = "channel"
    BASIC_GROUP = "basic_group"


@dataclass(slots=True, eq=False)
class User:
    """A Telegram account in the world. ``phone`` and ``password`` never show in reprs."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    bot: bool = False
    deleted: bool = False
    premium: bool = False
    status: Status = Status.RECENTLY
    last_seen: datetime | None = None
    hides_forwards: bool = False  # forwards of their messages show only their name
    phone: str | None = field(default=None, repr=False)
    #: the privacy setting "who can see my phone number: everybody" (default: nobody)
    phone_public: bool = False
    password: str | None = field(default=None, repr=False)

    @property
    def display_name(self) -> str:
        """First and last name as Telegram shows them ("Deleted Account" when deleted)."""
        if self.deleted:
            return "Deleted Account"
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True, slots=True)
class Forward:
    """Where a forwarded message comes from, as its forward header says.

    ``kind``: "user", "channel" or "hidden" (a user who hides their account
    in forwards: only ``name`` is shown). ``post`` is the original's id in a
    channel, ``post_author`` its signature.
    """

    kind: str
    date: datetime
    from_id: int | None = None
    name: str | None = None
    post: int | None = None
    post_author: str | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    """Telegram markup in a text: ``kind`` url, text_url, hashtag, mention or mention_name;
    ``offset`` and ``length`` in UTF-16 code units, as Telegram counts them; ``url`` for a
    text_url, ``user_id`` for a mention_name."""

    kind: str
    offset: int
    length: int
    url: str | None = None
    user_id: int | None = None


@dataclass(slots=True, eq=False)
class Message:
    """One message of a chat. ``sender_id`` is None for a broadcast channel's own posts.

    ``sender_chat_id``: posted as a channel (a post's copy in its discussion
    group). ``thread_root``: the root of the comment thread or reply thread
    it belongs to. ``discussion_id``: a channel post's copy in the linked
    discussion group. ``revision`` grows with every change (edits, reactions,
    comments), so cached renderings of the message are renewed.
    """

    id: int
    chat_id: int
    sender_id: int | None
    date: datetime
    text: str
    reply_to: int | None = None
    views: int | None = None
    forwards: int | None = None
    pts: int = 0
    action: str | None = None  # "create", "join", "pin", "title" for service messages
    serial: int = 0  # world-wide order of posting (orders chats by latest activity)
    fwd: Forward | None = None
    entities: tuple[Entity, ...] = ()
    reactions: dict[str, int] | None = None
    post_author: str | None = None
    via_bot_id: int | None = None
    pinned: bool = False
    edit_date: datetime | None = None
    thread_root: int | None = None
    sender_chat_id: int | None = None
    discussion_id: int | None = None
    replies: int = 0
    revision: int = 0


@dataclass(slots=True, eq=False)
class Invite:
    """An invite link's state: ``hash`` is the part after ``t.me/+``."""

    hash: str
    chat_id: int
    expired: bool = False
    request_needed: bool = False
    requests: list[int] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Chat:
    """A supergroup, broadcast channel or basic group.

    ``members`` maps user id to join date in join order; ``admins`` maps
    admin user ids to the date they were promoted.
    """

    id: int
    kind: ChatKind
    title: str
    created: datetime
    username: str | None = None
    private: bool = False
    hidden_members: bool = False
    about: str = ""
    creator_id: int | None = None
    members: dict[int, datetime] = field(default_factory=dict, repr=False)
    admins: dict[int, datetime] = field(default_factory=dict, repr=False)
    banned: set[int] = field(default_factory=set, repr=False)
    messages: list[Message] = field(default_factory=list, repr=False)
    pts: int = 1
    version: int = 0  # bumped on every membership change (cache key)
    linked_chat_id: int | None = None  # a channel's discussion group, or a group's channel
    signatures: bool = False  # a channel that signs posts with the admin's name
    verified: bool = False
    scam: bool = False
    fake: bool = False
    restrictions: tuple[tuple[str, str, str], ...] = ()  # (platform, reason, text)
    slowmode_seconds: int | None = None
    pinned_id: int | None = None
    top_id: int = 0  # the highest message id used: Telegram never reuses a deleted one's
    changes: list[object] = field(default_factory=list, repr=False)  # sandbox.changes.Change

    @property
    def is_channel(self) -> bool:
        """True for supergroups and broadcast channels (Telegram's ``channel`` type)."""
        return self.kind is not ChatKind.BASIC_GROUP

    @property
    def member_count(self) -> int:
        return len(self.members)

    def last_message_id(self) -> int:
        return self.messages[-1].id if self.messages else 0

    def messages_before(self, message_id: int) -> int:
        """How many messages have an id below ``message_id``."""
        return bisect.bisect_left(self.messages, message_id, key=_message_id)

    def messages_after_pts(self, pts: int) -> int:
        """Index of the first message whose pts is above ``pts``."""
        return bisect.bisect_right(self.messages, pts, key=_message_pts)

    def find_message(self, message_id: int) -> Message | None:
        index = self.messages_before(message_id)
        if index < len(self.messages) and self.messages[index].id == message_id:
            return self.messages[index]
        return None


def _message_id(message: Message) -> int:
    return message.id


def _message_pts(message: Message) -> int:
    return message.pts
