"""A ready-made world to try tgkit on, with the researcher account to connect as.

    >>> world, me = demo_world()
    >>> world.chat("big_public_group").member_count > 10_000
    True

What is in it (``DEMO_TARGETS`` names each target the way tgkit accepts it):

``big_group`` ``@big_public_group``
    25,000 members with Latin, Cyrillic and Arabic names, some without a
    username, some deleted accounts and bots: past the 10,000 listing cap.
    Public; the researcher is not a member. Two weeks of messages.
``small_group`` ``@small_group``
    A few hundred members, the researcher among them; a busy week of messages.
``hidden_group`` ``@hidden_members_group``
    Hidden members: non-admins see only the admins (and bots); recent
    messages by many members are the other evidence of who is in it.
``channel`` ``@news_channel``
    A broadcast channel; the researcher subscribes but is not an admin, so
    the subscriber list is refused (``ChatAdminRequiredError``). Its posts
    carry forwards, links, hashtags, mentions and reactions, and it has a
    discussion group with comments under most posts.
``discussion`` ``@news_channel_chat``
    The news channel's discussion group: a copy of each post, and the
    comments (1,000) replying to them.
``basic_group`` (a negative id, as tgkit and Telethon mark basic groups)
    A legacy group of 40 people including the researcher.
``private_invite``, ``expired_invite``, ``request_invite``
    Links to a private group: one joins, one has expired, one asks the
    admins for approval (``InviteRequestSentError``).
"""

from __future__ import annotations

from tgkit.sandbox.model import Chat, User
from tgkit.sandbox.world import World

__all__ = ["DEMO_BASIC_GROUP_ID", "DEMO_TARGETS", "demo_world"]

DEMO_BASIC_GROUP_ID = 987_654_321
_PRIVATE, _EXPIRED, _REQUEST = "DemoPrivateGroup", "DemoExpiredLink0", "DemoNeedsApproval"

DEMO_TARGETS: dict[str, str | int] = {
    "researcher": "@demo_researcher",
    "big_group": "@big_public_group",
    "small_group": "@small_group",
    "hidden_group": "@hidden_members_group",
    "channel": "@news_channel",
    "discussion": "@news_channel_chat",
    "basic_group": -DEMO_BASIC_GROUP_ID,
    "private_invite": f"https://t.me/+{_PRIVATE}",
    "expired_invite": f"https://t.me/+{_EXPIRED}",
    "request_invite": f"https://t.me/+{_REQUEST}",
}


def demo_world(seed: int = 0) -> tuple[World, User]:
    """The demo World and its researcher account (see the module docstring)."""
    world = World(seed=seed)
    me = world.add_user("Dana", "Researcher", username="demo_researcher",
                        phone="+15550001234")
    _big_group(world)
    _small_group(world, me)
    _hidden_group(world, me)
    _news_channel(world, me)
    _basic_group(world, me)
    _private_group(world)
    _news_comments(world)
    return world, me


def _big_group(world: World) -> Chat:
    group = world.add_supergroup(
        "Big Public Group", username="big_public_group", members=25_000,
        admins=world.add_people(3), about="A large public discussion group",
    )
    world.generate_messages(group, 3000, days=14)
    return group


def _small_group(world: World, me: User) -> Chat:
    group = world.add_supergroup("Small Group", username="small_group", members=300,
                                 admins=world.add_people(2))
    world.join(group, me)
    world.generate_messages(group, 1500, days=8)
    return group


def _hidden_group(world: World, me: User) -> Chat:
    group = world.add_supergroup(
        "Hidden Members Group", username="hidden_members_group", members=2000,
        admins=world.add_people(2), hidden_members=True,
    )
    world.join(group, me)
    world.generate_messages(group, 2000, days=10)
    return group


def _news_channel(world: World, me: User) -> Chat:
    channel = world.add_channel("News Channel", username="news_channel", subscribers=5000,
                                admins=world.add_people(1))
    world.join(channel, me)
    world.generate_messages(channel, 300, days=30)
    return channel


def _basic_group(world: World, me: User) -> Chat:
    chat = world.add_basic_group("Neighbours", members=[*world.add_people(39), me],
                                 id=DEMO_BASIC_GROUP_ID)
    world.generate_messages(chat, 400, days=9)
    return chat


def _private_group(world: World) -> Chat:
    group = world.add_supergroup("Private Study Group", members=150, private=True,
                                 admins=world.add_people(1))
    world.generate_messages(group, 500, days=9)
    world.invite_link(group, link_hash=_PRIVATE)
    world.invite_link(group, expired=True, link_hash=_EXPIRED)
    world.invite_link(group, request_needed=True, link_hash=_REQUEST)
    return group


def _news_comments(world: World) -> Chat:
    """The news channel's discussion group (made last: the chats above stay as they were)."""
    channel = world.chat("news_channel")
    readers = [world.users[user_id] for user_id in list(channel.members)[:600]]
    return world.add_discussion_group(channel, "News Channel Chat", "news_channel_chat",
                                      readers, comments=1000, days=3)
