"""The demo world's documented targets, and live activity started and stopped anywhere."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from telethon import errors, events, functions, types

from tgkit.sandbox import DEMO_TARGETS, World, demo_world

pytestmark = pytest.mark.telethon_compat


@pytest.fixture(scope="module")
def demo():
    return demo_world()


def test_demo_world_builds_deterministically() -> None:
    # How fast it builds is measured in benchmarks/bench_sandbox.py, not asserted here.
    world, me = demo_world()
    again, me_again = demo_world()
    assert me.id == me_again.id
    assert [u.username for u in list(world.users.values())[:200]] == \
        [u.username for u in list(again.users.values())[:200]]


def test_demo_big_group_looks_like_a_real_large_group(demo) -> None:
    world, _ = demo
    group = world.resolve_chat(DEMO_TARGETS["big_group"])
    people = [world.users[uid] for uid in group.members]
    assert 20_000 <= len(people) <= 30_000
    scripts = {"latin": 0, "cyrillic": 0, "arabic": 0}
    for person in people:
        first = person.first_name[:1]
        if "\u0400" <= first <= "\u04ff":
            scripts["cyrillic"] += 1
        elif "\u0600" <= first <= "\u06ff":
            scripts["arabic"] += 1
        elif first:
            scripts["latin"] += 1
    assert all(count > 1000 for count in scripts.values())
    assert sum(p.deleted for p in people) > 100
    assert sum(p.bot for p in people) > 10
    assert sum(p.premium for p in people) > 100
    assert sum(p.username is None and not p.deleted for p in people) > 1000
    assert len({p.status for p in people}) >= 5


async def test_demo_targets_behave_as_documented(demo) -> None:
    world, me = demo
    client = world.client(me)
    await client.connect()
    try:
        assert (await client.get_me()).username == "demo_researcher"
        big = await client(functions.channels.GetFullChannelRequest(DEMO_TARGETS["big_group"]))
        assert big.full_chat.participants_count > 10_000
        hidden = await client(functions.channels.GetFullChannelRequest(
            DEMO_TARGETS["hidden_group"]))
        assert hidden.full_chat.participants_hidden
        with pytest.raises(errors.ChatAdminRequiredError):
            await client.get_participants(DEMO_TARGETS["channel"], limit=10)
        basic = await client.get_messages(DEMO_TARGETS["basic_group"], limit=10)
        assert len(basic) == 10
        oldest = await client.get_messages(DEMO_TARGETS["small_group"], reverse=True, limit=1)
        assert world.created - oldest[0].date > timedelta(days=7)  # a week+ of messages
        for key, error in (("expired_invite", errors.InviteHashExpiredError),
                           ("request_invite", errors.InviteRequestSentError)):
            link_hash = str(DEMO_TARGETS[key]).rsplit("+", 1)[1]
            with pytest.raises(error):
                await client(functions.messages.ImportChatInviteRequest(link_hash))
        invite = await client(functions.messages.CheckChatInviteRequest(
            str(DEMO_TARGETS["private_invite"]).rsplit("+", 1)[1]))
        assert isinstance(invite, types.ChatInvite) and invite.participants_count > 100
    finally:
        await client.disconnect()


async def test_activity_reaches_a_monitoring_client() -> None:
    world, me = demo_world()
    client = world.client(me)
    await client.connect()
    received: list[str] = []
    got_five = asyncio.Event()

    async def on_message(event: events.NewMessage.Event) -> None:
        received.append(event.raw_text)
        if len(received) >= 5:
            got_five.set()

    client.add_event_handler(on_message, events.NewMessage(chats=[DEMO_TARGETS["small_group"]]))
    try:
        await client.get_entity(DEMO_TARGETS["small_group"])
        world.start_activity(DEMO_TARGETS["small_group"], messages_per_second=100)
        await asyncio.wait_for(got_five.wait(), 2.0)
    finally:
        world.stop_activity()
        await client.disconnect()
    assert not [t for t in threading.enumerate() if t.name.startswith("sandbox-activity")]
    assert len(received) >= 5


def test_activity_with_count_and_from_a_thread() -> None:
    world = World(seed=3)
    group = world.add_supergroup("Chatty", username="chatty_group", members=30)
    activity = world.start_activity("@chatty_group", messages_per_second=500, count=25)
    world.stop_activity(wait=True)
    assert activity.posted == 25 and len(group.messages) == 25 and not activity.running
    worker = threading.Thread(target=world.start_activity, args=(group, 1000))
    worker.start()
    worker.join()
    world.stop_activity()
    assert not [t for t in threading.enumerate() if t.name.startswith("sandbox-activity")]


def test_activity_rejects_nonsense_rates() -> None:
    world = World()
    group = world.add_supergroup("Quiet", members=3)
    with pytest.raises(ValueError, match="messages_per_second"):
        world.start_activity(group, messages_per_second=0)
