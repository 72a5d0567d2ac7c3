"""Building a ``TelegramClient`` the same way on every supported Telethon (1.39 to 1.45).

Telethon 1.39's constructor asks for the thread's current event loop (only to
check it can open sockets) and fails with "There is no current event loop in
thread 'MainThread'" when there is none: in a script after ``asyncio.run()``,
or in a thread of its own. Telethon 1.40 and later look for the loop only when
the client connects. ``new_client`` lends 1.39 a loop for the check and takes
it back, so ``TelegramSession(...)`` works wherever it is built, and no loop
is left behind.

    >>> client = new_client(StringSession(), 12345, "0" * 32)
    >>> client.is_connected()
    False
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from telethon import TelegramClient
from telethon.sessions import StringSession

__all__ = ["StringSession", "new_client"]


def new_client(session: Any, api_id: int, api_hash: str, **options: Any) -> TelegramClient:
    """``TelegramClient(session, api_id, api_hash, **options)``, with or without a current loop."""
    with _a_current_loop():
        return TelegramClient(session, api_id, api_hash, **options)


@contextmanager
def _a_current_loop() -> Iterator[None]:
    if _has_current_loop():
        yield
        return
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def _has_current_loop() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # get_event_loop's, on 3.12+
        try:
            asyncio.get_event_loop_policy().get_event_loop()
            return True
        except RuntimeError:
            return False
