"""search_chats and search_messages on the sandbox universe, on every face."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tgkit import TelegramSession
from tgkit.frames import CHAT_COLUMNS, MESSAGE_COLUMNS
from tgkit.sandbox import User
from tgkit.sandbox.universe import Universe, marked

pytestmark = pytest.mark.telethon_compat


async def test_search_chats_finds_public_channels_by_title_and_username(
    universe: Universe, session: TelegramSession
) -> None:
    chat = next(c for c in universe.channels if c.username and c.id in universe.world.chats)
    df = await session.search_chats(chat.username, limit=5)
    assert list(df.columns) == list(CHAT_COLUMNS)
    assert marked(chat.id) in set(df["chat_id"])
    topic = chat.username.split("_")[0]
    many = await session.search_chats(topic, limit=100)
    assert len(many) > 1 and set(many["type"]) == {"channel"}
    with pytest.raises(ValueError, match="at least 3"):
        await session.search_chats("ab")


async def test_search_messages_in_one_chat_and_everywhere(
    universe: Universe, me: User, session: TelegramSession
) -> None:
    world = universe.world
    chat = next(c for c in universe.channels if c.username and len(c.messages) > 5)
    word = max(chat.messages[-1].text.split(), key=len)
    one = await session.search_messages(f"@{chat.username}", word, days_back=60)
    assert list(one.columns) == list(MESSAGE_COLUMNS)
    assert len(one) >= 1 and set(one["chat_id"]) == {marked(chat.id)}
    assert all(word.casefold() in text.casefold() for text in one["text"])
    world.join(chat, me)
    everywhere = await session.search_messages(None, word, days_back=60)
    assert set(one["message_id"]) <= set(everywhere["message_id"])


def test_the_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tgkit.cli import main

    out = tmp_path / "chats.csv"
    assert main(["search-chats", "--query", "news", "--limit", "5", "--sandbox", "-o", str(out),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] >= 1
