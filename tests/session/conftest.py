"""Fixtures: sandbox worlds and a connected session on them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from session_worlds import FAST, Big, Small, build_big, build_small

from tgkit.session import TelegramSession


@pytest.fixture
def small() -> Small:
    return build_small()


@pytest.fixture
async def session(small: Small) -> AsyncIterator[TelegramSession]:
    async with TelegramSession.sandbox(small.world, small.me, config=FAST) as opened:
        yield opened


@pytest.fixture(scope="session")
def big() -> Big:
    """The 25,000-member multi-script world; read-only, tests must not change it."""
    return build_big()
