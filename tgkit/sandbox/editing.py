"""What happens to messages after they are sent, and channels' discussion groups.

``World`` gets these methods from :class:`ChannelActions`: forwarding,
editing, deleting, reacting, pinning, chat details (verification, scam and
fake flags, restrictions, slow mode, signatures), and discussion groups with
comment threads. Each change reaches connected clients as the update
Telegram sends (see :mod:`tgkit.sandbox.changes`).

    >>> from tgkit.sandbox import World
    >>> world = World(seed=3)
    >>> admin = world.add_user("Ed", username="editor_ed")
    >>> channel = world.add_channel("Daily", username="daily_news", admins=[admin])
    >>> group = world.add_discussion_group(channel, members=20)
    >>> post = world.post(channel, None, "Hello #world")
    >>> comment = world.comment(channel, post.id, world.user(next(iter(group.members))), "First!")
    >>> channel.find_message(post.id).replies, comment.thread_root == post.discussion_id
    (1, True)
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tgkit.sandbox.generate import message_text, random_dates
from tgkit.sandbox.model import Chat, ChatKind, Forward, Message, User

if TYPE_CHECKING:
    from tgkit.sandbox.world import World

__all__ = ["ChannelActions"]

ChatTarget = Chat | str | int


class ChannelActions:
    """Forwards, edits, deletions, reactions, pins, chat details and discussion groups."""

    def forward(self: World, chat: ChatTarget, sender: User | None, source: Chat | User,
                message_id: int | None = None, *, date: datetime | None = None) -> Message:
        """Forward into ``chat``: a message of channel ``source`` (``message_id``) or, with
        a user as ``source``, something they wrote (hidden if they hide their account)."""
        with self.lock:
            target = self.resolve_chat(chat)
            when = date or self.now()
            if isinstance(source, User):
                fwd = (Forward("hidden", when, name=source.display_name)
                       if source.hides_forwards else Forward("user", when, from_id=source.id))
                text = "forwarded note"
            else:
                original = source.find_message(message_id or 0)
                if original is None:
                    raise ValueError(f"message_id={message_id}: no such message in "
                                     f"{source.title!r}")
                kind = "channel" if source.kind is ChatKind.CHANNEL else "user"
                origin = source.id if kind == "channel" else original.sender_id
                fwd = Forward(kind, original.date, from_id=origin,
                              post=original.id if kind == "channel" else None,
                              post_author=original.post_author)
                text = original.text
            return self._add(target, sender, text, when, fwd=fwd)

    def _add(self: World, chat: Chat, sender: User | None, text: str, when: datetime,
             reply_to: int | None = None, **extra: Any) -> Message:
        sender_id = self.timeline.poster(chat, sender)
        if chat.messages and when < chat.messages[-1].date:
            raise ValueError(f"date {when.isoformat()} is before the last message of "
                             f"{chat.title!r}; post in time order")
        message = self.timeline.append(chat, sender_id, when, text, reply_to, **extra)
        self._deliver(chat, message)
        return message

    def _deliver(self: World, chat: Chat, message: Message) -> None:
        self.delivery.message_posted(chat, message, origin=None)
        if message.discussion_id is not None and chat.linked_chat_id is not None:
            group = self.chats[chat.linked_chat_id]
            copy = group.find_message(message.discussion_id)
            if copy is not None:
                self.delivery.message_posted(group, copy, origin=None)

    def edit(self: World, chat: ChatTarget, message_id: int, text: str,
             date: datetime | None = None) -> Message:
        """Change a message's text; it gets ``edit_date`` and members get the edit."""
        with self.lock:
            target = self.resolve_chat(chat)
            message = _existing(target, message_id)
            from tgkit.sandbox.content import detect_entities

            message.text = text
            message.entities = detect_entities(text)
            message.edit_date = date or self.now()
            message.revision += 1
            self.delivery.message_changed(target, message)
            return message

    def delete(self: World, chat: ChatTarget, message_ids: int | Iterable[int]) -> None:
        """Delete messages for everyone; members get the ids (and, in channels, the channel)."""
        with self.lock:
            target = self.resolve_chat(chat)
            ids = (message_ids,) if isinstance(message_ids, int) else tuple(message_ids)
            for message_id in ids:
                _existing(target, message_id)
            gone = set(ids)
            target.messages[:] = [m for m in target.messages if m.id not in gone]
            self.delivery.message_changed(target, None, ids)

    def react(self: World, chat: ChatTarget, message_id: int, emoji: str,
              count: int = 1) -> Message:
        """``count`` more reactions ``emoji`` on a message."""
        with self.lock:
            message = _existing(self.resolve_chat(chat), message_id)
            reactions = dict(message.reactions or {})
            reactions[emoji] = reactions.get(emoji, 0) + count
            message.reactions = reactions
            message.revision += 1
            return message

    def pin(self: World, chat: ChatTarget, message_id: int, by: User | None = None) -> Message:
        """Pin a message: it is marked pinned and a service message says so."""
        with self.lock:
            target = self.resolve_chat(chat)
            message = _existing(target, message_id)
            message.pinned = True
            message.revision += 1
            target.pinned_id = message_id
            actor = by.id if by is not None else target.creator_id
            if target.kind is ChatKind.CHANNEL:
                actor = None  # a channel's service messages are the channel's
            service = self.timeline.append(target, actor, self.now(), "", message_id,
                                           action="pin")
            self._deliver(target, service)
            return service

    def set_chat_details(self: World, chat: ChatTarget, **details: Any) -> Chat:
        """Set ``verified``, ``scam``, ``fake``, ``signatures``, ``slowmode_seconds`` or
        ``restrictions`` (a list of (platform, reason, text), e.g. ("all", "porn", "…"))."""
        allowed = {"verified", "scam", "fake", "signatures", "slowmode_seconds", "restrictions"}
        unknown = set(details) - allowed
        if unknown:
            raise ValueError(f"unknown chat details {sorted(unknown)}; known: {sorted(allowed)}")
        with self.lock:
            target = self.resolve_chat(chat)
            for name, value in details.items():
                setattr(target, name, tuple(map(tuple, value)) if name == "restrictions"
                        else value)
            return target

    # Discussion groups

    def add_discussion_group(self: World, channel: ChatTarget, title: str | None = None,
                             username: str | None = None, members: int | Iterable[User] = 0,
                             *, comments: int = 0, days: float = 2.0) -> Chat:
        """A supergroup linked to ``channel`` as its discussion group.

        Posts the channel already has get their copy in the group (as if linked
        from the start), so they can be commented on; ``comments`` generated
        comments are spread over them, each within ``days`` of its post.
        """
        with self.lock:
            source = self.resolve_chat(channel)
            if source.kind is not ChatKind.CHANNEL:
                raise ValueError(f"{source.title!r} is not a broadcast channel")
            if source.linked_chat_id is not None:
                raise ValueError(f"{source.title!r} already has a discussion group")
            group = self.add_supergroup(title or f"{source.title} Chat", username, members,
                                        admins=[self.users[a] for a in source.admins])
            source.linked_chat_id = group.id
            group.linked_chat_id = source.id
            _backfill_thread(self, source, group, comments, days)
            return group

    def comment(self: World, channel: ChatTarget, post_id: int, sender: User, text: str,
                reply_to: int | None = None) -> Message:
        """A comment under a channel post (``reply_to``: another comment it answers)."""
        with self.lock:
            source = self.resolve_chat(channel)
            group, copy = _discussion(self, source, post_id)
            if sender.id not in group.members:
                self.join(group, sender)
            answered = reply_to if reply_to is not None else copy.id
            if group.find_message(answered) is None:
                raise ValueError(f"reply_to={reply_to}: no such comment")
            return self._add(group, sender, text, self.now(), reply_to=answered,
                             thread_root=copy.id)


