"""Turn what a researcher types (or passes) into a :class:`Target`, before any request.

Accepted forms::

    @name  name  t.me/name  https://t.me/name  https://t.me/s/name     a public username
    https://t.me/+HASH  t.me/joinchat/HASH                            an invite link
    123456  -123456  -1001234567890  "-1001234567890"                 a numeric id
    a Telethon User, Chat, Channel, Peer* or InputPeer*               an entity

``telegram.me`` and ``telegram.dog`` links, ``tg://resolve?domain=name`` and
``tg://join?invite=HASH`` work too; a message link (``t.me/name/42``,
``t.me/c/1234567890/42``) names its chat. Usernames are 5–32 letters, digits
and underscores, starting with a letter. Letters and digits are ASCII only, as
Telegram's are: the patterns are compiled with ``re.ASCII``, so Unicode case
folding (``ſ``, the Kelvin sign) and other scripts' digits never make a
username or an id. Any integral number (``operator.index``: NumPy integers
too) is an id. Anything else raises :class:`~tgkit.errors.InvalidTarget`.

Example::

    >>> parse_target("https://t.me/s/Research_Group").key
    '@research_group'
    >>> parse_target("-1001234567890").peer_type
    <PeerType.CHANNEL: 'channel'>
"""

from __future__ import annotations

import enum
import logging
import operator
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telethon import utils
from telethon.tl import types
from telethon.tl.tlobject import TLObject

from tgkit.errors import InvalidTarget

T = TypeVar("T")

__all__ = ["PeerType", "Target", "TargetKind", "parse_target"]

logger = logging.getLogger(__name__)

_CHANNEL_MARK = 1_000_000_000_000
_MAX_ID = 2**63 - 1

ACCEPTED_FORMS = (
    "@username, username, t.me/username, https://t.me/s/username, "
    "https://t.me/+INVITE_HASH, t.me/joinchat/INVITE_HASH, a numeric id "
    "(-100… for channels in the Bot API form) or a Telethon entity. "
    "Usernames are 5–32 letters, digits or underscores and start with a letter"
)

_USERNAME = r"[A-Za-z][A-Za-z0-9_]{4,31}"
_HASH = r"[A-Za-z0-9_-]{8,64}"
_DOMAIN = r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)"
_TAIL = r"(?:/\d*)?/?(?:[?#]\S*)?"  # optional /post-id, trailing slash, query or fragment

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    # re.ASCII: with IGNORECASE alone, [A-Za-z] also matches ſ, ı, İ and the Kelvin
    # sign, and \d matches every script's digits.
    (name, re.compile(pattern, re.IGNORECASE | re.ASCII))
    for name, pattern in (
        ("username", rf"@?(?P<username>{_USERNAME})"),
        ("invite", rf"{_DOMAIN}/(?:\+|joinchat/)(?P<hash>{_HASH})/?(?:[?#]\S*)?"),
        ("username", rf"{_DOMAIN}/(?:s/)?(?P<username>{_USERNAME}){_TAIL}"),
        ("channel", rf"{_DOMAIN}/c/(?P<channel>\d{{1,19}}){_TAIL}"),
        ("id", r"(?P<id>-?\d{1,20})"),
        ("username", rf"tg://resolve\?domain=(?P<username>{_USERNAME})(?:&\S*)?"),
        ("invite", rf"tg://join\?invite=(?P<hash>{_HASH})"),
    )
)

# t.me paths that look like usernames but are Telegram's own pages.
_RESERVED = frozenset(
    {"joinchat", "addstickers", "addemoji", "addlist", "addtheme", "share", "proxy",
     "socks", "login", "setlanguage", "invoice", "boost", "contact", "confirmphone"}
)
_PHONE = re.compile(r"\+?[\d\s().-]{7,20}")


class TargetKind(enum.Enum):
    """What a target names: a public username, an invite link, a numeric id or an entity."""

    USERNAME = "username"
    INVITE = "invite"
    ID = "id"
    ENTITY = "entity"


