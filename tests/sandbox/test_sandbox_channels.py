"""Channels as Telegram serves them: forwards, entities, reactions, discussion groups and
comments, chat details, and live edits and deletions, read through a real TelegramClient."""

from __future__ import annotations

import asyncio

import pytest
from telethon import TelegramClient, errors, events, functions, types

from tgkit.sandbox import User, World

pytestmark = pytest.mark.telethon_compat

WAIT = 2.0  # upper bound only: each wait ends as soon as the update arrives


def news(world: World, me: User):
    admin = world.add_user("Eda", "Editor", username="eda_editor")
    source = world.add_channel("Wire", username="wire_service", admins=[admin])
    world.generate_messages(source, 30, days=5)
    channel = world.add_channel("Daily", username="daily_news", admins=[admin], subscribers=40)
    world.join(channel, me)
    return admin, source, channel


async def test_posts_carry_forwards_entities_and_reactions(world: World, me: User,
                                                           client: TelegramClient) -> None:
    _admin, source, channel = news(world, me)
    hider = world.add_user("Quiet", username="quiet_person")
    hider.hides_forwards = True
    shown = world.add_user("Open", username="open_person")
    world.forward(channel, None, source, 3)
    world.forward(channel, None, hider)
    world.forward(channel, None, shown)
    post = world.post(channel, None, "🔥 Read https://example.org/a #Climate via @wire_service")
    world.react(channel, post.id, "👍", 5)
    world.react(channel, post.id, "🔥", 2)
    got = await client.get_messages("daily_news", limit=4)
    newest, by_user, hidden, from_channel = got
    assert from_channel.fwd_from.from_id == types.PeerChannel(source.id)
    assert from_channel.fwd_from.channel_post == 3
    assert hidden.fwd_from.from_id is None and hidden.fwd_from.from_name == "Quiet"
    assert by_user.fwd_from.from_id == types.PeerUser(shown.id)
    kinds = [(type(e).__name__, newest.raw_text.encode("utf-16-le")[
        2 * e.offset:2 * (e.offset + e.length)].decode("utf-16-le")) for e in newest.entities]
    assert kinds == [("MessageEntityUrl", "https://example.org/a"),
                     ("MessageEntityHashtag", "#Climate"),
                     ("MessageEntityMention", "@wire_service")]
    counts = {r.reaction.emoticon: r.count for r in newest.reactions.results}
    assert counts == {"👍": 5, "🔥": 2}


async def test_comments_live_in_the_discussion_group(world: World, me: User,
                                                      client: TelegramClient) -> None:
    _admin, _, channel = news(world, me)
    world.post(channel, None, "before the group: no comments")
    group = world.add_discussion_group(channel, username="daily_news_chat", members=30,
                                       comments=40)
    post = world.post(channel, None, "What do you think?")
    people = [world.users[u] for u in list(group.members)[1:4]]
    first = world.comment(channel, post.id, people[0], "Interesting")
    world.comment(channel, post.id, people[1], "Agreed", reply_to=first.id)
    full = await client(functions.channels.GetFullChannelRequest("daily_news"))
    assert full.full_chat.linked_chat_id == group.id
    entity = await client.get_input_entity("daily_news")
    result = await client(functions.messages.GetRepliesRequest(
        peer=entity, msg_id=post.id, offset_id=0, offset_date=None, add_offset=0, limit=100,
        max_id=0, min_id=0, hash=0,
    ))
    assert [m.message for m in result.messages] == ["Agreed", "Interesting"]
    assert result.messages[0].reply_to.reply_to_msg_id == first.id
    assert result.messages[0].reply_to.reply_to_top_id == post.discussion_id
    assert result.messages[1].reply_to.reply_to_top_id is None
    assert {c.id for c in result.chats} >= {group.id}
    posts = await client.get_messages("daily_news", limit=2)
    assert posts[0].replies.replies == 2 and posts[0].replies.channel_id == group.id
    with pytest.raises(errors.MsgIdInvalidError):
        await client(functions.messages.GetRepliesRequest(
            peer=entity, msg_id=99_999, offset_id=0, offset_date=None, add_offset=0,
            limit=10, max_id=0, min_id=0, hash=0,
        ))
    generated = sum(1 for m in group.messages if m.thread_root is not None)
    assert generated >= 40


