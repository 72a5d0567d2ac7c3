"""A sandbox world of channels for the channel tests: a news channel with a discussion group
and comments, a wire service it forwards from, a group, a basic group, a user."""

from __future__ import annotations

from dataclasses import dataclass

from tgkit.core import SessionConfig
from tgkit.sandbox import Chat, User, World

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)


@dataclass
class Channels:
    world: World
    me: User
    wire: Chat  # @wire_service, a channel the researcher is not in
    news: Chat  # @daily_news, subscribed; discussion group @daily_news_chat, comments
    chat: Chat  # the discussion group
    quiet: Chat  # @quiet_channel, subscribed, no discussion group
    group: Chat  # @lab_group, a supergroup the researcher is in
    basic: Chat  # a basic group the researcher is in
    person: User  # @some_person, a user


def build_channels(seed: int = 5) -> Channels:
    world = World(seed=seed)
    me = world.add_user("Ada", "Lovelace", username="ada_research")
    editor = world.add_user("Eda", "Editor", username="eda_editor")
    wire = world.add_channel("Wire Service", username="wire_service", subscribers=300,
                             admins=[editor], about="Fast news")
    world.generate_messages(wire, 120, days=10)
    news = world.add_channel("Daily News", username="daily_news", subscribers=400,
                             admins=[editor], about="News, and what you say about it")
    world.set_chat_details(news, verified=True, signatures=True)
    world.join(news, me)
    world.generate_messages(news, 80, days=7)
    chat = world.add_discussion_group(news, username="daily_news_chat", members=120,
                                      comments=300)
    quiet = world.add_channel("Quiet", username="quiet_channel", subscribers=50,
                              admins=[editor])
    world.join(quiet, me)
    world.generate_messages(quiet, 20, days=5)
    group = world.add_supergroup("Lab group", username="lab_group", members=60)
    world.join(group, me)
    world.generate_messages(group, 200, days=5)
    basic = world.add_basic_group("Basic", members=[*world.add_people(9), me])
    person = world.add_user("Some", "Person", username="some_person")
    return Channels(world, me, wire, news, chat, quiet, group, basic, person)


async def until(condition, what: str, wait: float = 3.0) -> None:
    """Wait until ``condition()`` holds (at most ``wait`` seconds: an upper bound only)."""
    import asyncio

    async def poll() -> None:
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)

    try:
        await asyncio.wait_for(poll(), wait)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None
