"""A smoke test against real Telegram; runs only with an account's credentials set.

Set ``TG_API_ID``, ``TG_API_HASH`` and ``TG_SESSION`` (a Telethon StringSession
string, or the path of a ``.session`` file of a logged-in account). Optional:
``TG_TEST_GROUP`` (a public group whose members the account may list; default
none) and ``TG_TEST_CHANNEL`` (a public channel to read; default ``@telegram``).
Everything runs with tgkit's default pacing, so it is slow on purpose.
"""

from __future__ import annotations

import os

import pytest
from telethon import TelegramClient
from telethon.sessions import StringSession

from tgkit.frames import frame_dtypes
from tgkit.session import TelegramSession

NEEDED = ("TG_API_ID", "TG_API_HASH", "TG_SESSION")

pytestmark = [
    pytest.mark.real_account,
    pytest.mark.skipif(
        not all(os.environ.get(name) for name in NEEDED),
        reason="needs TG_API_ID, TG_API_HASH and TG_SESSION of a logged-in account",
    ),
]


def _client() -> TelegramClient:
    session = os.environ["TG_SESSION"]
    source = session if session.endswith(".session") else StringSession(session)
    return TelegramClient(source, int(os.environ["TG_API_ID"]), os.environ["TG_API_HASH"])


async def test_messages_and_members_from_real_telegram() -> None:
    async with TelegramSession("real-smoke", client=_client(), store=False) as session:
        channel = os.environ.get("TG_TEST_CHANNEL", "@telegram")
        messages = await session.scrape_messages(channel, limit=5)
        assert len(messages) == 5
        assert dict(messages.dtypes) == frame_dtypes("messages")
        assert messages["date"].is_monotonic_decreasing

        group = os.environ.get("TG_TEST_GROUP")
        if group:
            members = await session.scrape_group_members(group, max_members=50)
            assert 0 < len(members) <= 50
            assert members["user_id"].is_unique
        history = session.history()
        assert (history["state"] == "DONE").all()
