"""Targets to input peers: each username resolved once, then taken from the cache.

``Resolver.resolve(target)`` turns a parsed ``Target`` (``tgkit.telegram.targets``)
into a ``ResolvedChat``: the input peer requests need, the plain chat id, the
kind of peer and its title. Usernames and ids are looked up first in the
store's entity cache (``Store.find_entity``, no older than
``SessionConfig.entity_max_age``), then in this session's memory, and only then
asked of Telegram (``contacts.ResolveUsername``, the request Telegram limits
hardest). Whatever is resolved is written back to the cache.

Invite links are checked with ``messages.CheckChatInvite``: a link to a chat
this account is in (or may preview) resolves to the chat; a link to a chat it
is not in raises ``NotAMember`` (join it with ``join_and_scrape_members``).

Example::

    resolver = Resolver(rpc, store=store, account="12345", max_age=7 * 86400)
    chat = await resolver.resolve(parse_target("@some_group"))
    chat.input_peer, chat.chat_id, chat.kind
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from telethon import utils
from telethon.tl import functions, types

from tgkit.errors import ChatNotFound, NotAMember
from tgkit.store import EntityRecord
from tgkit.telegram.rpc import Rpc
from tgkit.telegram.targets import PeerType, Target, TargetKind

log = logging.getLogger(__name__)

__all__ = ["PeerKind", "ResolvedChat", "Resolver", "invite_link", "resolved_from_entity"]


class PeerKind(enum.Enum):
    """What a resolved target is."""

    CHANNEL = "channel"  # supergroups and broadcast channels
    CHAT = "chat"  # basic (legacy) groups
    USER = "user"


_PEER_TYPES = {
    PeerKind.CHANNEL: types.PeerChannel,
    PeerKind.CHAT: types.PeerChat,
    PeerKind.USER: types.PeerUser,
}

#: What a numeric id may be: basic groups come as negative ids (``PeerType.CHAT``),
#: so a bare positive id is a channel (``t.me/c/`` links) or a user.
_ID_KINDS: dict[PeerType | None, tuple[PeerKind, ...]] = {
    PeerType.CHANNEL: (PeerKind.CHANNEL,),
    PeerType.CHAT: (PeerKind.CHAT,),
    PeerType.USER: (PeerKind.USER,),
    None: (PeerKind.CHANNEL, PeerKind.USER),
}


@dataclass(frozen=True, slots=True)
class ResolvedChat:
    """A target Telegram knows: the input peer, plain id, kind, title and username."""

    input_peer: Any
    chat_id: int
    kind: PeerKind
    title: str | None
    username: str | None
    target: str

    @property
    def marked_id(self) -> int:
        """The id in Telethon's marked form (``-100…`` channels, ``-…`` basic groups)."""
        marked: int = utils.get_peer_id(_PEER_TYPES[self.kind](self.chat_id))
        return marked

    @property
    def input_channel(self) -> types.InputChannel:
        """The ``InputChannel`` of a supergroup or channel."""
        return utils.get_input_channel(self.input_peer)


class EntityCache(Protocol):
    """What the resolver needs from ``tgkit.store.Store``."""

    def save_entities(self, account: str, entities: Any) -> None: ...

    def find_entity(
        self,
        account: str,
        *,
        id: int | None = None,
        username: str | None = None,
        max_age: float | None = None,
    ) -> Any: ...


def resolved_from_entity(entity: Any, target: str) -> ResolvedChat:
    """A ``ResolvedChat`` for a Telethon ``Channel``, ``Chat`` or ``User``."""
    if isinstance(entity, types.User):
        kind, title = PeerKind.USER, utils.get_display_name(entity)
    elif isinstance(entity, types.Chat | types.ChatForbidden):
        kind, title = PeerKind.CHAT, entity.title
    else:
        kind, title = PeerKind.CHANNEL, getattr(entity, "title", None)
    return ResolvedChat(
        input_peer=utils.get_input_peer(entity),
        chat_id=entity.id,
        kind=kind,
        title=title,
        username=getattr(entity, "username", None),
        target=target,
    )


def invite_link(target: Target) -> str:
    """How error messages name an invite target: ``t.me/+HASH``."""
    return f"t.me/+{target.invite_hash}"


def _from_record(record: Any, target: str) -> ResolvedChat:
    kind = PeerKind(record.kind)
    if kind is PeerKind.CHANNEL:
        peer: Any = types.InputPeerChannel(record.id, record.access_hash or 0)
    elif kind is PeerKind.CHAT:
        peer = types.InputPeerChat(record.id)
    else:
        peer = types.InputPeerUser(record.id, record.access_hash or 0)
    return ResolvedChat(peer, record.id, kind, record.title, record.username, target)


