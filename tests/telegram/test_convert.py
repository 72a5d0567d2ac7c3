"""Telethon objects → frame columns, with real telethon.tl.types objects (no mocks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from telethon.tl import types
from telethon.tl.tlobject import TLObject

from tgkit.frames import MEMBER_COLUMNS, MESSAGE_COLUMNS, frame_from_columns
from tgkit.telegram.convert import media_type, member_columns, message_columns, role_of

pytestmark = pytest.mark.telethon_compat

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=3)
CHAT = -1001234567890


def members(users, participants=None, source="participants"):
    columns = member_columns(
        users, participants=participants, chat_id=CHAT, chat_title="Lab",
        source=source, collected_at=NOW,
    )
    return frame_from_columns("members", columns)


def messages(items, chat_id=CHAT, users_by_id=None):
    columns = message_columns(items, chat_id=chat_id, users_by_id=users_by_id, collected_at=NOW)
    return frame_from_columns("messages", columns)


def test_member_columns_are_the_schema_in_order() -> None:
    columns = member_columns(
        [], participants=None, chat_id=CHAT, chat_title="Lab", source="search", collected_at=NOW
    )
    assert list(columns) == list(MEMBER_COLUMNS)
    assert all(values == [] for values in columns.values())


def test_user_fields() -> None:
    user = types.User(
        id=42, username="ada_l", first_name="Ada", last_name="Lovelace", phone="441234",
        bot=False, verified=True, premium=True, scam=False, fake=True,
        status=types.UserStatusOffline(was_online=EARLIER),
    )
    row = members([user]).iloc[0]
    assert (row.user_id, row.username, row.first_name, row.last_name, row.phone) == (
        42, "ada_l", "Ada", "Lovelace", "441234"
    )
    assert (row.is_bot, row.is_deleted, row.is_verified, row.is_premium) == (
        False, False, True, True
    )
    assert (row.is_scam, row.is_fake) == (False, True)
    assert row.status == "offline" and row.last_seen == pd.Timestamp(EARLIER)
    assert (row.chat_id, row.chat_title, row.source) == (CHAT, "Lab", "participants")
    assert row.collected_at == pd.Timestamp(NOW)


def test_deleted_account_has_no_names() -> None:
    row = members([types.User(id=7, deleted=True)], source="messages").iloc[0]
    assert row.is_deleted
    assert pd.isna(row.username) and pd.isna(row.first_name) and pd.isna(row.status)
    assert row.role == "unknown" and row.source == "messages"


def test_collectible_username_is_used_when_the_plain_one_is_missing() -> None:
    user = types.User(
        id=8,
        usernames=[
            types.Username(username="old_name", active=False),
            types.Username(username="fancy_name", active=True),
        ],
    )
    assert members([user]).loc[0, "username"] == "fancy_name"


@pytest.mark.parametrize(
    ("status", "name", "last_seen"),
    [
        (types.UserStatusOnline(expires=NOW + timedelta(minutes=5)), "online", NOW),
        (types.UserStatusOffline(was_online=EARLIER), "offline", EARLIER),
        (types.UserStatusRecently(), "recently", None),
        (types.UserStatusLastWeek(), "last_week", None),
        (types.UserStatusLastMonth(), "last_month", None),
        (types.UserStatusEmpty(), "hidden", None),
        (None, None, None),
    ],
)
def test_status_and_last_seen(status, name, last_seen) -> None:
    row = members([types.User(id=1, status=status)]).iloc[0]
    assert (None if pd.isna(row.status) else row.status) == name
    assert (None if pd.isna(row.last_seen) else row.last_seen) == (
        None if last_seen is None else pd.Timestamp(last_seen)
    )


def test_roles_and_join_dates_from_participants() -> None:
    kicked = types.ChatBannedRights(until_date=None, view_messages=True)
    muted = types.ChatBannedRights(until_date=None, send_messages=True)
    rights = types.ChatAdminRights(delete_messages=True)
    participants = {
        1: types.ChannelParticipantCreator(user_id=1, admin_rights=rights),
        2: types.ChannelParticipantAdmin(
            user_id=2, promoted_by=1, date=EARLIER, admin_rights=rights
        ),
        3: types.ChannelParticipant(user_id=3, date=EARLIER),
        4: types.ChannelParticipantBanned(
            peer=types.PeerUser(4), kicked_by=1, date=EARLIER, banned_rights=kicked
        ),
        5: types.ChannelParticipantBanned(
            peer=types.PeerUser(5), kicked_by=1, date=EARLIER, banned_rights=muted
        ),
        6: types.ChannelParticipantBanned(
            peer=types.PeerUser(6), kicked_by=1, date=EARLIER, banned_rights=muted, left=True
        ),
        7: types.ChannelParticipantLeft(peer=types.PeerUser(7)),
        8: types.ChannelParticipantSelf(user_id=8, inviter_id=1, date=EARLIER),
    }
    users = [types.User(id=i) for i in range(1, 10)]
    df = members(users, participants)
    assert df["role"].tolist() == [
        "creator", "admin", "member", "banned", "member", "left", "left", "member", "unknown",
    ]
    assert pd.isna(df.loc[0, "joined_at"])
    assert df.loc[1, "joined_at"] == pd.Timestamp(EARLIER)
    assert pd.isna(df.loc[8, "joined_at"])


def test_basic_group_participants() -> None:
    assert role_of(types.ChatParticipantCreator(user_id=1)) == "creator"
    assert role_of(types.ChatParticipantAdmin(user_id=1, inviter_id=2, date=NOW)) == "admin"
    assert role_of(types.ChatParticipant(user_id=1, inviter_id=2, date=NOW)) == "member"
    assert role_of(None) == "unknown"


def test_unknown_source_is_refused() -> None:
    with pytest.raises(ValueError, match="source must be one of"):
        member_columns(
            [], participants=None, chat_id=1, chat_title=None, source="magic", collected_at=NOW
        )


def make_message(**fields) -> types.Message:
    defaults = {"id": 1, "peer_id": types.PeerChannel(1234567890), "date": NOW, "message": ""}
    return types.Message(**{**defaults, **fields})


def test_message_fields() -> None:
    message = make_message(
        id=10,
        message="hello",
        from_id=types.PeerUser(42),
        reply_to=types.MessageReplyHeader(reply_to_msg_id=9),
        fwd_from=types.MessageFwdHeader(date=EARLIER, from_id=types.PeerChannel(55)),
        views=100,
        forwards=3,
        replies=types.MessageReplies(replies=4, replies_pts=1),
        reactions=types.MessageReactions(
            results=[
                types.ReactionCount(reaction=types.ReactionEmoji("👍"), count=5),
                types.ReactionCount(reaction=types.ReactionEmoji("❤"), count=2),
            ]
        ),
        edit_date=NOW + timedelta(minutes=1),
        grouped_id=777,
    )
    users = {42: types.User(id=42, username="ada_l")}
    row = messages([message], users_by_id=users).iloc[0]
    assert (row.message_id, row.chat_id, row.date) == (10, CHAT, pd.Timestamp(NOW))
    assert (row.sender_id, row.sender_username, row.text) == (42, "ada_l", "hello")
    assert (row.reply_to_msg_id, row.fwd_from_id) == (9, -1000000000055)
    assert (row.views, row.forwards, row.replies, row.reactions) == (100, 3, 4, 7)
    assert row.edit_date == pd.Timestamp(NOW + timedelta(minutes=1))
    assert row.grouped_id == 777 and pd.isna(row.media_type)


def test_message_columns_are_the_schema_in_order() -> None:
    columns = message_columns([], chat_id=CHAT, users_by_id=None, collected_at=NOW)
    assert list(columns) == list(MESSAGE_COLUMNS)


def test_missing_counts_are_na_and_empty_text_is_na() -> None:
    row = messages([make_message(from_id=types.PeerUser(1))]).iloc[0]
    for column in ("text", "reply_to_msg_id", "fwd_from_id", "views", "forwards", "replies",
                   "reactions", "edit_date", "grouped_id", "sender_username"):
        assert pd.isna(row[column]), column


def test_sender_of_channel_posts_and_private_messages() -> None:
    post = make_message(post=True)
    incoming = make_message(peer_id=types.PeerUser(5), out=False)
    outgoing = make_message(peer_id=types.PeerUser(5), out=True)
    anonymous = make_message()  # a group message with the sender hidden
    basic = make_message(peer_id=types.PeerChat(77), from_id=types.PeerChat(77))
    df = messages([post, incoming, outgoing, anonymous, basic], chat_id=None)
    assert df["sender_id"].tolist()[:2] == [CHAT, 5]
    assert df["sender_id"].isna().tolist() == [False, False, True, True, False]
    assert df["sender_id"].tolist()[4] == -77
    assert df["chat_id"].tolist() == [CHAT, 5, 5, CHAT, -77]


def test_hidden_forward_author_is_na() -> None:
    fwd = types.MessageFwdHeader(date=EARLIER, from_name="Someone")
    assert pd.isna(messages([make_message(fwd_from=fwd)]).loc[0, "fwd_from_id"])


def test_story_reply_has_no_reply_to_msg_id() -> None:
    story = types.MessageReplyStoryHeader(peer=types.PeerUser(1), story_id=3)
    assert pd.isna(messages([make_message(reply_to=story)]).loc[0, "reply_to_msg_id"])


def test_service_and_empty_messages_are_skipped() -> None:
    service = types.MessageService(
        id=2, peer_id=types.PeerChannel(1234567890), date=NOW,
        action=types.MessageActionChatJoinedByLink(inviter_id=3),
    )
    empty = types.MessageEmpty(id=3, peer_id=None)
    df = messages([make_message(id=1), service, empty, make_message(id=4)])
    assert df["message_id"].tolist() == [1, 4]


def document(*attributes, **flags) -> types.MessageMediaDocument:
    doc = types.Document(
        id=1, access_hash=1, file_reference=b"", date=NOW, mime_type="x/y", size=1,
        dc_id=1, attributes=list(attributes),
    )
    return types.MessageMediaDocument(document=doc, **flags)


@pytest.mark.parametrize(
    ("media", "name"),
    [
        (None, None),
        (types.MessageMediaEmpty(), None),
        (types.MessageMediaPhoto(), "photo"),
        (types.MessageMediaWebPage(webpage=types.WebPageEmpty(id=1)), "webpage"),
        (types.MessageMediaGeo(geo=types.GeoPointEmpty()), "geo"),
        (types.MessageMediaContact("1", "A", "B", "", 1), "contact"),
        (types.MessageMediaDice(value=3, emoticon="🎲"), "dice"),
        (types.MessageMediaUnsupported(), "unsupported"),
        (document(), "document"),
        (document(types.DocumentAttributeFilename("a.pdf")), "document"),
        (document(types.DocumentAttributeSticker("", types.InputStickerSetEmpty())), "sticker"),
        (document(types.DocumentAttributeAnimated(),
                  types.DocumentAttributeVideo(1, 1, 1)), "gif"),
        (document(types.DocumentAttributeVideo(1, 1, 1)), "video"),
        (document(types.DocumentAttributeVideo(1, 1, 1, round_message=True)), "video_note"),
        (document(types.DocumentAttributeAudio(1, voice=True)), "voice"),
        (document(types.DocumentAttributeAudio(1, title="song")), "audio"),
        (document(voice=True), "voice"),
        (types.MessageMediaDocument(), "document"),
    ],
)
def test_media_types(media, name) -> None:
    assert media_type(media) == name
    stored = messages([make_message(media=media)]).loc[0, "media_type"]
    assert (pd.isna(stored) and name is None) or stored == name


def bare(cls: type) -> object:
    """An instance of a real TL class whose constructor differs between layers."""
    return cls.__new__(cls)


def test_poll_media() -> None:
    # Poll's constructor arguments changed between layers; the class is what counts.
    assert media_type(bare(types.MessageMediaPoll)) == "poll"


def test_media_unknown_to_this_version_is_other() -> None:
    class MessageMediaFromTheFuture(TLObject):
        pass

    assert media_type(MessageMediaFromTheFuture()) == "other"
    stream = getattr(types, "MessageMediaVideoStream", None)
    if stream is not None:  # newer layers only
        assert media_type(bare(stream)) == "other"


def test_converting_many_messages_keeps_every_row() -> None:
    batch = [
        make_message(id=i, message=f"m{i}", from_id=types.PeerUser(i % 500), views=i)
        for i in range(20_000)
    ]
    users = {i: types.User(id=i, username=f"user{i}") for i in range(500)}
    df = messages(batch, users_by_id=users)
    assert len(df) == 20_000 and df.loc[19_999, "sender_username"] == "user499"
