"""What generated messages carry besides words: links, hashtags, mentions, forwards,
reactions, signatures and edits, in shares like real chats.

Telegram's server marks urls, hashtags and @mentions in every text it
receives (clients add ``text_url`` and ``mention_name`` themselves);
:func:`detect_entities` does the same, counting offsets in UTF-16 code
units. :class:`ContentMix` decorates generated messages from its own seeded
generator, so a world's people and texts stay what they were before.

    >>> [(e.kind, e.offset, e.length) for e in detect_entities("🔥 #news at t.me/x")]
    [('hashtag', 3, 5), ('url', 12, 6)]
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tgkit.sandbox.model import Chat, ChatKind, Entity, Forward, Message, User

__all__ = ["ContentMix", "detect_entities", "utf16_len"]

_URL = re.compile(r"(?:https?://|\bt\.me/)[^\s]+", re.ASCII)
_HASHTAG = re.compile(r"(?<![\w#])#\w+")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z]\w{4,31}\b", re.ASCII)

_HASHTAGS = ("#news", "#breaking", "#analysis", "#climate", "#elections", "#economy",
             "#sport", "#tech", "#health", "#opinion", "#video", "#update")
_DOMAINS = ("example-news.org", "daily-report.net", "youtube.com", "wikipedia.org",
            "research-blog.io", "gov.example")
_EMOJI = ("🔥", "⚡️", "📢", "🌍", "😂", "❤️", "👍", "📊")
_REACTIONS = ("👍", "❤", "🔥", "😢", "😂", "😡", "🤔", "👏")


def utf16_len(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, as Telegram measures offsets."""
    return len(text.encode("utf-16-le")) // 2


def detect_entities(text: str) -> tuple[Entity, ...]:
    """The url, hashtag and mention entities Telegram's server marks in ``text``."""
    if "#" not in text and "@" not in text and "/" not in text:
        return ()
    found: list[tuple[int, str, int, int]] = []
    for kind, pattern in (("url", _URL), ("hashtag", _HASHTAG), ("mention", _MENTION)):
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "url":
                while end > start and text[end - 1] in ".,;:!?)":
                    end -= 1
            found.append((start, kind, start, end))
    found.sort()
    entities = []
    taken = -1
    for start, kind, _, end in found:
        if start < taken:
            continue  # inside a link already marked
        taken = end
        offset = utf16_len(text[:start])
        entities.append(Entity(kind, offset, utf16_len(text[start:end])))
    return tuple(entities)


@dataclass(frozen=True, slots=True)
class ContentMix:
    """Shares of generated messages with each feature, for channels and for groups."""

    forward: tuple[float, float] = (0.15, 0.04)  # (channel posts, group messages)
    url: tuple[float, float] = (0.30, 0.06)
    hashtag: tuple[float, float] = (0.25, 0.03)
    mention: tuple[float, float] = (0.08, 0.05)
    text_url: tuple[float, float] = (0.05, 0.01)
    emoji: tuple[float, float] = (0.20, 0.10)
    reactions: tuple[float, float] = (0.60, 0.15)
    edited: tuple[float, float] = (0.06, 0.05)
    via_bot: tuple[float, float] = (0.0, 0.01)

    def decorate(self, rng: random.Random, chat: Chat, text: str, author: User | None,
                 date: datetime, now: datetime, world: Any) -> tuple[str, dict[str, Any]]:
        """The text with links, tags and mentions added, and the message's other fields."""
        side = 0 if chat.kind is ChatKind.CHANNEL else 1
        extra: dict[str, Any] = {}
        explicit: list[Entity] = []
        if rng.random() < self.emoji[side]:
            text = f"{rng.choice(_EMOJI)} {text}"
        if rng.random() < self.hashtag[side]:
            text += " " + " ".join(rng.sample(_HASHTAGS, k=rng.randint(1, 2)))
        if rng.random() < self.url[side]:
            text += " " + _link(rng, chat, world)
        if rng.random() < self.mention[side]:
            handle = _handle(rng, chat, world)
            if handle:
                text += f" @{handle}"
        if rng.random() < self.text_url[side]:
            word = "source"
            explicit.append(Entity("text_url", utf16_len(text) + 1, len(word),
                                   url=f"https://{rng.choice(_DOMAINS)}/{rng.randint(1, 9999)}"))
            text += f" {word}"
        if side == 1 and rng.random() < self.mention[side] / 3:
            named = _nameless_member(rng, chat, world)
            if named is not None:
                explicit.append(Entity("mention_name", utf16_len(text) + 1,
                                       utf16_len(named.first_name), user_id=named.id))
                text += f" {named.first_name}"
        entities = sorted(detect_entities(text) + tuple(explicit), key=lambda e: e.offset)
        extra["entities"] = tuple(entities)
        if rng.random() < self.forward[side]:
            extra["fwd"] = _forward(rng, chat, date, world)
        if rng.random() < self.reactions[side]:
            extra["reactions"] = _reactions(rng, chat)
        if rng.random() < self.edited[side]:
            edited = date + timedelta(minutes=rng.randint(1, 240))
            extra["edit_date"] = min(edited, now)
        if side == 1 and rng.random() < self.via_bot[side]:
            bots = [uid for uid in world.members_list(chat)[:500] if world.users[uid].bot]
            if bots:
                extra["via_bot_id"] = rng.choice(bots)
        if chat.signatures and chat.admins:
            admin = world.users.get(rng.choice(list(chat.admins)))
            extra["post_author"] = admin.display_name if admin else None
        return text, extra


