"""Participants as Telegram lists them: pages of 200, the 10,000 cap, search, hidden members."""

from __future__ import annotations

import pytest
from telethon import TelegramClient, errors, functions, types

from tgkit.sandbox import Status, User, World

pytestmark = pytest.mark.telethon_compat


@pytest.fixture
def big_group(world: World):
    return world.add_supergroup("Big", username="big_group", members=12_000)


async def test_recent_listing_stops_at_the_cap_while_count_is_full(
    world: World, client: TelegramClient, big_group
) -> None:
    members = await client.get_participants("big_group", filter=types.ChannelParticipantsRecent)
    assert len(members) == 10_000
    assert members.total == 12_000
    assert len({user.id for user in members}) == 10_000
    # 50 pages of 200, then the empty page that tells Telethon the listing ended
    assert world.stats().count("channels.GetParticipants") == 51


async def test_pages_hold_at_most_200(client: TelegramClient, big_group) -> None:
    page = await client(functions.channels.GetParticipantsRequest(
        "big_group", types.ChannelParticipantsRecent(), offset=0, limit=1000, hash=0))
    assert len(page.participants) == 200 and page.count == 12_000
    beyond = await client(functions.channels.GetParticipantsRequest(
        "big_group", types.ChannelParticipantsRecent(), offset=10_000, limit=200, hash=0))
    assert beyond.participants == [] and beyond.users == []


async def test_recent_is_most_recently_joined_first(world: World, client: TelegramClient) -> None:
    people = [world.add_user(f"Person{i}") for i in range(5)]
    group = world.add_supergroup("Small", username="small_group", members=people)
    newcomer = world.add_user("Newcomer")
    world.join(group, newcomer)
    members = await client.get_participants("small_group", filter=types.ChannelParticipantsRecent)
    assert members[0].id == newcomer.id
    assert {user.id for user in members} == {p.id for p in [*people, newcomer]}


async def test_search_matches_word_prefixes_case_insensitively(
    world: World, client: TelegramClient
) -> None:
    hits = [
        world.add_user("Anna", "Schmidt"),
        world.add_user("Marie-Anne", "Dubois"),
        world.add_user("Bob", "Annan"),
        world.add_user("Zed", username="annabel_z"),
        world.add_user("Анна", "Иванова"),
    ]
    misses = [world.add_user("Joanna", "Smith"), world.add_user("Hanna"),
              world.add_user("", deleted=True)]
    world.add_supergroup("Mixed", username="mixed_group", members=hits + misses)
    found = await client.get_participants("mixed_group", search="ANN")
    assert {user.id for user in found} == {u.id for u in hits[:4]}
    cyrillic = await client.get_participants("mixed_group", search="анн")
    assert [user.id for user in cyrillic] == [hits[4].id]


async def test_search_results_stop_at_the_cap(world: World, client: TelegramClient) -> None:
    people = [world.add_user("Sam", f"Number{i}") for i in range(10_300)]
    world.add_supergroup("Sams", username="sams_group", members=people)
    found = await client.get_participants(
        "sams_group", filter=types.ChannelParticipantsSearch("sam"))
    assert len(found) == 10_000


async def test_deleted_accounts_cannot_be_found_by_search(
    world: World, client: TelegramClient
) -> None:
    ghost = world.add_user(deleted=True)
    world.add_supergroup("G", username="ghost_group", members=[ghost, world.add_user("Al")])
    everyone = await client.get_participants("ghost_group", filter=types.ChannelParticipantsRecent)
    assert ghost.id in {user.id for user in everyone}
    assert next(u for u in everyone if u.id == ghost.id).deleted
    for letter in "abcdefghijklmnopqrstuvwxyz":
        found = await client.get_participants("ghost_group", search=letter)
        assert ghost.id not in {user.id for user in found}


async def test_admins_and_bots_filters(world: World, client: TelegramClient) -> None:
    boss = world.add_user("Boss")
    helper = world.add_user("Helper")
    bot = world.add_user("Robot", username="robot_helper_bot", bot=True)
    plain = [world.add_user(f"P{i}") for i in range(10)]
    world.add_supergroup("Team", username="team_group", members=[bot, *plain],
                         admins=[boss, helper])
    admins = await client.get_participants("team_group", filter=types.ChannelParticipantsAdmins)
    assert [user.id for user in admins] == [boss.id, helper.id]
    assert isinstance(admins[0].participant, types.ChannelParticipantCreator)
    assert isinstance(admins[1].participant, types.ChannelParticipantAdmin)
    bots = await client.get_participants("team_group", filter=types.ChannelParticipantsBots)
    assert [user.id for user in bots] == [bot.id] and bots[0].bot


async def test_hidden_members_show_only_admins_and_bots_to_non_admins(
    world: World, client: TelegramClient, connect
) -> None:
    boss = world.add_user("Boss", username="boss_of_group")
    bot = world.add_user("Robot", username="robot_helper_bot", bot=True)
    world.add_supergroup("Quiet", username="quiet_group", members=300, admins=[boss],
                         hidden_members=True)
    quiet = world.chat("quiet_group")
    world.join(quiet, bot)
    bots = {uid for uid in quiet.members if world.users[uid].bot}
    assert bot.id in bots
    full = await client(functions.channels.GetFullChannelRequest("quiet_group"))
    assert full.full_chat.participants_hidden
    assert not full.full_chat.can_view_participants
    assert full.full_chat.participants_count == 302
    seen = await client.get_participants("quiet_group")
    assert {user.id for user in seen} == {boss.id} | bots
    boss_client = await connect(boss)
    assert len(await boss_client.get_participants("quiet_group")) == 302


async def test_broadcast_subscribers_need_admin_rights(
    world: World, client: TelegramClient, connect
) -> None:
    owner = world.add_user("Owner")
    world.add_channel("News", username="news_channel", subscribers=500, admins=[owner])
    with pytest.raises(errors.ChatAdminRequiredError):
        await client.get_participants("news_channel")
    owner_client = await connect(owner)
    seen = await owner_client.get_participants("news_channel")
    assert len(seen) == 200  # even admins see only about 200 subscribers


async def test_participant_records_carry_join_dates_and_status(
    world: World, client: TelegramClient, me: User
) -> None:
    online = world.add_user("Online", status=Status.ONLINE)
    gone = world.add_user("Gone", status=Status.LONG_AGO)
    world.add_supergroup("S", username="status_group", members=[online, gone, me])
    members = {u.id: u for u in await client.get_participants("status_group")}
    assert isinstance(members[online.id].status, types.UserStatusOnline)
    assert members[gone.id].status is None or isinstance(members[gone.id].status,
                                                         types.UserStatusEmpty)
    assert isinstance(members[me.id].participant, types.ChannelParticipantSelf)
    assert all(u.participant.date is not None for u in members.values()
               if hasattr(u.participant, "date"))


async def test_private_group_is_private_to_non_members(world: World, client: TelegramClient,
                                                       connect) -> None:
    insider = world.add_user("Insider")
    group = world.add_supergroup("Secret", members=[insider], private=True)
    insider_client = await connect(insider)
    own_hash = types.InputChannel(group.id, world.hashes.of(insider.id, group.id))
    seen = await insider_client(functions.channels.GetChannelsRequest([own_hash]))
    assert seen.chats[0].id == group.id and not seen.chats[0].left
    outsider_hash = types.InputChannel(group.id, world.hashes.of((await client.get_me()).id,
                                                                 group.id))
    with pytest.raises(errors.ChannelPrivateError):
        await client(functions.channels.GetParticipantsRequest(
            outsider_hash, types.ChannelParticipantsRecent(), 0, 200, 0))
