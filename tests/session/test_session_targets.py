"""Targets by id and entity: cached once seen, clear errors when never seen."""

from __future__ import annotations

import pytest
from session_worlds import FAST, Small

from tgkit.errors import ChatNotFound
from tgkit.session import TelegramSession

pytestmark = pytest.mark.telethon_compat


async def test_an_id_seen_before_needs_no_resolving(small: Small, session):
    by_name = await session.scrape_messages("@small_group", limit=3)
    small.world.reset_stats()
    marked = -1_000_000_000_000 - small.group.id
    for form in (marked, str(marked), f"https://t.me/c/{small.group.id}/5"):
        df = await session.scrape_messages(form, limit=3, resume=False)
        assert df["message_id"].tolist() == by_name["message_id"].tolist()
    stats = small.world.stats()
    assert stats.count("contacts.ResolveUsername") == 0
    assert stats.count("channels.GetChannels") == 0


async def test_an_id_never_seen_is_refused_without_a_request(small: Small, session):
    small.world.reset_stats()
    marked = -1_000_000_000_000 - small.group.id
    with pytest.raises(ChatNotFound, match="@username or invite link"):
        await session.scrape_messages(marked, limit=2)
    assert small.world.stats().count() == 0


async def test_an_entity_is_used_as_it_is(small: Small, session):
    entity = await session.client.get_entity("small_group")
    small.world.reset_stats()
    df = await session.scrape_group_members(entity, max_members=10)
    assert len(df) == 10
    assert small.world.stats().count("contacts.ResolveUsername") == 0


async def test_ids_cached_in_the_store_serve_a_new_session(small: Small, tmp_path):
    store = tmp_path / "t.db"
    async with TelegramSession.sandbox(small.world, small.me, config=FAST, store=store) as s:
        await s.scrape_messages("@small_group", limit=2)
    small.world.reset_stats()
    async with TelegramSession.sandbox(small.world, small.me, config=FAST, store=store) as s:
        df = await s.scrape_messages(-1_000_000_000_000 - small.group.id, limit=2)
        assert set(s.entities()["username"].dropna()) == {"small_group"}
    assert len(df) == 2
    stats = small.world.stats()
    assert stats.count("channels.GetChannels") == 0
    assert stats.count("contacts.ResolveUsername") == 0