class PeerType(enum.Enum):
    """What kind of peer an id belongs to, when the id's form or the entity says so."""

    USER = "user"
    CHAT = "chat"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed chat target. Build it with :func:`parse_target`.

    ``peer_id`` is the plain positive id; ``peer_type`` says what it is when
    known (``None`` for a bare positive id, which may be a user or a channel).
    ``key`` is the canonical name collections are stored under.

    Example::

        >>> t = parse_target("t.me/joinchat/AbCdEfGh1234")
        >>> t.kind, t.invite_hash, t.key
        (<TargetKind.INVITE: 'invite'>, 'AbCdEfGh1234', 'invite:AbCdEfGh1234')
    """

    kind: TargetKind
    username: str | None = None
    invite_hash: str | None = None
    peer_id: int | None = None
    peer_type: PeerType | None = None
    entity: Any = field(default=None, compare=False, repr=False)

    @property
    def marked_id(self) -> int | None:
        """The id in Telethon's / the Bot API's marked form (``-100…`` for channels)."""
        if self.peer_id is None:
            return None
        if self.peer_type is PeerType.CHANNEL:
            return -(_CHANNEL_MARK + self.peer_id)
        if self.peer_type is PeerType.CHAT:
            return -self.peer_id
        return self.peer_id

    def name(self) -> str:
        """The username of a USERNAME target (ValueError for any other kind)."""
        return _present(self.username, self, "username")

    def hash(self) -> str:
        """The invite hash of an INVITE target (ValueError for any other kind)."""
        return _present(self.invite_hash, self, "invite hash")

    def id(self) -> int:
        """The plain id of an ID target (ValueError for any other kind)."""
        return _present(self.peer_id, self, "id")

    @property
    def key(self) -> str:
        """Canonical store key: ``@name`` (lowercase), ``invite:HASH`` or ``id:<marked id>``."""
        if self.kind is TargetKind.USERNAME:
            return f"@{self.name().lower()}"
        if self.kind is TargetKind.INVITE:
            return f"invite:{self.invite_hash}"
        return f"id:{self.marked_id}"

    @property
    def display(self) -> str:
        """How messages name this target, e.g. ``@name`` or ``invite link t.me/+HASH``."""
        if self.kind is TargetKind.USERNAME:
            return f"@{self.username}"
        if self.kind is TargetKind.INVITE:
            return f"invite link t.me/+{self.invite_hash}"
        what = self.peer_type.value if self.peer_type else "chat"
        title = getattr(self.entity, "title", None)
        if isinstance(title, str) and title:
            named = f" {title!r}"
        elif self.username:
            named = f" @{self.username}"
        else:
            named = ""
        return f"{what}{named} (id {self.marked_id})"

    @property
    def resolvable(self) -> Any:
        """What to hand Telethon to resolve this target (entity, username, id)."""
        if self.kind is TargetKind.ENTITY:
            return self.entity
        if self.kind is TargetKind.USERNAME:
            return self.username
        if self.kind is TargetKind.ID:
            return self.marked_id
        raise ValueError("an invite link is resolved by checking or importing the invite")


def parse_target(value: Any) -> Target:
    """Parse a username, link, numeric id or Telethon entity into a :class:`Target`.

    Raises :class:`~tgkit.errors.InvalidTarget` for anything else, before any
    request is made.

    Example::

        >>> parse_target("@Research_Group") == parse_target("t.me/research_group")
        False
        >>> parse_target("@Research_Group").key == parse_target("t.me/research_group").key
        True
    """
    if isinstance(value, Target):
        return value
    if isinstance(value, bool):
        raise _invalid(value, "True/False is not a chat")
    if isinstance(value, str):
        return _from_text(value)
    if isinstance(value, TLObject):
        return _from_entity(value)
    number = _integral(value)
    if number is not None:
        return _from_id(value, number)
    raise _invalid(value, f"a {type(value).__name__} is not a chat")


def _integral(value: Any) -> int | None:
    """``value`` as an int when it is an integral number (int, NumPy integer), else None."""
    try:
        return operator.index(value)
    except TypeError:
        return None


def _from_text(value: str) -> Target:
    text = value.strip()
    for name, pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return _from_match(value, name, match)
    raise _invalid(value, _why_not(text))


def _from_match(value: str, name: str, match: re.Match[str]) -> Target:
    if name == "username":
        username = match["username"]
        if username.lower() in _RESERVED:
            raise _invalid(value, f"t.me/{username} is a Telegram page, not a chat")
        return Target(TargetKind.USERNAME, username=username)
    if name == "invite":
        return Target(TargetKind.INVITE, invite_hash=match["hash"])
    if name == "channel":
        channel_id = int(match["channel"])
        if not 0 < channel_id <= _MAX_ID:
            raise _invalid(value, "the channel id in a t.me/c/ link must be positive")
        return Target(TargetKind.ID, peer_id=channel_id, peer_type=PeerType.CHANNEL)
    return _from_id(value, int(match["id"]))


def _from_id(value: Any, number: int) -> Target:
    if number == 0 or abs(number) > _MAX_ID:
        raise _invalid(value, "ids are non-zero 64-bit integers")
    if number > 0:
        return Target(TargetKind.ID, peer_id=number)
    plain, peer_class = utils.resolve_id(number)
    peer_type = PeerType.CHANNEL if peer_class is types.PeerChannel else PeerType.CHAT
    return Target(TargetKind.ID, peer_id=plain, peer_type=peer_type)


def _from_entity(entity: TLObject) -> Target:
    try:
        peer = utils.get_peer(entity)
    except (TypeError, ValueError):
        raise _invalid(entity, f"a {type(entity).__name__} does not name a chat") from None
    if isinstance(peer, types.PeerChannel):
        peer_id, peer_type = peer.channel_id, PeerType.CHANNEL
    elif isinstance(peer, types.PeerChat):
        peer_id, peer_type = peer.chat_id, PeerType.CHAT
    else:
        peer_id, peer_type = peer.user_id, PeerType.USER
    username = getattr(entity, "username", None)
    return Target(
        TargetKind.ENTITY,
        username=username if isinstance(username, str) else None,
        peer_id=peer_id,
        peer_type=peer_type,
        entity=entity,
    )


def _why_not(text: str) -> str:
    if not text:
        return "it is empty"
    if _PHONE.fullmatch(text) and text.startswith("+"):
        return "it looks like a phone number; tgkit does not look chats up by phone"
    if re.search(r"\s", text):
        return "it contains spaces"
    if not text.isascii():
        return (
            "it has a character outside ASCII; Telegram usernames, links and ids are "
            "ASCII letters, digits and underscores"
        )
    if re.fullmatch(r"-?[0-9]+", text):
        return "ids are non-zero 64-bit integers (at most 19 digits)"
    if re.fullmatch(r"@?[A-Za-z0-9_]+", text):
        name = text.removeprefix("@")
        if not name[0].isalpha():
            return "a username must start with a letter"
        if len(name) < 5:
            return "a username has at least 5 characters"
        if len(name) > 32:
            return "a username has at most 32 characters"
    if "://" in text or "/" in text:
        return "it is not a t.me link to a username or an invite"
    return "it is not a username, link or id"


def _invalid(value: Any, reason: str) -> InvalidTarget:
    if isinstance(value, str) and _PHONE.fullmatch(value.strip()) and "+" in value:
        shown = "the value"  # a phone number is personal data: never echo it
    else:
        shown = _quote(value)
    return InvalidTarget(f"{shown} is not a chat target: {reason}. Pass {ACCEPTED_FORMS}.")


def _quote(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _present(value: T | None, target: Target, what: str) -> T:
    if value is None:
        raise ValueError(f"{target.display} ({target.kind.value}) has no {what}")
    return value
