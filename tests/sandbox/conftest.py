"""Shared sandbox fixtures: a small world and connected clients, cleaned up after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from telethon import TelegramClient

from tgkit.sandbox import User, World


@pytest.fixture
def world() -> World:
    return World(seed=7)


@pytest.fixture
def me(world: World) -> User:
    return world.add_user("Ada", "Lovelace", username="ada_research", phone="+44 7700 900001")


@pytest.fixture
async def connect(world: World) -> AsyncIterator[Callable[..., object]]:
    """``await connect(user, **options)``: a connected client, disconnected at teardown."""
    clients: list[TelegramClient] = []

    async def _connect(user: User | None, **options: object) -> TelegramClient:
        client = world.client(user, **options)
        await client.connect()
        clients.append(client)
        return client

    yield _connect
    for client in clients:
        await client.disconnect()


@pytest.fixture
async def client(connect: Callable[..., object], me: User) -> TelegramClient:
    return await connect(me)  # type: ignore[misc, no-any-return]
