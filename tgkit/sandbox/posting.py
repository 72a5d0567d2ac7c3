"""Adding messages to chats: numbering, ``pts``, who may post, generated history.

Supergroups and channels number their messages from 1 each and give every
new message the next channel ``pts``; basic groups share one id sequence for
the whole world (Telegram numbers them per account; the sandbox keeps one
number per message so every member sees the same id). Every text gets the
entities Telegram's server marks (urls, hashtags, mentions); a post in a
channel with a discussion group gets its copy there, as a message of the
channel, which comments reply to. Generated messages are decorated by a
``ContentMix`` drawing from a generator of its own.
"""

from __future__ import annotations

import random
from datetime import datetime

from tgkit.sandbox.content import ContentMix, detect_entities, thread_root
from tgkit.sandbox.generate import message_text, random_dates
from tgkit.sandbox.model import Chat, ChatKind, Forward, Message, User

__all__ = ["Timeline"]

_REPLY_SHARE = 0.08


class Timeline:
    """Appends messages to chats and generates plausible history."""

    def __init__(self, users: dict[int, User], rng: random.Random,
                 chats: dict[int, Chat] | None = None,
                 content_rng: random.Random | None = None) -> None:
        self._users = users
        self._rng = rng
        self.users = users
        self.chats: dict[int, Chat] = chats if chats is not None else {}
        self.content_rng = content_rng or random.Random("content")
        self.mix = ContentMix()
        self._sample: list[User] = []
        self._members: dict[int, tuple[tuple[int, int], list[int]]] = {}
        self._next_message_id = 1  # basic groups share one id sequence
        self._serial = 0

    def members_list(self, chat: Chat) -> list[int]:
        """The chat's member ids as a list (kept while membership does not change)."""
        cached = self._members.get(chat.id)
        if cached is None or cached[0] != (chat.version, len(chat.members)):
            cached = self._members[chat.id] = ((chat.version, len(chat.members)),
                                               list(chat.members))
        return cached[1]

    @property
    def users_sample(self) -> list[User]:
        """Up to 2,000 of the world's users (forward origins are drawn from them)."""
        if len(self._sample) < min(2000, len(self._users)):
            self._sample = list(self._users.values())[:2000]
        return self._sample

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
        **extra: object,
    ) -> Message:
        """Add a message; ``extra`` sets further ``Message`` fields (fwd, reactions, …)."""
        if chat.is_channel:
            message_id = max(chat.last_message_id(), chat.top_id) + 1
            chat.top_id = message_id
            chat.pts += 1
            pts = chat.pts
        else:
            message_id = self._next_message_id
            self._next_message_id += 1
            pts = 0
        if chat.kind is ChatKind.CHANNEL:  # posts carry both counters (one TL flag)
            views = 0 if views is None else views
            forwards = 0 if forwards is None else forwards
        self._serial += 1
        message = Message(message_id, chat.id, sender_id, date, text, reply_to, views,
                          forwards, pts, serial=self._serial)
        if "entities" not in extra and text:
            message.entities = detect_entities(text)
        for name, value in extra.items():
            setattr(message, name, value)
        if reply_to is not None and message.action is None and chat.kind is not ChatKind.CHANNEL:
            # a broadcast channel's replies are plain replies: its threads are comments
            replied = chat.find_message(reply_to)
            if replied is not None and message.thread_root is None:
                message.thread_root = thread_root(replied)
            if message.thread_root is not None:
                self.count_reply(chat, message.thread_root)
        chat.messages.append(message)
        self._copy_to_discussion(chat, message)
        return message

    def count_reply(self, chat: Chat, root_id: int) -> None:
        """One more reply in the thread of ``root_id`` (and, for a discussion copy, its post)."""
        root = chat.find_message(root_id)
        if root is None:
            return
        root.replies += 1
        root.revision += 1
        if root.sender_chat_id is not None and root.fwd is not None and root.fwd.post:
            channel = self.chats.get(root.sender_chat_id)
            post = channel.find_message(root.fwd.post) if channel else None
            if post is not None:
                post.replies += 1
                post.revision += 1

    def _copy_to_discussion(self, chat: Chat, post: Message) -> None:
        if chat.kind is not ChatKind.CHANNEL or chat.linked_chat_id is None or post.action:
            return
        group = self.chats.get(chat.linked_chat_id)
        if group is None:
            return
        if group.messages and group.messages[-1].date > post.date:
            return  # the group moved on; Telegram copies posts as they are made
        copy = self.append(
            group, None, post.date, post.text, entities=post.entities,
            sender_chat_id=chat.id, fwd=_origin(chat, post),
        )
        post.discussion_id = copy.id

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
            text, extra = self.mix.decorate(self.content_rng, chat, message_text(rng, author),
                                            author, date, end, self)
            made.append(self.append(chat, author.id if author else None, date, text,
                                    reply_to, views, forwards, **extra))
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


def _origin(channel: Chat, post: Message) -> Forward:
    return Forward("channel", post.date, from_id=channel.id, post=post.id,
                   post_author=post.post_author)
