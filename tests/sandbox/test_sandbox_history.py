"""History as Telegram pages it: 100 a page, offsets by id and date, reverse, search, from_user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telethon import TelegramClient, errors, functions, types

from tgkit.sandbox import User, World

pytestmark = pytest.mark.telethon_compat


@pytest.fixture
def group(world: World, me: User):
    chat = world.add_supergroup("History", username="history_group", members=40)
    world.join(chat, me)
    world.generate_messages(chat, 450, days=10)
    return chat


async def test_pages_of_100_newest_first(world: World, client: TelegramClient, group) -> None:
    messages = await client.get_messages("history_group", limit=1000)
    assert [m.id for m in messages] == list(range(450, 0, -1))
    assert messages.total == 450
    assert world.stats().count("messages.GetHistory") == 5  # 100 a page, the last one short
    page = await client(functions.messages.GetHistoryRequest(
        "history_group", offset_id=0, offset_date=None, add_offset=0, limit=500,
        max_id=0, min_id=0, hash=0))
    assert len(page.messages) == 100 and page.count == 450


async def test_reverse_and_limits(client: TelegramClient, group) -> None:
    oldest = [m.id async for m in client.iter_messages("history_group", reverse=True, limit=150)]
    assert oldest == list(range(1, 151))
    newest = await client.get_messages("history_group", limit=3)
    assert [m.id for m in newest] == [450, 449, 448]


async def test_offset_date_and_offset_id(client: TelegramClient, group) -> None:
    pivot = group.messages[299]
    before = await client.get_messages("history_group", limit=5, offset_date=pivot.date)
    assert before and all(m.date < pivot.date for m in before)
    after_id = await client.get_messages("history_group", limit=2, offset_id=200)
    assert [m.id for m in after_id] == [199, 198]
    newer = [m async for m in client.iter_messages("history_group", reverse=True,
                                                    offset_date=pivot.date, limit=5)]
    assert newer and all(m.date >= pivot.date for m in newer)
    assert [m.id for m in newer] == sorted(m.id for m in newer)


async def test_min_and_max_id_are_filtered_by_the_client(client: TelegramClient, group) -> None:
    window = await client.get_messages("history_group", min_id=100, max_id=110)
    assert [m.id for m in window] == list(range(109, 100, -1))
    raw = await client(functions.messages.GetHistoryRequest(
        "history_group", offset_id=0, offset_date=None, add_offset=0, limit=5,
        max_id=110, min_id=100, hash=0))
    assert [m.id for m in raw.messages] == [450, 449, 448, 447, 446]  # ignored by the server


async def test_messages_carry_text_sender_and_chat(world: World, client: TelegramClient,
                                                   group, me: User) -> None:
    mine = world.post(group, me, "my own words", reply_to=5)
    got = (await client.get_messages("history_group", limit=1))[0]
    assert (got.id, got.text, got.sender_id, got.out) == (mine.id, "my own words", me.id, True)
    assert got.reply_to.reply_to_msg_id == 5
    assert got.chat_id == -1000000000000 - group.id
    sender = await got.get_sender()
    assert sender.first_name == "Ada"


async def test_search_from_user_and_text(world: World, client: TelegramClient, group) -> None:
    author_id = group.messages[10].sender_id
    author = world.users[author_id]
    await client.get_participants("history_group")  # so the client knows the author's hash
    from_them = await client.get_messages("history_group", from_user=author_id, limit=1000)
    expected = [m.id for m in reversed(group.messages) if m.sender_id == author_id]
    assert [m.id for m in from_them] == expected
    world.post(group, author, "The Quarterly REPORT is out")
    found = await client.get_messages("history_group", search="quarter report", limit=1000)
    assert [m.text for m in found] == ["The Quarterly REPORT is out"]
    assert await client.get_messages("history_group", search="uarterly", limit=1000) == []


async def test_history_of_a_broadcast_channel(world: World, client: TelegramClient) -> None:
    channel = world.add_channel("News", username="news_feed", subscribers=50)
    world.generate_messages(channel, 30)
    posts = await client.get_messages("news_feed", limit=1000)
    assert len(posts) == 30
    assert all(p.post and p.sender_id == -1000000000000 - channel.id and p.views is not None
               for p in posts)


async def test_private_history_needs_membership(world: World, client: TelegramClient) -> None:
    insider = world.add_user("Insider")
    secret = world.add_supergroup("Secret", members=[insider], private=True)
    world.generate_messages(secret, 5)
    me_id = (await client.get_me()).id
    peer = types.InputPeerChannel(secret.id, world.hashes.of(me_id, secret.id))
    with pytest.raises(errors.ChannelPrivateError):
        await client.get_messages(peer, limit=5)


async def test_basic_group_history_and_full_chat(world: World, client: TelegramClient,
                                                 me: User) -> None:
    friends = [world.add_user(f"Friend{i}") for i in range(4)]
    chat = world.add_basic_group("Family", members=[me, *friends])
    world.generate_messages(chat, 120, days=3)
    messages = await client.get_messages(-chat.id, limit=1000)
    assert len(messages) == 120 and messages[0].date >= messages[-1].date
    members = await client.get_participants(-chat.id)
    assert {u.id for u in members} == {me.id, *(f.id for f in friends)}
    assert members.total == 5


async def test_generated_dates_cover_the_requested_days(world: World, group) -> None:
    dates = [m.date for m in group.messages]
    assert dates == sorted(dates)
    assert world.now() - dates[0] <= timedelta(days=10, seconds=1)
