"""Sandbox worlds for the session tests (imported by conftest and the test modules).

Every session runs with pacing off (the budgets have their own tests) and
small reconnect backoffs, so nothing waits longer than it must.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from tgkit.core import SessionConfig
from tgkit.sandbox import Chat, PeopleMix, User, World

#: An upper bound only: every wait in these tests ends as soon as its condition holds.
WAIT = 3.0

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)


@dataclass
class Small:
    """A world with one of each kind of chat, and the researcher account ``me``."""

    world: World
    me: User
    group: Chat  # @small_group, 300 members, me a member, messages over 10 days
    hidden: Chat  # @hidden_group, hidden members, messages over 10 days
    channel: Chat  # @news_channel, broadcast, me a subscriber (not admin)
    basic: Chat  # basic group, 40 members
    private: Chat  # private supergroup me is not in


def build_small(seed: int = 1) -> Small:
    world = World(seed=seed)
    me = world.add_user("Ada", "Lovelace", username="ada_research")
    group = world.add_supergroup("Small group", username="small_group", members=300)
    world.join(group, me)
    world.generate_messages(group, 400, days=10)
    hidden = world.add_supergroup(
        "Hidden group",
        username="hidden_group",
        members=500,
        admins=world.add_people(2),
        hidden_members=True,
    )
    world.join(hidden, me)
    world.generate_messages(hidden, 300, days=10)
    channel = world.add_channel("News", username="news_channel", subscribers=200)
    world.join(channel, me)
    world.generate_messages(channel, 50, days=10)
    basic = world.add_basic_group("Basic", members=[*world.add_people(39), me])
    private = world.add_supergroup("Private", members=80, private=True)
    world.generate_messages(private, 20, days=3)
    return Small(world, me, group, hidden, channel, basic, private)


@dataclass
class Big:
    world: World
    me: User
    group: Chat


def build_big() -> Big:
    """25,000 members in Latin, Cyrillic and Arabic names, 1 % deleted accounts.

    Read-only: tests must not change it.
    """
    world = World(seed=7)
    me = world.add_user("Ada", username="ada_research")
    people = world.add_people(25_000, PeopleMix(deleted=0.01))
    group = world.add_supergroup("Big", username="big_group", members=people)
    return Big(world, me, group)


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait until ``condition()`` holds (at most WAIT seconds)."""

    async def poll() -> None:
        # The conditions span several objects (handle state, counts, back-fills),
        # so a short poll is simpler than one event per condition.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)

    try:
        await asyncio.wait_for(poll(), WAIT)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None
