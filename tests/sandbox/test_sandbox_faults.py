"""Faults on demand: flood limits per account and method, one-off errors, drops, latency."""

from __future__ import annotations

import asyncio
import time

import pytest
from telethon import TelegramClient, errors, functions

from tgkit.sandbox import User, World

pytestmark = pytest.mark.telethon_compat


def _history(peer: str = "flood_group") -> functions.messages.GetHistoryRequest:
    return functions.messages.GetHistoryRequest(
        peer, offset_id=0, offset_date=None, add_offset=0, limit=10, max_id=0, min_id=0, hash=0)


@pytest.fixture
def flood_group(world: World, me: User):
    group = world.add_supergroup("Flood", username="flood_group", members=[me])
    world.generate_messages(group, 20)
    return group


async def test_flood_wait_raised_with_the_right_seconds(world: World, me: User, connect,
                                                        flood_group) -> None:
    client = await connect(me, flood_sleep_threshold=0)
    await client.get_input_entity("flood_group")
    world.flood_limit("messages.GetHistory", calls=3, per=30, wait=42)
    for _ in range(3):
        await client(_history())
    with pytest.raises(errors.FloodWaitError) as raised:
        await client(_history())
    assert raised.value.seconds == 42
    # the account stays blocked for that method; other methods are unaffected
    with pytest.raises(errors.FloodWaitError):
        await client(_history())
    assert (await client(functions.channels.GetFullChannelRequest("flood_group"))).full_chat


async def test_flood_limits_count_per_account(world: World, me: User, connect,
                                              flood_group) -> None:
    other = world.add_user("Other")
    world.join(flood_group, other)
    mine = await connect(me, flood_sleep_threshold=0)
    theirs = await connect(other, flood_sleep_threshold=0)
    await mine.get_input_entity("flood_group")
    await theirs.get_input_entity("flood_group")
    world.flood_limit("messages.GetHistory", calls=1, per=30, wait=5)
    await mine(_history())
    with pytest.raises(errors.FloodWaitError):
        await mine(_history())
    await theirs(_history())  # another account has its own budget


async def test_flood_wait_below_threshold_is_slept_through(world: World, me: User, connect,
                                                          flood_group) -> None:
    client = await connect(me, flood_sleep_threshold=60)
    await client.get_input_entity("flood_group")
    world.flood_limit("messages.GetHistory", calls=2, per=60, wait=1)
    started = time.monotonic()
    for _ in range(3):
        page = await client(_history())
        assert len(page.messages) == 10
    assert time.monotonic() - started >= 1.0  # Telethon slept the 1 s wait, then retried
    assert world.stats().count("messages.GetHistory", user=me) == 4  # 3 asked + 1 retry


async def test_fail_next_once(world: World, me: User, client: TelegramClient,
                              flood_group) -> None:
    world.fail_next("channels.GetFullChannel", errors.ChannelPrivateError)
    with pytest.raises(errors.ChannelPrivateError):
        await client(functions.channels.GetFullChannelRequest("flood_group"))
    assert (await client(functions.channels.GetFullChannelRequest("flood_group"))).full_chat
    world.fail_next("contacts.ResolveUsername", "USERNAME_INVALID")
    with pytest.raises(errors.UsernameInvalidError):
        await client(functions.contacts.ResolveUsernameRequest("flood_group"))
    world.fail_next("messages.GetHistory", errors.FloodWaitError(None, capture=99))
    client.flood_sleep_threshold = 0
    with pytest.raises(errors.FloodWaitError) as raised:
        await client(_history())
    assert raised.value.seconds == 99


async def test_fail_next_for_one_user_only(world: World, me: User, connect,
                                           flood_group) -> None:
    other = world.add_user("Other", username="other_person")
    mine, theirs = await connect(me), await connect(other)
    world.fail_next("contacts.ResolveUsername", errors.UsernameNotOccupiedError, user=other)
    assert (await mine(functions.contacts.ResolveUsernameRequest("flood_group"))).chats
    with pytest.raises(errors.UsernameNotOccupiedError):
        await theirs(functions.contacts.ResolveUsernameRequest("flood_group"))


async def test_disconnect_fails_pending_and_new_requests_until_reconnect(
    world: World, me: User, flood_group
) -> None:
    world.latency = 0.05
    client = world.client(me)
    await client.connect()
    try:
        await client.get_input_entity("flood_group")
        pending = asyncio.ensure_future(client(_history()))
        await asyncio.sleep(0.01)
        world.disconnect(me)
        with pytest.raises(ConnectionError):
            await pending
        assert not client.is_connected()
        with pytest.raises(ConnectionError):
            await client(_history())
        with pytest.raises(ConnectionError):
            await client.disconnected
        await client.connect()
        assert len((await client(_history())).messages) == 10
    finally:
        await client.disconnect()


async def test_disconnect_from_another_thread(world: World, me: User, flood_group) -> None:
    client = world.client(me)
    await client.connect()
    try:
        await asyncio.to_thread(world.disconnect, me)
        await asyncio.sleep(0.01)
        assert not client.is_connected()
    finally:
        await client.disconnect()


async def test_latency_is_awaited_not_blocking(world: World, me: User, connect,
                                               flood_group) -> None:
    client = await connect(me)
    await client.get_input_entity("flood_group")
    world.latency = 0.05
    started = time.monotonic()
    await asyncio.gather(*(client(_history()) for _ in range(5)))
    elapsed = time.monotonic() - started
    assert 0.05 <= elapsed < 0.2  # five concurrent requests, one latency


async def test_stats_count_by_method_and_account(world: World, me: User, connect,
                                                 flood_group) -> None:
    client = await connect(me)
    world.reset_stats()
    await client.get_messages("flood_group", limit=15)
    stats = world.stats()
    assert stats.count("contacts.ResolveUsername", user=me) == 1
    assert stats.count("messages.GetHistory", user=me.id) == 1
    assert stats[(me.id, "messages.GetHistory")] == 1
    assert stats.by_method()["messages.GetHistory"] == 1
    world.reset_stats()
    assert world.stats().count() == 0


def test_flood_limit_rejects_nonsense(world: World) -> None:
    with pytest.raises(ValueError, match="per > 0"):
        world.flood_limit("messages.GetHistory", calls=1, per=0, wait=1)