def _public_chats(chat: Chat, world: Any) -> list[Chat]:
    return [c for c in world.chats.values()
            if c is not chat and c.username and c.is_channel and not c.private]


def _link(rng: random.Random, chat: Chat, world: Any) -> str:
    others = _public_chats(chat, world)
    if others and rng.random() < 0.3:
        other = rng.choice(others)
        post = rng.randint(1, max(1, other.last_message_id()))
        return f"https://t.me/{other.username}/{post}"
    return f"https://{rng.choice(_DOMAINS)}/{rng.randint(1, 99999)}"


def _handle(rng: random.Random, chat: Chat, world: Any) -> str | None:
    others = _public_chats(chat, world)
    if chat.kind is ChatKind.CHANNEL or not chat.members:
        return rng.choice(others).username if others else None
    members = world.members_list(chat)
    sample = [world.users[uid] for uid in rng.sample(members, k=min(5, len(members)))]
    named = [user.username for user in sample if user.username]
    if others and rng.random() < 0.3:
        return rng.choice(others).username
    return named[0] if named else None


def _nameless_member(rng: random.Random, chat: Chat, world: Any) -> User | None:
    members = world.members_list(chat)
    ids = rng.sample(members, k=min(5, len(members)))
    people = [world.users[uid] for uid in ids]
    return next((p for p in people if not p.username and not p.deleted and p.first_name), None)


def _forward(rng: random.Random, chat: Chat, date: datetime, world: Any) -> Forward:
    roll = rng.random()
    sources = [c for c in _public_chats(chat, world) if c.kind is ChatKind.CHANNEL]
    if roll < 0.65 and sources:
        source = rng.choice(sources)
        post = rng.randint(1, max(1, source.last_message_id()))
        return Forward("channel", date - timedelta(minutes=rng.randint(1, 600)),
                       from_id=source.id, post=post)
    user = _someone(rng, world)
    when = date - timedelta(minutes=rng.randint(1, 600))
    if user is None or user.hides_forwards or roll > 0.9:
        name = user.display_name if user is not None else "Anonymous"
        return Forward("hidden", when, name=name)
    return Forward("user", when, from_id=user.id)


def _someone(rng: random.Random, world: Any) -> User | None:
    users: Sequence[User] = world.users_sample
    if not users:
        return None
    user = rng.choice(users)
    return None if user.deleted else user


def _reactions(rng: random.Random, chat: Chat) -> dict[str, int]:
    audience = max(chat.member_count, 10)
    draw = rng.random
    kinds = 1 + int(draw() * 4)
    start = int(draw() * len(_REACTIONS))
    counts = {}
    for rank in range(kinds):
        emoji = _REACTIONS[(start + rank * 3) % len(_REACTIONS)]
        counts[emoji] = 1 + int(draw() * max(1, audience // (20 * (rank + 1))))
    return counts


def thread_root(replied: Message) -> int:
    """The thread a reply to ``replied`` belongs to: the root of ``replied``'s own thread."""
    return replied.thread_root or replied.id