async def test_chat_details_and_creation_date(world: World, me: User,
                                               client: TelegramClient) -> None:
    _, _, channel = news(world, me)
    for text in ("first", "second", "third"):
        world.post(channel, None, text)
    world.set_chat_details(channel, verified=True, scam=True, slowmode_seconds=30,
                           restrictions=[("android", "porn", "Not on Android")])
    world.pin(channel, 2)
    full = await client(functions.channels.GetFullChannelRequest("daily_news"))
    entity = full.chats[0]
    assert entity.verified and entity.scam and entity.restricted
    assert entity.restriction_reason[0].platform == "android"
    assert full.full_chat.slowmode_seconds == 30 and full.full_chat.pinned_msg_id == 2
    pin = (await client.get_messages("daily_news", limit=1))[0]
    assert isinstance(pin.action, types.MessageActionPinMessage)


class Changes:
    """Collects edits and deletions of one client."""

    def __init__(self, client: TelegramClient) -> None:
        self.edited: list[tuple[int, str]] = []
        self.deleted: list[tuple[int | None, list[int]]] = []
        self.new: list[str] = []
        self._changed = asyncio.Event()
        client.add_event_handler(self._on_new, events.NewMessage())
        client.add_event_handler(self._on_edit, events.MessageEdited())
        client.add_event_handler(self._on_delete, events.MessageDeleted())

    async def _on_new(self, event: events.NewMessage.Event) -> None:
        self.new.append(event.raw_text)
        self._changed.set()

    async def ready(self, world: World, chat, author: User | None) -> None:
        """Post a message and wait for it: from then on updates flow live.

        (An edit pushed while the client is fetching its difference comes back in
        the difference's ``other_updates``, which Telethon drops as already seen.)
        """
        world.post(chat, author, "ready")

        async def until() -> None:
            while "ready" not in self.new:
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(until(), WAIT)

    async def _on_edit(self, event: events.MessageEdited.Event) -> None:
        self.edited.append((event.message.id, event.raw_text))
        self._changed.set()

    async def _on_delete(self, event: events.MessageDeleted.Event) -> None:
        self.deleted.append((event.chat_id, list(event.deleted_ids)))
        self._changed.set()

    async def wait(self, edits: int, deletions: int) -> None:
        async def until() -> None:
            while len(self.edited) < edits or len(self.deleted) < deletions:
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(until(), WAIT)


async def test_edits_and_channel_deletions_arrive_live(world: World, me: User,
                                                        client: TelegramClient) -> None:
    _, _, channel = news(world, me)
    one = world.post(channel, None, "one")
    two = world.post(channel, None, "two")
    three = world.post(channel, None, "three")
    changes = Changes(client)
    await client.get_messages("daily_news", limit=1)
    await changes.ready(world, channel, None)
    world.edit(channel, two.id, "two, corrected")
    world.delete(channel, [one.id, three.id])
    await changes.wait(edits=1, deletions=1)
    assert changes.edited == [(two.id, "two, corrected")]
    assert changes.deleted == [(-1000000000000 - channel.id, [one.id, three.id])]
    again = await client.get_messages("daily_news", limit=5)
    assert [m.id for m in again] == [4, two.id] and again[1].edit_date is not None


async def test_basic_group_deletions_carry_ids_only(world: World, me: User,
                                                    client: TelegramClient) -> None:
    group = world.add_basic_group("Neighbours", members=[*world.add_people(5), me])
    author = world.users[next(u for u in group.members if u != me.id)]
    sent = world.post(group, author, "oops")
    changes = Changes(client)
    await client.get_dialogs()
    await changes.ready(world, group, author)
    world.edit(group, sent.id, "fixed")
    world.delete(group, [sent.id])
    await changes.wait(edits=1, deletions=1)
    assert changes.edited == [(sent.id, "fixed")]
    assert changes.deleted == [(None, [sent.id])]
