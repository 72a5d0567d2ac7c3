"""A sandbox with channels that post and are read, and sessions on it with a store."""

from __future__ import annotations

from pathlib import Path

from tgkit.core import SessionConfig
from tgkit.sandbox import World
from tgkit.session import TelegramSession

CHANNELS = ["@news_0", "@news_1", "@news_2"]
#: Messages each channel starts with.
STARTING = [120, 160, 200]


def tracking_world(seed: int = 7) -> World:
    world = World(seed=seed)
    world.me = world.add_user("Researcher", username="researcher")  # type: ignore[attr-defined]
    for index, count in enumerate(STARTING):
        channel = world.add_channel(f"News {index}", username=f"news_{index}", subscribers=300)
        channel.members[world.me.id] = world.now()  # type: ignore[attr-defined]
        world.generate_messages(channel, count, days=10)
    return world


def session(world: World, store: Path, name: str = "sandbox") -> TelegramSession:
    return TelegramSession.sandbox(
        world, world.me, name=name, store=store,  # type: ignore[attr-defined]
        config=SessionConfig(pacing=False),
    )


def posted(world: World) -> set[tuple[int, int]]:
    """(marked chat id, message id) of every written message in the world."""
    return {
        (-1000000000000 - chat.id, m.id)
        for chat in world.chats.values()
        for m in chat.messages
        if m.action is None
    }
