"""Rich message rows: forward origins, threads, signatures, entities, reactions, actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from telethon.tl import types

from tgkit.frames import frame_from_columns, reaction_counts
from tgkit.telegram.convert_messages import entity_lists, message_columns

pytestmark = pytest.mark.telethon_compat

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=3)
CHAT = -1001234567890


def message(**fields) -> types.Message:
    fields.setdefault("id", 1)
    fields.setdefault("peer_id", types.PeerChannel(1234567890))
    fields.setdefault("date", NOW)
    fields.setdefault("message", "")
    return types.Message(**fields)


def frame(items, **options) -> pd.DataFrame:
    columns = message_columns(items, chat_id=CHAT, users_by_id=None, collected_at=NOW, **options)
    return frame_from_columns("messages", columns)


def test_forward_origins_as_telegram_gives_them() -> None:
    from_channel = types.MessageFwdHeader(
        date=EARLIER, from_id=types.PeerChannel(55), channel_post=900, post_author="Desk"
    )
    from_user = types.MessageFwdHeader(date=EARLIER, from_id=types.PeerUser(42))
    hidden = types.MessageFwdHeader(date=EARLIER, from_name="Anonymous Fox")
    from_group = types.MessageFwdHeader(date=EARLIER, from_id=types.PeerChat(77))
    df = frame([message(id=i + 1, fwd_from=h) for i, h in
                enumerate([from_channel, from_user, hidden, from_group, None])])
    assert df["fwd_from_type"].tolist()[:4] == ["channel", "user", "hidden", "chat"]
    assert pd.isna(df.loc[4, "fwd_from_type"])
    assert df.loc[0, "fwd_from_id"] == -1000000000055 and df.loc[0, "fwd_from_message_id"] == 900
    assert df.loc[0, "fwd_post_author"] == "Desk" and df.loc[0, "fwd_date"] == EARLIER
    assert df.loc[1, "fwd_from_id"] == 42 and df.loc[3, "fwd_from_id"] == -77
    assert pd.isna(df.loc[2, "fwd_from_id"]) and df.loc[2, "fwd_from_name"] == "Anonymous Fox"


def test_threads_signatures_bots_and_pins() -> None:
    in_thread = types.MessageReplyHeader(reply_to_msg_id=12, reply_to_top_id=10)
    in_topic = types.MessageReplyHeader(reply_to_msg_id=30, forum_topic=True)
    df = frame([
        message(id=1, reply_to=in_thread, post_author="Editor", via_bot_id=999, pinned=True),
        message(id=2, reply_to=in_topic),
        message(id=3),
    ])
    assert df["reply_to_msg_id"].tolist()[:2] == [12, 30]
    assert df["reply_to_top_id"].tolist()[:2] == [10, 30] and pd.isna(df.loc[2, "reply_to_top_id"])
    assert df.loc[0, "post_author"] == "Editor" and df.loc[0, "via_bot_id"] == 999
    assert df["is_pinned"].tolist() == [True, False, False]


def test_entities_use_utf16_offsets_and_give_lists() -> None:
    text = "🔥🔥 read https://example.org/a and t.me/news #Climate @ada_l, thanks Grace"
    utf16 = text.encode("utf-16-le")

    def at(part: str) -> tuple[int, int]:
        start = utf16.index(part.encode("utf-16-le")) // 2
        return start, len(part.encode("utf-16-le")) // 2

    entities = [
        types.MessageEntityUrl(*at("https://example.org/a")),
        types.MessageEntityTextUrl(*at("t.me/news"), url="https://t.me/news"),
        types.MessageEntityHashtag(*at("#Climate")),
        types.MessageEntityMention(*at("@ada_l")),
        types.MessageEntityMentionName(*at("Grace"), user_id=6987654321),
        types.MessageEntityBold(*at("read")),
    ]
    df = frame([message(message=text, entities=entities), message(id=2, message="plain")])
    assert list(df.loc[0, "urls"]) == ["https://example.org/a", "https://t.me/news"]
    assert list(df.loc[0, "hashtags"]) == ["#Climate"]
    assert list(df.loc[0, "mentions"]) == ["ada_l", "6987654321"]
    assert list(df.loc[1, "urls"]) == [] and list(df.loc[1, "hashtags"]) == []
    counted = df.explode("hashtags")["hashtags"].value_counts()
    assert counted.to_dict() == {"#Climate": 1}


def test_a_hashtag_in_plain_letters_is_not_one_unless_telegram_marks_it() -> None:
    assert entity_lists("#not_marked", []) == ([], [], [])


def test_reactions_per_emoji_and_their_total() -> None:
    reactions = types.MessageReactions(results=[
        types.ReactionCount(reaction=types.ReactionEmoji("👍"), count=5),
        types.ReactionCount(reaction=types.ReactionCustomEmoji(document_id=77), count=2),
    ])
    df = frame([message(id=1, reactions=reactions), message(id=2)])
    assert df["reactions"].tolist()[0] == 7 and pd.isna(df.loc[1, "reactions"])
    long = reaction_counts(df)
    assert long[["message_id", "emoji", "count"]].values.tolist() == [
        [1, "👍", 5], [1, "custom:77", 2]
    ]


def test_service_messages_are_rows_with_an_action_and_no_text_when_asked() -> None:
    pin = types.MessageService(
        id=5, peer_id=types.PeerChannel(1234567890), date=NOW,
        action=types.MessageActionPinMessage(),
        reply_to=types.MessageReplyHeader(reply_to_msg_id=3), from_id=types.PeerUser(42),
    )
    title = types.MessageService(
        id=6, peer_id=types.PeerChannel(1234567890), date=NOW,
        action=types.MessageActionChatEditTitle(title="New name"),
    )
    written = message(id=7, message="hello")
    assert frame([pin, title, written])["message_id"].tolist() == [7]
    df = frame([pin, title, written], service=True)
    assert df["action"].tolist()[:2] == ["pin", "title"] and pd.isna(df.loc[2, "action"])
    assert df["text"].isna().tolist() == [True, True, False]
    assert df.loc[0, "reply_to_msg_id"] == 3 and df.loc[0, "sender_id"] == 42


def test_comments_name_their_channel_post() -> None:
    df = frame([message(id=4)], post=(-1000000000055, 900))
    assert (df.loc[0, "post_chat_id"], df.loc[0, "post_id"]) == (-1000000000055, 900)
    assert pd.isna(frame([message(id=4)]).loc[0, "post_id"])
