"""One request being answered: who asks, and how input peers resolve for them.

Input peers are checked as Telegram checks them: an ``access_hash`` must be
the one this account was given (``CHANNEL_INVALID``, ``USER_ID_INVALID``,
``PEER_ID_INVALID`` otherwise), and reading a private chat needs membership
(``CHANNEL_PRIVATE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telethon.tl import types
from telethon.tl.tlobject import TLObject

from tgkit.sandbox.model import Chat, ChatKind, Message, User
from tgkit.sandbox.rpcerror import RpcFailure
from tgkit.sandbox.views import Viewer

if TYPE_CHECKING:
    from tgkit.sandbox.sender import SandboxSender
    from tgkit.sandbox.world import World

__all__ = ["Call"]


@dataclass(slots=True)
class Call:
    """The world, the asking account (None before login) and its view of things."""

    world: World
    account: User | None
    sender: SandboxSender
    viewer: Viewer

    @property
    def me(self) -> User:
        if self.account is None:
            raise RpcFailure(401, "AUTH_KEY_UNREGISTERED")
        return self.account

    # Channels (supergroups and broadcast channels)

    def channel(self, peer: object) -> Chat:
        """The channel behind an ``InputChannel`` or ``InputPeerChannel``."""
        if isinstance(peer, (types.InputChannel, types.InputPeerChannel)):
            chat = self.world.chats.get(peer.channel_id)
            if (chat is not None and chat.is_channel
                    and peer.access_hash == self.world.hashes.of(self.me.id, chat.id)):
                return chat
        raise RpcFailure.of("CHANNEL_INVALID")

    def readable_channel(self, peer: object) -> Chat:
        """A channel this account may read: public, or one it is a member of."""
        chat = self.channel(peer)
        self.check_readable(chat)
        return chat

    def check_readable(self, chat: Chat) -> None:
        me = self.me.id
        if me in chat.banned or (chat.private and me not in chat.members):
            raise RpcFailure.of("CHANNEL_PRIVATE")
        if chat.kind is ChatKind.BASIC_GROUP and me not in chat.members:
            raise RpcFailure.of("CHAT_ID_INVALID")

    def is_admin(self, chat: Chat) -> bool:
        return self.me.id in chat.admins

    # Users

    def user(self, peer: object, error: str = "USER_ID_INVALID") -> User:
        """The user behind an ``InputUser``, ``InputPeerUser`` or the self variants."""
        if isinstance(peer, (types.InputUserSelf, types.InputPeerSelf)):
            return self.me
        if isinstance(peer, (types.InputUser, types.InputPeerUser)):
            user = self.world.users.get(peer.user_id)
            if user is not None and (
                user.id == self.me.id
                or peer.access_hash == self.world.hashes.of(self.me.id, user.id)
            ):
                return user
        raise RpcFailure.of(error)

    # Any peer

    def peer(self, peer: object) -> Chat | User:
        """The chat or user behind an ``InputPeer`` (``PEER_ID_INVALID`` if unknown)."""
        if isinstance(peer, types.InputPeerChannel):
            return self.channel(peer)
        if isinstance(peer, types.InputPeerChat):
            chat = self.world.chats.get(peer.chat_id)
            if chat is not None and chat.kind is ChatKind.BASIC_GROUP:
                return chat
            raise RpcFailure.of("PEER_ID_INVALID")
        if isinstance(peer, (types.InputPeerUser, types.InputPeerSelf)):
            return self.user(peer, error="PEER_ID_INVALID")
        raise RpcFailure.of("PEER_ID_INVALID")

    def readable_chat(self, peer: object) -> Chat:
        """A group or channel this account may read the history of."""
        target = self.peer(peer)
        if isinstance(target, User):
            raise RpcFailure.of("PEER_ID_INVALID")
        self.check_readable(target)
        return target

    # Entities for results

    def users(self, user_ids: Iterable[int]) -> list[TLObject]:
        """The users as this account sees them, each once, serialised (cached per viewer)."""
        return self.world.user_cache.render(self.viewer, dict.fromkeys(user_ids))

    def messages(self, chat: Chat, messages: Iterable[Message]) -> list[TLObject]:
        """The messages as this account sees them, serialised (cached)."""
        return self.world.message_cache.render(self.viewer, chat, messages)
