"""join_and_scrape_members: every join path, already-a-member, and Telegram's refusals."""

from __future__ import annotations

import pytest
from session_worlds import Small

from tgkit.errors import (
    ChatNotFound,
    InviteInvalid,
    JoinRequestPending,
    PrivateChat,
    TooManyChannels,
)

pytestmark = pytest.mark.telethon_compat


def _ids(frame) -> set[int]:
    return set(frame["user_id"].tolist())


async def test_joins_a_public_group_by_username_and_scrapes_it_in_one_operation(
    small: Small, session
):
    group = small.world.add_supergroup("Open", username="open_group", members=120)
    assert small.me.id not in group.members
    small.world.reset_stats()

    handle = session.join_and_scrape_members("@open_group")
    df = await handle

    assert small.me.id in group.members
    assert _ids(df) == set(group.members)
    assert small.world.stats().count("channels.JoinChannel") == 1
    history = session.history()
    assert history["label"].tolist() == ["join+members @open_group"]  # queued once
    assert handle.report["requests"]["channels.JoinChannel"] == 1


async def test_already_a_member_spends_no_join_request(small: Small, session):
    small.world.reset_stats()
    df = await session.join_and_scrape_members("@small_group")
    assert _ids(df) == set(small.group.members)
    assert small.world.stats().count("channels.JoinChannel") == 0


async def test_joins_a_private_group_by_invite_link(small: Small, session):
    link = small.world.invite_link(small.private)
    df = await session.join_and_scrape_members(link)
    assert small.me.id in small.private.members
    assert _ids(df) == set(small.private.members)
    assert df.attrs["target"] == f"invite link t.me/+{link.rsplit('+', 1)[1]}"

    small.world.reset_stats()
    again = await session.join_and_scrape_members(link, resume=False)
    assert _ids(again) == _ids(df)
    stats = small.world.stats()
    assert stats.count("messages.ImportChatInvite") == 0  # the check said "already"
    assert stats.count("messages.CheckChatInvite") == 1


async def test_joinchat_link_form_works_too(small: Small, session):
    link = small.world.invite_link(small.private)
    old_form = "t.me/joinchat/" + link.rsplit("+", 1)[1]
    df = await session.join_and_scrape_members(old_form, max_members=10)
    assert len(df) == 10


async def test_expired_invite_is_invite_invalid(small: Small, session):
    link = small.world.invite_link(small.private, expired=True)
    with pytest.raises(InviteInvalid, match="expired") as caught:
        await session.join_and_scrape_members(link)
    assert type(caught.value.__cause__).__name__ == "InviteHashExpiredError"
    assert small.me.id not in small.private.members


async def test_invite_needing_approval_is_join_request_pending(small: Small, session):
    link = small.world.invite_link(small.private, request_needed=True)
    with pytest.raises(JoinRequestPending):
        await session.join_and_scrape_members(link)
    assert small.me.id not in small.private.members


async def test_unknown_username_is_chat_not_found(small: Small, session):
    with pytest.raises(ChatNotFound, match="no_such_group"):
        await session.join_and_scrape_members("@no_such_group")


async def test_banned_account_cannot_join(small: Small, session):
    group = small.world.add_supergroup("Strict", username="strict_group", members=10)
    small.world.ban(group, small.me)
    with pytest.raises(PrivateChat):
        await session.join_and_scrape_members("@strict_group")
    assert small.me.id not in group.members


async def test_an_account_in_500_channels_cannot_join_another(small: Small, session):
    for number in range(500 - small.world.channel_count(small.me)):
        small.world.join(small.world.add_supergroup(f"Filler {number}"), small.me)
    small.world.add_supergroup("One more", username="one_more_group", members=5)
    with pytest.raises(TooManyChannels, match="500"):
        await session.join_and_scrape_members("@one_more_group")
