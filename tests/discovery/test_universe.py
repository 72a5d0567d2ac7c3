"""The sandbox universe: its citations are real posts, forwards arrive with their origin
chats, private/deleted/renamed channels behave as on Telegram, recommendations and search."""

from __future__ import annotations

import pytest
from telethon import TelegramClient, errors, functions, types

from tgkit.sandbox import User
from tgkit.sandbox.universe import Universe, marked

pytestmark = pytest.mark.telethon_compat


@pytest.fixture
async def client(universe: Universe, me: User) -> TelegramClient:
    opened = universe.world.client(me)
    await opened.connect()
    yield opened
    await opened.disconnect()


def test_structure_has_hubs_communities_and_odd_channels(universe: Universe) -> None:
    edges = universe.true_edges()
    cited = edges.dropna(subset=["target_chat_id"]).groupby("target_chat_id").size()
    assert cited.max() >= 5 * cited.median()  # a few hubs, most cited rarely
    same = sum(universe.community[c.source_id] == universe.community.get(c.target_id)
               for c in universe.citations if c.target_id is not None)
    assert same / len(universe.citations) > 0.6
    assert set(edges["kind"]) == {"forward", "mention", "link"}
    assert universe.private and universe.deleted and universe.renamed
    assert set(universe.community.values()) == {"en", "ru", "ar"}


async def test_forwards_come_with_their_origin_chat(universe: Universe,
                                                    client: TelegramClient) -> None:
    forward = next(c for c in universe.citations
                   if c.kind == "forward" and c.target_id in universe.world.chats
                   and c.target_id not in universe.private)
    source = universe.world.chats[forward.source_id]
    messages = await client.get_messages(source.username, ids=forward.message_id)
    header = messages.fwd_from
    assert header.from_id == types.PeerChannel(forward.target_id)
    origin = await client.get_input_entity(types.PeerChannel(forward.target_id))
    history = await client(functions.messages.GetHistoryRequest(
        origin, 0, None, 0, 1, 0, 0, 0))
    assert history.messages  # readable by id + access hash, no username resolved


async def test_private_deleted_and_renamed_targets(universe: Universe,
                                                   client: TelegramClient) -> None:
    old = next(iter(universe.renamed))
    with pytest.raises(errors.UsernameNotOccupiedError):
        await client(functions.contacts.ResolveUsernameRequest(old))
    gone = next(iter(universe.deleted.values()))
    with pytest.raises(errors.UsernameNotOccupiedError):
        await client(functions.contacts.ResolveUsernameRequest(gone))
    link = next(c.ref for c in universe.citations if c.ref.startswith("https://t.me/+"))
    assert link in universe.invites.values()


async def test_recommendations_and_search(universe: Universe, client: TelegramClient) -> None:
    chat = next(c for c in universe.channels if c.username and universe.similar.get(c.id))
    found = await client(functions.channels.GetChannelRecommendationsRequest(chat.username))
    assert sorted(c.id for c in found.chats) == sorted(
        i for i in universe.similar[chat.id] if i in universe.world.chats)
    result = await client(functions.contacts.SearchRequest(chat.username, limit=10))
    assert chat.id in [c.id for c in result.chats]
    topic = chat.username.split("_")[0]
    many = await client(functions.contacts.SearchRequest(topic, limit=100))
    assert len(many.chats) > 1 and all(topic in (c.username + c.title.lower()) for c in many.chats)
    with pytest.raises(errors.QueryTooShortError):
        await client(functions.contacts.SearchRequest("ab", limit=10))


async def test_search_global_pages_over_my_chats(universe: Universe, me: User,
                                                 client: TelegramClient) -> None:
    world = universe.world
    joined = universe.channels[:5]
    for chat in joined:
        if not chat.private:
            world.join(chat, me)
    word = next(w for w in joined[0].messages[0].text.split() if len(w) > 3)
    seen = [m async for m in client.iter_messages(None, search=word, limit=None)]
    expected = {(marked(c.id), m.id) for c in joined if me.id in c.members
                for m in c.messages if word.casefold() in m.text.casefold().split()
                or any(x.startswith(word.casefold()) for x in m.text.casefold().split())}
    first = {e for e in expected if e[0] == marked(joined[0].id)}
    assert {(m.chat_id, m.id) for m in seen} >= first
    assert len(seen) == len({(m.chat_id, m.id) for m in seen})
