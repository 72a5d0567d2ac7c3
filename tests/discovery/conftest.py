"""Fixtures: a small generated universe and an account that reads it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tgkit.core import SessionConfig
from tgkit.sandbox import User, World
from tgkit.sandbox.universe import Universe
from tgkit.session import TelegramSession

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)


@pytest.fixture
def universe() -> Universe:
    return World(seed=11).generate_universe(channels=120, seed=11)


@pytest.fixture
def me(universe: Universe) -> User:
    return universe.world.add_user("Ada", username="ada_crawls")


@pytest.fixture
async def session(universe: Universe, me: User) -> AsyncIterator[TelegramSession]:
    async with TelegramSession.sandbox(universe.world, me, config=FAST) as opened:
        yield opened
