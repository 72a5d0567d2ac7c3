"""Adding messages to chats: numbering, ``pts``, who may post, generated history.

Supergroups and channels number their messages from 1 each and give every
new message the next channel ``pts``; basic groups share one id sequence for
the whole world (Telegram numbers them per account; the sandbox keeps one
number per message so every member sees the same id).
"""

from __future__ import annotations

import random
from datetime import datetime

from tgkit.sandbox.generate import message_text, random_dates
from tgkit.sandbox.model import Chat, ChatKind, Message, User

__all__ = ["Timeline"]

_REPLY_SHARE = 0.08


class Timeline:
    """Appends messages to chats and generates plausible history."""

    def __init__(self, users: dict[int, User], rng: random.Random) -> None:
        self._users = users
        self._rng = rng
        self._next_message_id = 1  # basic groups share one id sequence
        self._serial = 0

    def poster(self, chat: Chat, sender: User | None) -> int | None:
        """The sender id a message of ``sender`` in ``chat`` carries (None: the channel)."""
        if chat.kind is ChatKind.CHANNEL:
            if sender is not None and sender.id not in chat.admins:
                raise ValueError(f"only admins post in channel {chat.title!r}; pass sender=None")
            return None
        if sender is None or sender.id not in chat.members:
            raise ValueError(
                f"sender must be a member of {chat.title!r}; call world.join(chat, user) first"
            )
        return sender.id

    def append(
        self, chat: Chat, sender_id: int | None, date: datetime, text: str,
        reply_to: int | None = None, views: int | None = None, forwards: int | None = None,
    ) -> Message:
        if chat.is_channel:
            message_id = chat.last_message_id() + 1
            chat.pts += 1
            pts = chat.pts
        else:
            message_id = self._next_message_id
            self._next_message_id += 1
            pts = 0
        if chat.kind is ChatKind.CHANNEL and views is None:
            views = 0
        self._serial += 1
        message = Message(message_id, chat.id, sender_id, date, text, reply_to, views,
                          forwards, pts, serial=self._serial)
        chat.messages.append(message)
        return message

    def generate(self, chat: Chat, count: int, start: datetime, end: datetime) -> list[Message]:
        """``count`` messages by a pool of active members, dated between ``start`` and ``end``."""
        rng = self._rng
        dates = random_dates(rng, start, end, count)
        authors = self._authors(chat, count)
        first_new = len(chat.messages)
        made = []
        for date, author in zip(dates, authors, strict=True):
            reply_to = None
            if len(chat.messages) > first_new + 1 and rng.random() < _REPLY_SHARE:
                reply_to = chat.messages[rng.randrange(first_new, len(chat.messages))].id
            views = forwards = None
            if chat.kind is ChatKind.CHANNEL:
                views = rng.randint(chat.member_count // 10, chat.member_count + 1)
                forwards = rng.randint(0, 20)
            made.append(self.append(chat, author.id if author else None, date,
                                    message_text(rng, author), reply_to, views, forwards))
        return made

    def _authors(self, chat: Chat, count: int) -> list[User | None]:
        if chat.kind is ChatKind.CHANNEL:
            return [None] * count
        users = self._users
        living = [users[uid] for uid in chat.members if not users[uid].deleted]
        if not living:
            raise ValueError(f"{chat.title!r} has no members who could write messages")
        # A minority of members writes most messages, as in real groups.
        pool = self._rng.sample(living, k=min(len(living), max(10, len(living) // 20)))
        return [self._rng.choice(pool) for _ in range(count)]
