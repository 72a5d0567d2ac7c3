"""Live messages reach events.NewMessage handlers of connected members, once each."""

from __future__ import annotations

import asyncio
import threading

import pytest
from telethon import TelegramClient, events

from tgkit.sandbox import User, World

pytestmark = pytest.mark.telethon_compat

WAIT = 2.0  # upper bound only: each wait ends as soon as the update arrives


class Inbox:
    """Collects NewMessage events of one client and lets a test wait for a count."""

    def __init__(self, client: TelegramClient) -> None:
        self.texts: list[str] = []
        self.events: list[events.NewMessage.Event] = []
        self._changed = asyncio.Event()
        client.add_event_handler(self._on_message, events.NewMessage())

    async def _on_message(self, event: events.NewMessage.Event) -> None:
        self.events.append(event)
        self.texts.append(event.raw_text)
        self._changed.set()

    async def wait_for(self, count: int) -> list[str]:
        async def _until() -> None:
            while len(self.texts) < count:
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(_until(), WAIT)
        return self.texts


async def test_posts_reach_a_members_handler(world: World, me: User, client) -> None:
    group = world.add_supergroup("Live", username="live_group", members=20)
    world.join(group, me)
    author = world.users[next(iter(group.members))]
    inbox = Inbox(client)
    await client.get_entity("live_group")
    for number in range(5):
        world.post(group, author, f"message {number}")
    assert await inbox.wait_for(5) == [f"message {n}" for n in range(5)]
    event = inbox.events[0]
    assert event.chat_id == -1000000000000 - group.id
    assert event.sender_id == author.id
    assert (await event.get_chat()).title == "Live"


async def test_non_members_get_nothing(world: World, me: User, client, connect) -> None:
    group = world.add_supergroup("Live", username="live_group", members=5)
    outsider_inbox = Inbox(client)
    member, other = (world.users[uid] for uid in list(group.members)[:2])
    member_inbox = Inbox(await connect(member))
    world.post(group, other, "from someone else")
    world.post(group, member, "from my other device")
    assert await member_inbox.wait_for(2) == ["from someone else", "from my other device"]
    assert [event.out for event in member_inbox.events] == [False, True]
    await asyncio.sleep(0.05)
    assert outsider_inbox.texts == []


async def test_basic_group_messages_arrive_with_account_pts(world: World, me: User,
                                                            client) -> None:
    friend = world.add_user("Friend")
    chat = world.add_basic_group("Family", members=[me, friend])
    inbox = Inbox(client)
    for number in range(3):
        world.post(chat, friend, f"hi {number}")
    assert await inbox.wait_for(3) == ["hi 0", "hi 1", "hi 2"]
    assert inbox.events[0].chat_id == -chat.id


async def test_own_sends_are_not_echoed_but_reach_others(world: World, me: User, client,
                                                        connect) -> None:
    friend = world.add_user("Friend")
    group = world.add_supergroup("Talk", username="talk_group", members=[me, friend])
    mine = Inbox(client)
    friend_client = await connect(friend)
    theirs = Inbox(friend_client)
    sent = await client.send_message("talk_group", "hello from Ada")
    assert sent.text == "hello from Ada" and sent.out
    assert group.messages[-1].text == "hello from Ada"
    assert await theirs.wait_for(1) == ["hello from Ada"]
    assert not theirs.events[0].out
    await asyncio.sleep(0.05)
    assert mine.texts == []


async def test_posting_from_another_thread(world: World, me: User, client) -> None:
    group = world.add_supergroup("Live", username="live_group", members=[me])
    world.join(group, author := world.add_user("Poster"))
    inbox = Inbox(client)
    await client.get_entity("live_group")
    worker = threading.Thread(
        target=lambda: [world.post(group, author, f"t{n}") for n in range(20)])
    worker.start()
    worker.join()
    assert await inbox.wait_for(20) == [f"t{n}" for n in range(20)]


async def test_messages_missed_while_away_arrive_after_reconnect(world: World, me: User,
                                                                 client) -> None:
    group = world.add_supergroup("Live", username="live_group", members=[me])
    author = world.add_user("Poster")
    world.join(group, author)
    inbox = Inbox(client)
    await client.get_entity("live_group")
    world.post(group, author, "before")
    await inbox.wait_for(1)
    world.disconnect(me)
    await asyncio.sleep(0)
    world.post(group, author, "while away 1")
    world.post(group, author, "while away 2")
    await client.connect()
    world.post(group, author, "after")
    texts = await inbox.wait_for(4)
    assert sorted(texts) == sorted(["before", "while away 1", "while away 2", "after"])
    await asyncio.sleep(0.05)
    assert len(inbox.texts) == 4  # none twice