def _existing(chat: Chat, message_id: int) -> Message:
    message = chat.find_message(message_id)
    if message is None:
        raise ValueError(f"message_id={message_id}: no such message in {chat.title!r}")
    return message


def _discussion(world: World, channel: Chat, post_id: int) -> tuple[Chat, Message]:
    if channel.linked_chat_id is None or channel.kind is not ChatKind.CHANNEL:
        raise ValueError(f"{channel.title!r} has no discussion group: add_discussion_group")
    post = _existing(channel, post_id)
    group = world.chats[channel.linked_chat_id]
    copy = group.find_message(post.discussion_id or 0)
    if copy is None:
        raise ValueError(f"post {post_id} of {channel.title!r} has no comment thread")
    return group, copy


def _backfill_thread(world: World, channel: Chat, group: Chat, comments: int,
                     days: float) -> None:
    """Copies of the channel's posts and ``comments`` comments, merged in time order."""
    rng = world.timeline.content_rng
    posts = [m for m in channel.messages if m.action is None]
    now = world.now()
    events: list[tuple[datetime, int, Message]] = [(p.date, 0, p) for p in posts]
    commented = [p for p in posts if rng.random() < 0.7] or posts
    if commented and comments:
        for _ in range(comments):
            post = rng.choice(commented)
            end = min(now, post.date + timedelta(days=days))
            when = random_dates(rng, post.date, end, 1)[0] + timedelta(seconds=1)
            events.append((min(when, now), 1, post))
    events.sort(key=lambda event: (event[0], event[1]))
    people = [world.users[u] for u in group.members if not world.users[u].deleted]
    thread_of: dict[int, list[int]] = {}
    for when, kind, post in events:
        assert post is not None
        if kind == 0:
            copy = world.timeline.append(group, None, when, post.text, entities=post.entities,
                                         sender_chat_id=channel.id,
                                         fwd=Forward("channel", post.date, from_id=channel.id,
                                                     post=post.id))
            post.discussion_id = copy.id
            thread_of[copy.id] = []
            continue
        if post.discussion_id is None or not people:
            continue
        _generated_comment(world, rng, group, post.discussion_id, thread_of, people, when)


def _generated_comment(world: World, rng: random.Random, group: Chat, root: int,
                       thread_of: dict[int, list[int]], people: list[User],
                       when: datetime) -> None:
    author = rng.choice(people)
    earlier = thread_of[root]
    answered = rng.choice(earlier) if earlier and rng.random() < 0.25 else root
    text, extra = world.timeline.mix.decorate(rng, group, message_text(rng, author), author,
                                              when, world.now(), world.timeline)
    extra.pop("fwd", None)
    comment = world.timeline.append(group, author.id, when, text, answered,
                                    thread_root=root, **extra)
    earlier.append(comment.id)
