"""Shapes an independent MTProto server (and Telegram, at times) answers with (issue 15).

Each test turns on one of the sandbox's server shapes (``tgkit.sandbox.shapes``)
and checks that tgkit gives the whole truth anyway, or says what it could not get.
"""

from __future__ import annotations

import pandas as pd
import pytest
from session_worlds import FAST, Small

from tgkit.errors import AdminRequired
from tgkit.frames import frame_dtypes
from tgkit.sandbox import FaultRates
from tgkit.session import TelegramSession

pytestmark = pytest.mark.telethon_compat


def _string_columns(kind: str) -> list[str]:
    return [name for name, dtype in frame_dtypes(kind).items() if str(dtype) == "string"]


async def test_count_less_history_pages_do_not_truncate_the_history(small: Small, session):
    small.world.set_faults(FaultRates(countless_history=1.0))
    df = await session.scrape_messages("@small_group", days_back=30)
    assert len(df) == 400  # every page a plain messages.Messages: paging goes on to the end
    assert df["message_id"].is_unique
    assert df.attrs["messages_in_chat"] is None  # no page ever said


async def test_a_shape_change_between_pages_keeps_the_last_known_count(small: Small, session):
    small.world.set_faults(FaultRates(countless_history=0.5))
    small.world.reset_stats()
    df = await session.scrape_messages("@small_group", days_back=30)
    assert len(df) == 400
    assert df.attrs["messages_in_chat"] == 400
    # Four pages of 100 and the empty page that says the history is over.
    assert small.world.stats().count("messages.GetHistory") == 5


async def test_basic_group_members_missing_from_getfullchat_are_fetched(small: Small, session):
    small.world.generate_messages(small.basic, 60, days=3)
    history = await session.scrape_messages(small.basic.id * -1, days_back=5)
    authors = set(history["sender_id"].dropna().tolist())
    small.world.set_faults(FaultRates(users_left_out=1.0))
    small.world.reset_stats()

    df = await session.scrape_group_members(-small.basic.id)

    assert set(df["user_id"]) == set(small.basic.members)  # 40 of 40 rows
    assert small.world.stats().count("users.GetUsers") == 1
    named = set(df.loc[df["first_name"].notna(), "user_id"])
    assert named == (authors | {small.me.id}) & set(small.basic.members)
    unknown = df[df["first_name"].isna()]
    assert len(unknown) == 40 - len(named) > 0
    assert unknown["role"].notna().all() and unknown["joined_at"].notna().all()
    for column in ("username", "last_name", "is_bot", "is_deleted", "status"):
        assert unknown[column].isna().all(), column
    assert df.attrs["coverage_note"].startswith(f"{len(unknown)} of 40 listed members")
    assert dict(df.dtypes) == frame_dtypes("members")


async def test_basic_group_members_stay_rows_when_getusers_fails(small: Small, session):
    small.world.set_faults(FaultRates(users_left_out=1.0))
    small.world.fail_next("users.GetUsers", "USER_ID_INVALID")
    df = await session.scrape_group_members(-small.basic.id)
    assert set(df["user_id"]) == set(small.basic.members)
    assert df["first_name"].isna().all()
    assert "40 of 40 listed members came without their user data" in df.attrs["coverage_note"]


async def test_hidden_members_with_the_admin_list_refused_fall_back_to_authors(small: Small):
    world = small.world
    async with TelegramSession.sandbox(world, small.me, config=FAST) as session:
        world.fail_next("channels.GetParticipants", "CHAT_ADMIN_REQUIRED")
        df = await session.scrape_group_members("@hidden_group")
        assert len(df) > 0 and set(df["source"]) == {"messages"}
        authors = {m.sender_id for m in small.hidden.messages if m.sender_id is not None}
        assert set(df["user_id"]) <= authors
        note = df.attrs["coverage_note"]
        assert "refused the admin list (CHAT_ADMIN_REQUIRED)" in note
        assert df.attrs["strategy"] == "admins+messages"

        world.fail_next("channels.GetParticipants", "CHAT_ADMIN_REQUIRED")
        with pytest.raises(AdminRequired, match="CHAT_ADMIN_REQUIRED"):
            await session.scrape_group_members(
                "@hidden_group", fallback_to_messages=False, resume=False
            )


async def test_empty_strings_from_the_server_are_na_in_every_string_column(small: Small):
    world = small.world
    world.set_faults(FaultRates(empty_strings=True))
    no_last_name = world.add_user("Mono", username=None)
    world.join(small.group, no_last_name)
    world.post(small.group, no_last_name, "hello")
    async with TelegramSession.sandbox(world, small.me, config=FAST) as session:
        members = await session.scrape_group_members("@small_group")
        messages = await session.scrape_messages("@small_group", days_back=30)
        user = await session.client.get_entity(no_last_name.id)
    assert user.last_name == "" and user.username == ""  # what the server sent
    row = members.set_index("user_id").loc[no_last_name.id]
    assert pd.isna(row["last_name"]) and pd.isna(row["username"])
    for frame, kind in ((members, "members"), (messages, "messages")):
        for column in _string_columns(kind):
            assert not (frame[column] == "").any(), column
