"""Posts keep being read: views and forwards of existing posts grow over time.

On Telegram a post's counters keep moving after it was posted: most views
come in the first day or two, a trickle after, and a share of readers
forward it or react to it. ``advance_engagement`` moves them by ``hours`` of that: each
post of a channel (or supergroup post that counts views) gains views in
proportion to the chat's audience, decaying with the post's age, and
forwards in proportion to the new views, and reactions (👍, ❤, 🔥) likewise; each change
bumps the message's ``revision``. Counters only grow, as Telegram's
do. Tracking's refresh (``tgkit.tracking``) has something to see.

>>> from tgkit.sandbox import World
>>> world = World(seed=1)
>>> channel = world.add_channel("News", subscribers=200)
>>> _ = world.generate_messages(channel, 5, days=2)
>>> before = [m.views for m in channel.messages]
>>> world.advance_engagement(channel, hours=6)
5
>>> all(m.views >= b for m, b in zip(channel.messages, before))
True
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from tgkit.sandbox.model import Chat, Message

if TYPE_CHECKING:
    from tgkit.sandbox.world import ChatTarget, World

__all__ = ["Engagement", "advance_engagement"]

#: A post's audience is read over a few days: the views still to come halve every day.
_HALF_LIFE_DAYS = 1.0
#: The share of a chat's audience that ever reads a post.
_REACH = 0.6
#: Forwards per view.
_FORWARD_RATE = 0.01
#: Reactions per view, and the emoji readers use.
_REACTION_RATE = 0.03
_EMOJI = ("👍", "❤", "🔥")


class Engagement:
    """``World`` methods: readers keep reading; chats get renamed."""

    def advance_engagement(
        self: World, chat: ChatTarget | None = None, *, hours: float = 1.0
    ) -> int:
        """Views, forwards and reactions of existing posts grow by ``hours`` of reading
        (every chat if None). Returns how many posts changed."""
        with self.lock:
            chats = list(self.chats.values()) if chat is None else [self.resolve_chat(chat)]
            return advance_engagement(chats, hours, self.now(), self._rng)

    def rename(self: World, chat: ChatTarget, username: str | None) -> Chat:
        """Change a chat's public username (as ``channels.updateUsername``); its id stays."""
        with self.lock:
            target = self.resolve_chat(chat)
            self.directory.rename(target, username)
            return target


def advance_engagement(
    chats: Iterable[Chat], hours: float, now: datetime, rng: random.Random
) -> int:
    """Advance the counters of every post in ``chats`` by ``hours``; returns posts changed."""
    if not isinstance(hours, int | float) or not hours > 0 or math.isinf(hours):
        raise ValueError(f"hours must be a finite number > 0, got {hours!r}")
    changed = 0
    for chat in chats:
        audience = chat.member_count * _REACH
        for message in chat.messages:
            if message.views is None or message.action is not None:
                continue
            gained = _new_views(audience, _age_days(message.date, now), hours, rng)
            if gained:
                _read(message, gained, rng)
                changed += 1
    return changed


def _read(message: Message, views: int, rng: random.Random) -> None:
    message.views = (message.views or 0) + views
    message.forwards = (message.forwards or 0) + _some(views, _FORWARD_RATE, rng)
    reacted = _some(views, _REACTION_RATE, rng)
    if reacted:
        reactions = dict(message.reactions or {})
        for _ in range(reacted):
            emoji = rng.choice(_EMOJI)
            reactions[emoji] = reactions.get(emoji, 0) + 1
        message.reactions = reactions
    message.revision += 1


def _some(count: int, rate: float, rng: random.Random) -> int:
    """How many of ``count`` readers do something each does with probability ``rate``."""
    return sum(1 for _ in range(count) if rng.random() < rate)


def _age_days(posted: datetime, now: datetime) -> float:
    return max(0.0, (now - posted).total_seconds() / 86400)


def _new_views(audience: float, age: float, hours: float, rng: random.Random) -> int:
    """Views expected between ``age`` and ``age + hours`` days, with some noise."""
    decay = math.log(2) / _HALF_LIFE_DAYS
    later = age + hours / 24
    expected = audience * (math.exp(-decay * age) - math.exp(-decay * later))
    return max(0, round(expected * rng.uniform(0.7, 1.3) + rng.random()))
