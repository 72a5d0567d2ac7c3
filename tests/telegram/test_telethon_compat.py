"""A client is built the same way on every supported Telethon, with or without a current loop.

Telethon 1.39 needs the thread's current event loop to build a client, and a
script has none after ``asyncio.run()`` (nor does a new thread); 1.40+ does
not. CI runs this module on both ends (the ``telethon_compat`` marker).
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from tgkit.session import TelegramSession
from tgkit.telethon_compat import StringSession, new_client

pytestmark = pytest.mark.telethon_compat

FAKE_HASH = "0123456789abcdef0123456789abcdef"


def _no_current_loop() -> bool:
    try:
        asyncio.get_event_loop_policy().get_event_loop()
        return False
    except RuntimeError:
        return True


def test_a_session_is_built_after_asyncio_run_and_leaves_no_loop_behind(tmp_path: Path) -> None:
    asyncio.run(asyncio.sleep(0))  # as a script does: the main thread has no current loop now
    assert _no_current_loop()
    session = TelegramSession("after-run", api_id=12345, api_hash=FAKE_HASH, session_dir=tmp_path)
    try:
        assert session.client is not None and not session.client.is_connected()
        assert _no_current_loop()  # the loop lent to Telethon 1.39 was taken back
    finally:
        asyncio.run(session.disconnect())


def test_a_client_is_built_in_a_thread_of_its_own() -> None:
    built: list[object] = []

    def build() -> None:
        built.append(new_client(StringSession(), 1, FAKE_HASH))

    thread = threading.Thread(target=build)
    thread.start()
    thread.join()
    assert len(built) == 1 and not built[0].is_connected()  # type: ignore[attr-defined]


def test_a_client_built_on_a_running_loop_keeps_it() -> None:
    async def build() -> bool:
        loop = asyncio.get_running_loop()
        client = new_client(StringSession(), 1, FAKE_HASH)
        return client.loop is loop

    assert asyncio.run(build())
