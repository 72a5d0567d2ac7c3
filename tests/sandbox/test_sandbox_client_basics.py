"""A real TelegramClient connects to a world and sees it through Telethon's public API."""

from __future__ import annotations

import pytest
from telethon import TelegramClient, errors, functions, types

from tgkit.sandbox import User, World

pytestmark = pytest.mark.telethon_compat


async def test_connect_and_get_me(client: TelegramClient, me: User) -> None:
    assert client.is_connected()
    got = await client.get_me()
    assert (got.id, got.first_name, got.username) == (me.id, "Ada", "ada_research")
    assert got.is_self
    assert got.phone == "447700900001"  # an account sees its own phone number
    assert await client.is_user_authorized()


async def test_other_users_phone_is_not_shown(world: World, client: TelegramClient) -> None:
    world.add_user("Bob", username="bob_builder", phone="+1 555 0100 222")
    bob = await client.get_entity("bob_builder")
    assert bob.first_name == "Bob" and bob.phone is None and not bob.is_self


async def test_resolve_username_and_links(world: World, client: TelegramClient) -> None:
    group = world.add_supergroup("Readers", username="readers_club", members=30)
    targets = ("readers_club", "@readers_club", "https://t.me/readers_club", "t.me/READERS_club")
    for target in targets:
        entity = await client.get_entity(target)
        assert isinstance(entity, types.Channel)
        assert (entity.id, entity.megagroup, entity.participants_count) == (group.id, True, 30)
        assert entity.left  # not a member


async def test_unknown_username_is_not_occupied(client: TelegramClient) -> None:
    with pytest.raises(errors.UsernameNotOccupiedError):
        await client(functions.contacts.ResolveUsernameRequest("nobody_here_at_all"))
    with pytest.raises(errors.UsernameInvalidError):
        await client(functions.contacts.ResolveUsernameRequest("1bad"))
    with pytest.raises(ValueError, match="nobody_here"):
        await client.get_entity("nobody_here_at_all")


async def test_get_full_channel_reports_count(world: World, client: TelegramClient) -> None:
    group = world.add_supergroup("Readers", username="readers_club", members=120)
    full = await client(functions.channels.GetFullChannelRequest("readers_club"))
    assert full.full_chat.id == group.id
    assert full.full_chat.participants_count == 120
    assert full.full_chat.can_view_participants
    assert not full.full_chat.participants_hidden


async def test_access_hash_is_per_account(world: World, me: User, connect) -> None:
    other = world.add_user("Eve", username="eve_other")
    world.add_supergroup("Readers", username="readers_club", members=5)
    mine = await (await connect(me)).get_input_entity("readers_club")
    theirs_client = await connect(other)
    theirs = await theirs_client.get_input_entity("readers_club")
    assert mine.channel_id == theirs.channel_id and mine.access_hash != theirs.access_hash
    with pytest.raises(errors.ChannelInvalidError):
        await theirs_client(functions.channels.GetFullChannelRequest(
            types.InputChannel(mine.channel_id, mine.access_hash)))


async def test_unknown_numeric_id_needs_a_seen_entity(world: World, client: TelegramClient) -> None:
    group = world.add_supergroup("Readers", username="readers_club", members=5)
    with pytest.raises(ValueError, match="Could not find the input entity"):
        await client.get_entity(types.PeerChannel(group.id))
    await client.get_entity("readers_club")
    assert (await client.get_entity(types.PeerChannel(group.id))).id == group.id


async def test_unknown_request_fails_naming_the_method(client: TelegramClient) -> None:
    with pytest.raises(errors.RPCError, match="GETDIALOGFILTERS"):
        await client(functions.messages.GetDialogFiltersRequest())


async def test_get_users_skips_wrong_access_hash(world: World, client: TelegramClient) -> None:
    bob = world.add_user("Bob", username="bob_builder")
    assert await client(functions.users.GetUsersRequest([types.InputUser(bob.id, 12345)])) == []


async def test_get_dialogs_lists_the_accounts_chats(world: World, me: User,
                                                    client: TelegramClient) -> None:
    chats = [world.add_supergroup(f"Group {n}", members=[me]) for n in range(3)]
    basic = world.add_basic_group("Family", members=[me, world.add_user("Mum")])
    world.add_supergroup("Not mine", members=3)
    for number, chat in enumerate([*chats, basic]):
        world.post(chat, me, f"latest in {number}")
    dialogs = await client.get_dialogs()
    assert [d.name for d in dialogs] == ["Family", "Group 2", "Group 1", "Group 0"]
    assert dialogs[0].message.text == "latest in 3"
    many = [world.add_supergroup(f"Many {n}", members=[me]) for n in range(150)]
    assert len(await client.get_dialogs(limit=None)) == 4 + len(many)
