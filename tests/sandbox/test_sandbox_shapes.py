"""The sandbox misbehaves as Telegram does (``tgkit.sandbox.shapes``), and Telethon copes.

Each shape is turned on alone at rate 1 (no random draw), checked in its raw
TL form, and checked again through Telethon's own update loop (its MessageBox
finds the gap and asks for the difference, exactly as on Telegram). Timing
runs on looptime's virtual clock.
"""

from __future__ import annotations

import asyncio

import pytest
from telethon import TelegramClient, events
from telethon.tl import functions, types

from tgkit.sandbox import REALISTIC, FaultRates, User, World
from tgkit.sandbox.shapes import Faults, PushPlan

pytestmark = [pytest.mark.telethon_compat, pytest.mark.looptime]


@pytest.fixture
def friend(world: World) -> User:
    return world.add_user("Friend", username="friend_of_ada")


@pytest.fixture
def chats(world: World, me: User, friend: User):  # type: ignore[no-untyped-def]
    group = world.add_supergroup("Live", username="live_group", members=[me, friend])
    basic = world.add_basic_group("Basic", members=[me, friend])
    return group, basic


async def _watch(client: TelegramClient) -> list[str]:
    seen: list[str] = []

    async def on_message(event: events.NewMessage.Event) -> None:
        seen.append(event.raw_text)

    client.add_event_handler(on_message, events.NewMessage())
    return seen


async def _primed(world: World, client: TelegramClient, friend: User, chats) -> list[str]:  # type: ignore[no-untyped-def]
    """A watcher that has seen one message of each chat (so Telethon tracks their state)."""
    seen = await _watch(client)
    await client.get_dialogs()
    for chat in chats:
        world.post(chat, friend, f"first {chat.title}")
    await asyncio.sleep(1)
    assert sorted(seen) == ["first Basic", "first Live"]
    seen.clear()
    return seen


async def test_a_lost_push_arrives_through_the_difference(world, client, friend, chats):
    seen = await _primed(world, client, friend, chats)
    world.set_faults(FaultRates(lost_push=1.0))
    for chat in chats:
        world.post(chat, friend, f"lost {chat.title}")
    await asyncio.sleep(2)
    assert seen == []  # nothing was pushed
    world.set_faults(None)
    world.reset_stats()
    for chat in chats:
        world.post(chat, friend, f"next {chat.title}")  # shows the seq / pts gap
    await asyncio.sleep(2)
    assert sorted(seen) == ["lost Basic", "lost Live", "next Basic", "next Live"]
    stats = world.stats()
    assert stats.count("updates.GetDifference") >= 1
    assert stats.count("updates.GetChannelDifference") >= 1


async def test_duplicate_pushes_are_dispatched_once(world, client, friend, chats):
    seen = await _primed(world, client, friend, chats)
    world.set_faults(FaultRates(duplicate_push=1.0))
    for number in range(3):
        for chat in chats:
            world.post(chat, friend, f"{chat.title} {number}")
    await asyncio.sleep(3)
    assert sorted(seen) == sorted(f"{c.title} {n}" for n in range(3) for c in chats)


async def test_late_pushes_overtaken_by_newer_ones_arrive_once_each(world, client, friend, chats):
    seen = await _primed(world, client, friend, chats)
    world.faults.plan_pushes([PushPlan(delays=(0.3,)), PushPlan(), PushPlan(delays=(1.2,))])
    group, basic = chats
    world.post(group, friend, "a")  # late 0.3 s: inside Telethon's 0.5 s wait for a gap
    world.post(group, friend, "b")
    world.post(basic, friend, "c")  # late 1.2 s: the difference brings it first
    world.post(basic, friend, "d")
    await asyncio.sleep(3)
    assert sorted(seen) == ["a", "b", "c", "d"]
    assert seen.index("a") < seen.index("b")


async def test_too_long_notices_make_the_client_get_the_difference(world, client, friend, chats):
    seen = await _primed(world, client, friend, chats)
    world.set_faults(FaultRates(too_long_push=1.0))
    world.reset_stats()
    for chat in chats:
        world.post(chat, friend, f"too long {chat.title}")
    await asyncio.sleep(2)
    assert sorted(seen) == ["too long Basic", "too long Live"]
    stats = world.stats()
    assert stats.count("updates.GetDifference") == 1
    assert stats.count("updates.GetChannelDifference") == 1


