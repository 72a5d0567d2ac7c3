"""Who and what exists in a world: users, chats, usernames, invites, memberships.

The directory hands out ids (realistic, random gaps, deterministic for a
seed), keeps usernames unique (case-insensitively, as Telegram does) and
finds chats from the targets researchers type: ``@name``, ``name``,
``https://t.me/name``, invite links and (marked) numeric ids.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from tgkit.sandbox.generate import random_dates
from tgkit.sandbox.model import Chat, ChatKind, Invite, User
from tgkit.sandbox.rpc.users import USERNAME

__all__ = ["INVITE_ALPHABET", "Directory"]

INVITE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
_MARKED_CHANNEL = 1_000_000_000_000


class Directory:
    """The world's users, chats and invite links, and the indexes over them."""

    def __init__(self, rng: random.Random, created: datetime) -> None:
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.invites: dict[str, Invite] = {}
        self._rng = rng
        self._created = created
        self._usernames: dict[str, User | Chat] = {}
        self._channels_of: dict[int, set[int]] = {}
        self._next_user_id = 5_000_000_000 + rng.randrange(1_000_000)
        self._next_channel_id = 1_700_000_000 + rng.randrange(1_000_000)
        self._next_chat_id = 900_000_000 + rng.randrange(1_000_000)

    # Users

    def new_user(self, user_id: int | None = None, **fields: object) -> User:
        if user_id is None:
            self._next_user_id += self._rng.randint(1, 997)
            user_id = self._next_user_id
        user = User(id=user_id, **fields)  # type: ignore[arg-type]
        self.users[user.id] = user
        if user.username:
            self._usernames[user.username.casefold()] = user
        return user

    def free_username(self, wanted: str) -> str:
        """``wanted`` if nobody has it, else ``wanted`` with digits appended."""
        if wanted.casefold() not in self._usernames:
            return wanted
        stem = wanted[:24]
        while True:
            candidate = f"{stem}{self._rng.randint(10, 99999)}"
            if candidate.casefold() not in self._usernames:
                return candidate

    @staticmethod
    def check_id_free(wanted: int, taken: Mapping[int, object]) -> None:
        if not isinstance(wanted, int) or wanted <= 0:
            raise ValueError(f"id must be a positive integer, got {wanted!r}")
        if wanted in taken:
            raise ValueError(f"id {wanted} is taken in this world")

    def check_username_free(self, username: str) -> None:
        if not USERNAME.fullmatch(username):
            raise ValueError(
                f"username {username!r} is not valid: 5-32 letters, digits or underscores, "
                "starting with a letter"
            )
        if username.casefold() in self._usernames:
            raise ValueError(f"username {username!r} is taken in this world")

    def check_users(self, people: Sequence[object]) -> None:
        for person in people:
            if not isinstance(person, User) or self.users.get(person.id) is not person:
                raise ValueError(f"members must be users of this world, got {person!r}")

    # Chats

    def new_chat(self, kind: ChatKind, title: str, chat_id: int | None, **fields: object) -> Chat:
        if chat_id is None:
            chat_id = self._new_chat_id(kind)
        created = self._created - timedelta(days=self._rng.randint(60, 2000))
        chat = Chat(id=chat_id, kind=kind, title=title, created=created, **fields)  # type: ignore[arg-type]
        self.chats[chat.id] = chat
        if chat.username:
            self._usernames[chat.username.casefold()] = chat
        return chat

    def remove_chat(self, chat_id: int) -> None:
        """Delete a chat: its id and username lead nowhere from now on."""
        chat = self.chats.pop(chat_id)
        if chat.username:
            self._usernames.pop(chat.username.casefold(), None)
        for members in self._channels_of.values():
            members.discard(chat_id)

    def _new_chat_id(self, kind: ChatKind) -> int:
        if kind is ChatKind.BASIC_GROUP:
            self._next_chat_id += self._rng.randint(1, 9973)
            return self._next_chat_id
        self._next_channel_id += self._rng.randint(1, 99991)
        return self._next_channel_id

    def add_invite(self, chat: Chat, expired: bool, request_needed: bool,
                   link_hash: str | None) -> Invite:
        invite_hash = link_hash or "".join(self._rng.choice(INVITE_ALPHABET) for _ in range(16))
        if invite_hash in self.invites or not all(c in INVITE_ALPHABET for c in invite_hash):
            raise ValueError(f"link_hash {invite_hash!r} is taken or has characters "
                             "other than letters, digits, '_' and '-'")
        invite = self.invites[invite_hash] = Invite(invite_hash, chat.id, expired, request_needed)
        return invite

    # Memberships

    def join_many(self, chat: Chat, people: Sequence[User]) -> None:
        """Add ``people`` with join dates spread from the chat's birth to the world's."""
        dates = random_dates(self._rng, chat.created, self._created, len(people))
        for person, date in zip(people, dates, strict=True):
            chat.members[person.id] = date
            if chat.is_channel:
                self._channels_of.setdefault(person.id, set()).add(chat.id)
        chat.version += 1

    def add_member(self, chat: Chat, user: User, date: datetime) -> None:
        chat.banned.discard(user.id)
        if user.id in chat.members:
            return
        chat.members[user.id] = date
        chat.version += 1
        if chat.is_channel:
            self._channels_of.setdefault(user.id, set()).add(chat.id)

    def remove_member(self, chat: Chat, user: User) -> None:
        if chat.members.pop(user.id, None) is not None:
            chat.admins.pop(user.id, None)
            chat.version += 1
            self._channels_of.get(user.id, set()).discard(chat.id)

    def channel_count(self, user: User) -> int:
        return len(self._channels_of.get(user.id, ()))

    # Lookup

    def rename(self, entity: User | Chat, username: str | None) -> None:
        """Give ``entity`` a new username (None: none); the old one is free again."""
        if username is not None:
            self.check_username_free(username)
        if entity.username:
            self._usernames.pop(entity.username.casefold(), None)
        entity.username = username
        if username:
            self._usernames[username.casefold()] = entity

    def find_username(self, username: str) -> User | Chat | None:
        return self._usernames.get(username.lstrip("@").casefold())

    def chat(self, key: str | int) -> Chat:
        found = self.chats.get(key) if isinstance(key, int) else self.find_username(key)
        if not isinstance(found, Chat):
            raise KeyError(f"no chat {key!r} in this world")
        return found

    def user(self, key: str | int) -> User:
        found = self.users.get(key) if isinstance(key, int) else self.find_username(key)
        if not isinstance(found, User):
            raise KeyError(f"no user {key!r} in this world")
        return found

    def user_by_phone(self, phone: str) -> User | None:
        digits = "".join(char for char in phone if char.isdigit())
        return next((u for u in self.users.values() if u.phone == digits), None)

    def resolve_chat(self, chat: Chat | str | int) -> Chat:
        if isinstance(chat, Chat):
            self.check_chat(chat)
            return chat
        if isinstance(chat, int):  # plain, or marked as Telethon marks them (-id, -100id)
            plain = -chat if chat < 0 else chat
            if chat < 0 and plain > _MARKED_CHANNEL:
                plain -= _MARKED_CHANNEL
            return self.chat(plain)
        text = chat.strip()
        for prefix in ("https://", "http://", "t.me/", "telegram.me/", "@", "s/"):
            text = text.removeprefix(prefix)
        for prefix in ("t.me/", "telegram.me/", "s/", "joinchat/", "+"):
            text = text.removeprefix(prefix)
        invite = self.invites.get(text)
        if invite is not None:
            return self.chats[invite.chat_id]
        return self.chat(text)

    def check_chat(self, chat: Chat) -> None:
        if not isinstance(chat, Chat) or self.chats.get(chat.id) is not chat:
            raise ValueError(f"chat must be a chat of this world, got {chat!r}")
