"""Joining by username and by invite link, and the errors Telegram gives."""

from __future__ import annotations

import pytest
from telethon import TelegramClient, errors, functions, types

from tgkit.sandbox import User, World

pytestmark = pytest.mark.telethon_compat


def _hash(link: str) -> str:
    return link.rsplit("+", 1)[1]


async def test_join_public_group(world: World, me: User, client: TelegramClient) -> None:
    group = world.add_supergroup("Open", username="open_group", members=10)
    result = await client(functions.channels.JoinChannelRequest("open_group"))
    assert me.id in group.members
    assert result.chats[0].id == group.id and not result.chats[0].left
    again = await client(functions.channels.JoinChannelRequest("open_group"))
    assert again.chats[0].id == group.id  # joining twice is not an error
    assert world.channel_count(me) == 1


async def test_invite_link_check_then_join(world: World, me: User, client: TelegramClient) -> None:
    secret = world.add_supergroup("Secret", members=25, private=True, about="members only")
    link = world.invite_link(secret)
    assert link.startswith("https://t.me/+")
    preview = await client(functions.messages.CheckChatInviteRequest(_hash(link)))
    assert isinstance(preview, types.ChatInvite)
    assert (preview.title, preview.participants_count, preview.megagroup) == ("Secret", 25, True)
    assert not preview.public
    with pytest.raises(ValueError, match="not part of"):
        await client.get_entity(link)
    joined = await client(functions.messages.ImportChatInviteRequest(_hash(link)))
    assert joined.chats[0].id == secret.id and me.id in secret.members
    already = await client(functions.messages.CheckChatInviteRequest(_hash(link)))
    assert isinstance(already, types.ChatInviteAlready)
    assert (await client.get_entity(link)).id == secret.id
    with pytest.raises(errors.UserAlreadyParticipantError):
        await client(functions.messages.ImportChatInviteRequest(_hash(link)))
    assert await client.get_messages(joined.chats[0], limit=5) == []


async def test_expired_and_invalid_links(world: World, client: TelegramClient) -> None:
    secret = world.add_supergroup("Secret", members=3, private=True)
    expired = _hash(world.invite_link(secret, expired=True))
    with pytest.raises(errors.InviteHashExpiredError):
        await client(functions.messages.CheckChatInviteRequest(expired))
    with pytest.raises(errors.InviteHashExpiredError):
        await client(functions.messages.ImportChatInviteRequest(expired))
    with pytest.raises(errors.InviteHashInvalidError):
        await client(functions.messages.ImportChatInviteRequest("NoSuchHash123456"))


async def test_link_needing_approval_sends_a_request(world: World, me: User,
                                                     client: TelegramClient) -> None:
    secret = world.add_supergroup("Vetted", members=3, private=True)
    link = _hash(world.invite_link(secret, request_needed=True))
    preview = await client(functions.messages.CheckChatInviteRequest(link))
    assert preview.request_needed
    with pytest.raises(errors.InviteRequestSentError):
        await client(functions.messages.ImportChatInviteRequest(link))
    assert me.id not in secret.members
    assert world.invites[link].requests == [me.id]


async def test_basic_group_invite(world: World, me: User, client: TelegramClient) -> None:
    chat = world.add_basic_group("Family", members=[world.add_user("Mum")])
    link = _hash(world.invite_link(chat))
    preview = await client(functions.messages.CheckChatInviteRequest(link))
    assert not preview.channel
    await client(functions.messages.ImportChatInviteRequest(link))
    assert me.id in chat.members
    full = await client(functions.messages.GetFullChatRequest(chat.id))
    assert len(full.full_chat.participants.participants) == 2


async def test_banned_and_private_joins_fail(world: World, me: User,
                                            client: TelegramClient) -> None:
    group = world.add_supergroup("Strict", username="strict_group", members=3)
    entity = await client.get_input_entity("strict_group")
    world.ban(group, me)
    with pytest.raises(errors.ChannelPrivateError):
        await client(functions.channels.JoinChannelRequest(entity))
    with pytest.raises(errors.ChannelPrivateError):
        await client.get_messages(entity, limit=1)
    secret = world.add_supergroup("Secret", members=3, private=True)
    peer = types.InputChannel(secret.id, world.hashes.of(me.id, secret.id))
    with pytest.raises(errors.ChannelPrivateError):
        await client(functions.channels.JoinChannelRequest(peer))


async def test_channel_membership_limit(world: World, me: User, client: TelegramClient) -> None:
    for number in range(500):
        world.join(world.add_supergroup(f"G{number}"), me)
    world.add_supergroup("One too many", username="one_too_many")
    with pytest.raises(errors.ChannelsTooMuchError):
        await client(functions.channels.JoinChannelRequest("one_too_many"))