class Resolver:
    """Resolves targets through the entity cache first, then Telegram."""

    def __init__(
        self,
        rpc: Rpc,
        *,
        store: EntityCache | None,
        account: str,
        max_age: float | None,
    ) -> None:
        self._rpc = rpc
        self._store = store
        self._account = account
        self._max_age = max_age
        self._by_username: dict[str, ResolvedChat] = {}
        self._by_id: dict[tuple[PeerKind, int], ResolvedChat] = {}
        self._by_invite: dict[str, ResolvedChat] = {}

    async def resolve(self, target: Target) -> ResolvedChat:
        """The chat ``target`` names; raises ``ChatNotFound``, ``PrivateChat``, ``NotAMember``."""
        if target.kind is TargetKind.ENTITY:
            return self.remember(resolved_from_entity(target.entity, target.display))
        if target.kind is TargetKind.USERNAME:
            return await self._resolve_username(target)
        if target.kind is TargetKind.INVITE:
            return await self._resolve_invite(target)
        return self._resolve_id(target)

    def remember(self, chat: ResolvedChat) -> ResolvedChat:
        """Keep ``chat`` in memory and in the store's entity cache."""
        if chat.username:
            self._by_username[chat.username.lower()] = chat
        self._by_id[(chat.kind, chat.chat_id)] = chat
        if self._store is not None:
            self._store.save_entities(self._account, [_entity_record(chat)])
        return chat

    def known(self) -> tuple[ResolvedChat, ...]:
        """Every chat resolved by this session so far."""
        return tuple(self._by_id.values())

    def forget_invite(self, invite_hash: str) -> None:
        """Drop a cached invite resolution (after joining, the answer changes)."""
        self._by_invite.pop(invite_hash, None)

    async def _resolve_username(self, target: Target) -> ResolvedChat:
        username = target.name().lower()
        cached = self._by_username.get(username) or self._cached(username=username)
        if cached is not None:
            return cached
        found = await self._rpc(
            functions.contacts.ResolveUsernameRequest(target.name()), target=target.display
        )
        entity = _entity_for_peer(found.peer, found.chats, found.users)
        if entity is None:
            raise ChatNotFound(f"Telegram knows no chat or user named {target.display}")
        return self.remember(resolved_from_entity(entity, target.display))

    async def _resolve_invite(self, target: Target) -> ResolvedChat:
        cached = self._by_invite.get(target.hash())
        if cached is not None:
            return cached
        invite = await self._rpc(
            functions.messages.CheckChatInviteRequest(target.hash()),
            target=invite_link(target),
        )
        chat = getattr(invite, "chat", None)
        if chat is None or isinstance(chat, types.ChatForbidden | types.ChannelForbidden):
            raise NotAMember(
                f"this account is not a member of the chat behind {target.display}; "
                "join it first with join_and_scrape_members"
            )
        resolved = self.remember(resolved_from_entity(chat, target.display))
        if isinstance(invite, types.ChatInviteAlready):
            self._by_invite[target.hash()] = resolved
        return resolved

    def _resolve_id(self, target: Target) -> ResolvedChat:
        candidates = _ID_KINDS[target.peer_type]
        peer_id = target.id()
        for kind in candidates:
            if (kind, peer_id) in self._by_id:
                return self._by_id[(kind, peer_id)]
        cached = self._cached(id=peer_id)
        if cached is not None and cached.kind in candidates:
            return cached
        peer = _session_peer(self._rpc.client, peer_id, candidates)
        if peer is not None:
            return self.remember(peer_chat(peer, target.display))
        # A user account cannot look a channel up by id alone (Telegram wants the
        # access hash it got with the chat), so ask nothing and say what works.
        raise ChatNotFound(
            f"{target.display} is not known to this account: tgkit can only use ids of chats "
            "it has seen; pass the chat's @username or invite link once so the id is cached"
        )

    def _cached(self, **query: Any) -> ResolvedChat | None:
        if self._store is None:
            return None
        record = self._store.find_entity(self._account, max_age=self._max_age, **query)
        if record is None:
            return None
        display = f"@{record.username}" if record.username else f"id:{record.id}"
        chat = _from_record(record, display)
        self._by_id[(chat.kind, chat.chat_id)] = chat
        return chat


def peer_chat(peer: Any, target: str) -> ResolvedChat:
    """A ``ResolvedChat`` for an input peer (no title known)."""
    if isinstance(peer, types.InputPeerChannel):
        return ResolvedChat(peer, peer.channel_id, PeerKind.CHANNEL, None, None, target)
    if isinstance(peer, types.InputPeerChat):
        return ResolvedChat(peer, peer.chat_id, PeerKind.CHAT, None, None, target)
    return ResolvedChat(peer, peer.user_id, PeerKind.USER, None, None, target)


def _session_peer(client: Any, peer_id: int, kinds: tuple[PeerKind, ...]) -> Any:
    """The input peer Telethon's own session remembers for ``peer_id``, if any."""
    for kind in kinds:
        try:
            peer = client.session.get_input_entity(_PEER_TYPES[kind](peer_id))
        except (ValueError, TypeError, KeyError):
            continue
        if peer is not None and not isinstance(peer, types.InputPeerEmpty):
            return peer
    return None


def _entity_for_peer(peer: Any, chats: list[Any], users: list[Any]) -> Any:
    if isinstance(peer, types.PeerUser):
        return next((u for u in users if u.id == peer.user_id), None)
    peer_id = utils.get_peer_id(peer, add_mark=False)
    return next((c for c in chats if c.id == peer_id), None)


def _entity_record(chat: ResolvedChat) -> EntityRecord:
    return EntityRecord(
        kind=chat.kind.value,
        id=chat.chat_id,
        access_hash=getattr(chat.input_peer, "access_hash", None),
        username=chat.username,
        title=chat.title,
        seen_at=time.time(),
    )
