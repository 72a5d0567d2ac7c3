"""DiskEntitiesSession: sandbox clients keep the entities they see in SQLite, not in a set,
and every later lookup (by id, username, phone, name) still works."""

from __future__ import annotations

import _sqlite3
import contextlib
import ctypes
import os

import pytest
from session_worlds import Small
from telethon.crypto import AuthKey
from telethon.sessions import StringSession
from telethon.tl import types

from tgkit.sandbox import World
from tgkit.session import TelegramSession
from tgkit.telegram.entity_session import CACHE_KIB, DiskEntitiesSession

pytestmark = pytest.mark.telethon_compat


def _user(user_id: int, access_hash: int, username: str | None = None, *,
          phone: str | None = None, first_name: str = "Ann") -> types.User:
    return types.User(id=user_id, access_hash=access_hash, username=username, phone=phone,
                      first_name=first_name)


async def test_sandbox_clients_keep_entities_in_sqlite_not_in_a_set(small: Small, session):
    assert isinstance(session.client.session, DiskEntitiesSession)
    await session.scrape_group_members("@small_group")
    cache = session.client.session
    assert cache._entities == set()  # StringSession's set stays empty
    assert cache.entity_count() >= len(small.group.members)


async def test_members_resolve_by_id_and_username_after_a_collection(small: Small, session):
    df = await session.scrape_group_members("@small_group")
    client = session.client
    named = df[df["username"].notna()]
    assert len(named) > 10
    small.world.reset_stats()
    for user_id, username in zip(named["user_id"].tolist()[:20], named["username"].tolist()[:20],
                                 strict=True):
        by_id = await client.get_input_entity(user_id)
        by_username = await client.get_input_entity(username)
        assert isinstance(by_id, types.InputPeerUser) and by_id.user_id == user_id
        assert by_username == by_id
        assert by_id.access_hash == client.session.get_entity_rows_by_id(user_id)[1]
    assert small.world.stats().count() == 0  # all from the session's cache, no request
    # The group resolves from the cache too, and a later collection needs no resolve.
    again = await session.scrape_group_members("@small_group", resume=False)
    assert small.world.stats().count("contacts.ResolveUsername") == 0
    assert set(again["user_id"].tolist()) == set(df["user_id"].tolist())


async def test_the_cache_survives_a_reconnect():
    world = World(seed=3)
    me = world.add_user("Ada", username="ada_research")
    friend = world.add_user("Bob", username="bob_friend")
    client = world.client(me)
    await client.connect()
    await client.get_entity("bob_friend")
    await client.disconnect()
    await client.connect()
    try:
        world.reset_stats()
        peer = await client.get_input_entity("bob_friend")
        assert peer.user_id == friend.id and world.stats().count() == 0
    finally:
        await client.disconnect()


def test_the_newest_row_of_an_id_or_a_username_wins():
    session = DiskEntitiesSession()
    session.process_entities([_user(1, 11, "Old_Name"), _user(2, 22, "taken")])
    session.process_entities([_user(1, 12, "new_name")])  # user 1 renamed, new hash
    assert session.get_entity_rows_by_username("old_name") is None
    assert session.get_entity_rows_by_username("new_name") == (1, 12)
    assert session.get_entity_rows_by_id(1) == (1, 12)
    session.process_entities([_user(3, 33, "taken")])  # the username moved to user 3
    assert session.get_entity_rows_by_username("taken") == (3, 33)
    assert session.entity_count() == 3


def test_lookups_by_phone_name_and_unmarked_id_and_input_entities():
    session = DiskEntitiesSession()
    channel = types.Channel(id=77, title="News", photo=types.ChatPhotoEmpty(), date=None,
                            access_hash=777, username="news")
    session.process_entities(types.contacts.ResolvedPeer(
        peer=types.PeerChannel(77), chats=[channel],
        users=[_user(5, 55, phone="15550001", first_name="Zoe")]))
    assert session.get_entity_rows_by_phone("15550001") == (5, 55)
    assert session.get_entity_rows_by_name("Zoe") == (5, 55)
    assert session.get_entity_rows_by_id(77, exact=False) == (-1_000_000_000_077, 777)
    assert session.get_input_entity("@news") == types.InputPeerChannel(77, 777)
    assert session.get_input_entity(types.PeerUser(5)) == types.InputPeerUser(5, 55)
    with pytest.raises(ValueError):
        session.get_input_entity("nobody_here")


def test_the_string_round_trips_and_carries_no_entities():
    world = World(seed=4)
    client = world.client(world.add_user("Ada"))
    session = client.session
    session.set_dc(2, "149.154.167.51", 443)
    session.auth_key = AuthKey(bytes(range(256)))
    session.process_entities([_user(9, 99, "someone")])
    text = session.save()
    assert text and StringSession(text).auth_key == session.auth_key
    loaded = DiskEntitiesSession(text)
    assert loaded.auth_key == session.auth_key and loaded.dc_id == 2
    assert loaded.get_entity_rows_by_id(9) is None  # a string session carries no entities
    assert "someone" not in repr(session) and text not in repr(session)


async def test_a_new_session_on_the_same_world_starts_empty(small: Small):
    async with TelegramSession.sandbox(small.world, small.me) as first:
        df = await first.scrape_group_members("@small_group", max_members=50)
        assert first.client.session.entity_count() >= 50
    member = next(user_id for user_id in df["user_id"].tolist() if user_id != small.me.id)
    async with TelegramSession.sandbox(small.world, small.me) as second:
        assert second.client.session.get_entity_rows_by_id(member) is None


def _sqlite_memory_used() -> int:
    library = ctypes.CDLL(_sqlite3.__file__)
    library.sqlite3_memory_used.restype = ctypes.c_int64
    return int(library.sqlite3_memory_used())


def test_a_large_cache_spills_to_an_unlinked_private_file_with_memory_bounded():
    before = _sqlite_memory_used()
    session = DiskEntitiesSession()
    for batch in range(40):
        session.process_entities([_user(batch * 1_000 + i + 1, 7 * i + 1, f"user{batch}_{i}")
                                  for i in range(1_000)])
    assert session.entity_count() == 40_000
    assert _sqlite_memory_used() - before < 1.5 * CACHE_KIB * 1024
    assert session.get_input_entity("@user31_7") == types.InputPeerUser(31_008, 50)
    spilled = []
    for fd in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else ():
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if "etilqs_" in target:
                spilled.append((target, os.stat(f"/proc/self/fd/{fd}").st_mode & 0o777))
    if os.path.isdir("/proc/self/fd"):  # Linux: the rows past the page cache are in a file
        assert spilled, "expected SQLite's temporary file among the open files"
    assert all(target.endswith("(deleted)") and mode & 0o077 == 0 for target, mode in spilled)