async def test_seq_follows_the_account_updates(world, client, friend, chats):
    group, basic = chats
    before = await client(functions.updates.GetStateRequest())
    world.post(basic, friend, "one")
    world.post(basic, friend, "two")
    world.post(group, friend, "channel messages have their own pts, no seq")
    after = await client(functions.updates.GetStateRequest())
    assert (after.seq - before.seq, after.pts - before.pts) == (2, 2)


async def test_channel_difference_too_long_beyond_the_limit(world, client, friend, chats):
    group, _ = chats
    entity = await client.get_input_entity("live_group")
    world.post(group, friend, "start")
    pts = group.pts
    for number in range(30):
        world.post(group, friend, f"m{number}")
    channel = types.InputChannel(entity.channel_id, entity.access_hash)
    ask = functions.updates.GetChannelDifferenceRequest
    diff = await client(ask(channel, types.ChannelMessagesFilterEmpty(), pts, limit=10))
    assert isinstance(diff, types.updates.ChannelDifferenceTooLong)
    assert diff.dialog.pts == group.pts and diff.final
    assert [m.message for m in diff.messages] == [f"m{n}" for n in range(20, 30)]
    diff = await client(ask(channel, types.ChannelMessagesFilterEmpty(), pts, limit=100))
    assert isinstance(diff, types.updates.ChannelDifference)
    assert len(diff.new_messages) == 30 and diff.pts == group.pts


async def test_difference_too_long_beyond_pts_total_limit(world, client, friend, chats):
    _, basic = chats
    state = await client(functions.updates.GetStateRequest())
    for number in range(8):
        world.post(basic, friend, f"b{number}")
    ask = functions.updates.GetDifferenceRequest
    diff = await client(ask(state.pts, state.date, 0, pts_total_limit=5))
    assert isinstance(diff, types.updates.DifferenceTooLong) and diff.pts == state.pts + 8
    diff = await client(ask(state.pts, state.date, 0))
    assert isinstance(diff, types.updates.Difference) and len(diff.new_messages) == 8
    assert diff.state.seq == state.seq + 8
    world.set_faults(FaultRates(account_difference_limit=3))
    diff = await client(ask(state.pts, state.date, 0))
    assert isinstance(diff, types.updates.DifferenceTooLong)


async def test_count_less_history_pages(world, client, friend, chats):
    group, basic = chats
    world.generate_messages(group, 30)
    world.set_faults(FaultRates(countless_history=1.0))
    for target in ("live_group", basic.id * -1):
        page = await client(functions.messages.GetHistoryRequest(
            await client.get_input_entity(target), 0, None, 0, 10, 0, 0, 0))
        assert type(page) is types.messages.Messages and not hasattr(page, "count")


async def test_getfullchat_can_leave_users_out(world, client, friend, chats):
    _, basic = chats
    world.set_faults(FaultRates(users_left_out=1.0))
    full = await client(functions.messages.GetFullChatRequest(basic.id))
    assert len(full.full_chat.participants.participants) == 2 and full.users == []


async def test_empty_strings_for_absent_ones(world, client, friend, chats):
    world.set_faults(FaultRates(empty_strings=True))
    user = await client.get_entity("friend_of_ada")
    assert (user.last_name, user.lang_code) == ("", "")
    world.set_faults("none")
    user = await client.get_entity("friend_of_ada")
    assert user.last_name is None


def test_fault_draws_replay_from_the_seed_and_rates_are_checked() -> None:
    def plans(seed: int) -> list[PushPlan]:
        faults = Faults(seed, "realistic")
        return [faults.push_plan() for _ in range(300)]

    assert plans(3) == plans(3) != plans(4)
    drawn = plans(3)
    assert any(not p.delays for p in drawn) and any(len(p.delays) == 2 for p in drawn)
    assert any(p.too_long for p in drawn) and any(p.delays and p.delays[0] > 0 for p in drawn)
    assert World(seed=1, faults="realistic").faults.rates == REALISTIC
    with pytest.raises(ValueError, match="realistic"):
        World(seed=1, faults="chaotic")
    with pytest.raises(ValueError, match="lost_push"):
        FaultRates(lost_push=2.0)
