"""scrape_group_members on the sandbox: every strategy, the sweep past the cap, early stops."""

from __future__ import annotations

import random
import string

import pytest
from session_worlds import FAST, Big, Small

from tgkit.errors import AdminRequired, InvalidTarget, NotAMember
from tgkit.frames import frame_dtypes
from tgkit.sandbox import World
from tgkit.session import TelegramSession

pytestmark = pytest.mark.telethon_compat


def _ids(frame) -> set[int]:
    return set(frame["user_id"].tolist())


async def test_small_group_gives_every_member_in_a_typed_frame(small: Small, session):
    small.world.reset_stats()
    df = await session.scrape_group_members("@small_group")

    assert _ids(df) == set(small.group.members)
    assert len(df) == len(small.group.members) == 301
    assert dict(df.dtypes) == frame_dtypes("members")
    assert set(df["source"]) == {"participants"}
    assert df.attrs["reported_total"] == 301 and df.attrs["coverage"] == 1.0
    assert df.attrs["coverage_note"] is None
    assert df["chat_id"].unique().tolist() == [-1_000_000_000_000 - small.group.id]
    stats = small.world.stats()
    assert stats.count("channels.GetParticipants") == 2  # 200 + 101, no empty extra page
    assert stats.count("channels.GetFullChannel") == 1


async def test_every_target_form_names_the_same_group(small: Small, session):
    first = await session.scrape_group_members("t.me/small_group", resume=False)
    small.world.reset_stats()
    again = await session.scrape_group_members("https://t.me/s/Small_Group", resume=False)
    assert _ids(first) == _ids(again)
    assert small.world.stats().count("contacts.ResolveUsername") == 0  # cached by username


async def test_max_members_stops_early_without_extra_requests(small: Small, session):
    small.world.reset_stats()
    handle = session.scrape_group_members("@small_group", max_members=50)
    df = await handle
    assert len(df) == 50
    stats = small.world.stats()
    assert stats.count("channels.GetParticipants") == 1
    assert stats.count() == 3  # resolve, full channel, one page of 50
    assert handle.progress.done == 50 and handle.progress.total == 50
    assert handle.report["requests"] == {
        "contacts.ResolveUsername": 1,
        "channels.GetFullChannel": 1,
        "channels.GetParticipants": 1,
    }
    assert "max_members=50" in df.attrs["coverage_note"]


async def test_big_multi_script_group_is_swept_past_the_cap(big: Big):
    async with TelegramSession.sandbox(big.world, big.me, config=FAST) as session:
        handle = session.scrape_group_members("@big_group")
        df = await handle

    members = set(big.group.members)
    assert len(members) == 25_000
    assert len(df) == df["user_id"].nunique()  # no duplicates
    assert _ids(df) <= members
    missing = members - _ids(df)
    # Only accounts search cannot find are missing: deleted ones (no name to match).
    assert all(big.world.users[uid].deleted for uid in missing)
    assert df.attrs["coverage"] >= 0.99
    assert df.attrs["coverage"] == len(df) / 25_000  # deleted accounts in the denominator
    assert df.attrs["reported_total"] == 25_000
    assert df.attrs["sources"] == ["participants", "search"]
    assert (df["source"] == "participants").sum() == 10_000
    assert f"{len(missing)} of 25000 members were not found" in df.attrs["coverage_note"]
    scripts = {"latin": "a", "cyrillic": "а", "arabic": "ا"}
    names = df["first_name"].dropna().str.casefold()
    for letter in scripts.values():
        assert names.str.contains(letter, regex=False).any()
    assert handle.progress.done == len(df) and handle.progress.total == 25_000


async def test_hidden_members_with_fallback_adds_recent_authors(small: Small, session):
    df = await session.scrape_group_members("@hidden_group", message_days_back=5)
    admins = set(small.hidden.admins)
    recent_authors = {
        m.sender_id
        for m in small.hidden.messages
        if m.sender_id is not None and (small.world.now() - m.date).days < 5
    }
    assert set(df.loc[df["source"] == "admins", "user_id"]) == admins
    assert set(df.loc[df["source"] == "messages", "user_id"]) == recent_authors - admins
    assert df.attrs["sources"] == ["admins", "messages"]
    assert df.attrs["reported_total"] == len(small.hidden.members)
    assert "hidden" in df.attrs["coverage_note"]
    assert (df.loc[df["source"] == "messages", "role"] == "unknown").all()


async def test_hidden_members_without_fallback_gives_admins_only(small: Small, session):
    small.world.reset_stats()
    df = await session.scrape_group_members("@hidden_group", fallback_to_messages=False)
    assert _ids(df) == set(small.hidden.admins)
    assert small.world.stats().count("messages.GetHistory") == 0
    assert "fallback_to_messages=True" in df.attrs["coverage_note"]


async def test_broadcast_channel_without_admin_rights_is_refused(small: Small, session):
    small.world.reset_stats()
    with pytest.raises(AdminRequired, match="broadcast channel"):
        await session.scrape_group_members("@news_channel")
    assert small.world.stats().count("channels.GetParticipants") == 0  # decided, not failed into


async def test_an_admin_lists_its_own_channel_and_sees_itself_as_admin(small: Small, session):
    small.world.promote(small.channel, small.me)
    df = await session.scrape_group_members("@news_channel")
    me = df[df["user_id"] == small.me.id]
    assert me["role"].tolist() == ["admin"]
    assert _ids(df) <= set(small.channel.members)
    assert df.attrs["reported_total"] == len(small.channel.members)


async def test_basic_group_comes_from_the_full_chat(small: Small, session):
    df = await session.scrape_group_members(-small.basic.id)
    assert _ids(df) == set(small.basic.members)
    assert set(df["source"]) == {"full_chat"}
    assert df.attrs["coverage"] == 1.0


async def test_private_group_by_invite_needs_joining(small: Small, session):
    link = small.world.invite_link(small.private)
    with pytest.raises(NotAMember, match="join"):
        await session.scrape_group_members(link)


async def test_bad_input_fails_before_any_request(small: Small, session):
    small.world.reset_stats()
    with pytest.raises(InvalidTarget, match="not a chat target"):
        session.scrape_group_members("not a group!")
    with pytest.raises(ValueError, match="max_members"):
        session.scrape_group_members("@small_group", max_members=-1)
    with pytest.raises(InvalidTarget, match="is a user"):
        await session.scrape_group_members("@ada_research")
    assert small.world.stats().count("channels.GetParticipants") == 0
    assert session.history()["label"].tolist() == ["members @ada_research"]


async def test_a_query_that_reaches_the_cap_is_refined_until_everyone_is_found():
    world = World(seed=2)
    me = world.add_user("Ada", username="ada_research")
    rng = random.Random(1)
    # 11,000 people whose only name starts with "Ann": "a", "an" and "ann" each reach
    # the 10,000 cap, so only longer prefixes can find the ones the listing missed.
    people = [
        world.add_user("Ann" + rng.choice(string.ascii_lowercase) + rng.choice("xyz"))
        for _ in range(11_000)
    ]
    group = world.add_supergroup("Anns", username="ann_group", members=people)
    world.join(group, me)
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        df = await session.scrape_group_members("@ann_group")
    assert _ids(df) == set(group.members)
    assert df.attrs["coverage"] == 1.0 and df.attrs["coverage_note"] is None
    assert df.attrs["refined_queries"][:3] == ["a", "an", "ann"]
    assert df.attrs["search_queries"] > len(df.attrs["refined_queries"])
