"""A sandbox with channels that post and are read, and a session with a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tgkit.core import SessionConfig
from tgkit.sandbox import World
from tgkit.session import TelegramSession


@pytest.fixture
def world() -> World:
    world = World(seed=7)
    world.me = world.add_user("Researcher", username="researcher")  # type: ignore[attr-defined]
    for index in range(3):
        channel = world.add_channel(f"News {index}", username=f"news_{index}", subscribers=300)
        channel.members[world.me.id] = world.now()  # type: ignore[attr-defined]
        world.generate_messages(channel, 120 + 40 * index, days=10)
    return world


def session(world: World, store: Path, name: str = "sandbox") -> TelegramSession:
    return TelegramSession.sandbox(
        world, world.me, name=name, store=store, config=SessionConfig(pacing=False)  # type: ignore[attr-defined]
    )
