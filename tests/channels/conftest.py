"""Fixtures: the channel world and a session on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from channel_worlds import FAST, Channels, build_channels

from tgkit.session import TelegramSession


@pytest.fixture
def channels() -> Channels:
    return build_channels()


@pytest.fixture
async def session(channels: Channels) -> AsyncIterator[TelegramSession]:
    async with TelegramSession.sandbox(channels.world, channels.me, config=FAST) as opened:
        yield opened
