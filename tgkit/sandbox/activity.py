"""Live activity: members of a chat keep posting at a steady rate.

Activity runs on its own daemon thread, not on any event loop, so it behaves
the same whether it is started from a notebook cell, a test, a coroutine or
the notebook layer's background loop; posts reach connected clients through
``World.post`` (thread-safe, delivered with ``call_soon_threadsafe``).
``stop()`` wakes the thread and joins it, leaving no thread or task behind.

    >>> from tgkit.sandbox import World
    >>> world = World()
    >>> group = world.add_supergroup("Chatty", members=20)
    >>> activity = world.start_activity(group, messages_per_second=200, count=5)
    >>> world.stop_activity(wait=True); len(group.messages)
    5
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import TYPE_CHECKING

from tgkit.sandbox.generate import message_text
from tgkit.sandbox.model import Chat, ChatKind, User

if TYPE_CHECKING:
    from tgkit.sandbox.world import World

__all__ = ["Activity"]

logger = logging.getLogger(__name__)


class Activity:
    """One chat's stream of generated messages on a background thread."""

    def __init__(self, world: World, chat: Chat, messages_per_second: float,
                 count: int | None, rng: random.Random) -> None:
        if messages_per_second <= 0:
            raise ValueError(f"messages_per_second must be > 0, got {messages_per_second}")
        if count is not None and count < 0:
            raise ValueError(f"count must be >= 0 or None, got {count}")
        self.chat = chat
        self.interval = 1.0 / messages_per_second
        self.count = count
        self.posted = 0
        self._world = world
        self._rng = rng
        self._authors = self._pick_authors(world, chat, rng)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sandbox-activity-{chat.id}", daemon=True)

    def __repr__(self) -> str:
        return f"<Activity {self.chat.title!r} every {self.interval:.3f}s posted={self.posted}>"

    @staticmethod
    def _pick_authors(world: World, chat: Chat, rng: random.Random) -> list[User | None]:
        if chat.kind is ChatKind.CHANNEL:
            return [None]
        living = [world.users[uid] for uid in chat.members if not world.users[uid].deleted]
        if not living:
            raise ValueError(f"{chat.title!r} has no members who could write messages")
        return list(rng.sample(living, k=min(len(living), 50)))

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait: bool = False) -> None:
        """Stop posting (after the ``count`` messages first, if ``wait``) and join the thread."""
        if not wait:
            self._stop.set()
        self._thread.join()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        due = time.monotonic()
        while self.count is None or self.posted < self.count:
            due += self.interval
            if self._stop.wait(max(0.0, due - time.monotonic())):
                return
            author = self._rng.choice(self._authors)
            try:
                self._world.post(self.chat, author, message_text(self._rng, author))
            except ValueError:  # the author left meanwhile: pick again next time
                logger.debug("activity author left %s", self.chat.title)
                continue
            self.posted += 1
