"""A raising ``on_message`` callback: logged once with its traceback, then only counted.

Issue 14, defect 10: a broken callback must neither stop the monitor nor
flood the log. The monitor keeps every row; ``attrs['callback_errors']``
counts each failure; the log has one record, with the traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from tgkit.core import OperationState, SessionConfig
from tgkit.sandbox import World
from tgkit.session import TelegramSession

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)


async def _until(check: Callable[[], Any], what: str) -> None:
    for _ in range(1000):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"waited in vain for {what}")


def _broken(row: dict[str, Any]) -> None:
    raise RuntimeError(f"broken callback on message {row['message_id']}")


async def _broken_async(row: dict[str, Any]) -> None:
    await asyncio.sleep(0)
    raise RuntimeError(f"broken callback on message {row['message_id']}")


@pytest.mark.parametrize("callback", [_broken, _broken_async], ids=["sync", "async"])
async def test_a_raising_callback_is_logged_once_then_counted(
    callback: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    world = World(seed=5)
    me = world.add_user("Ada", username="ada_research")
    author = world.add_user("Bo", username="bo_writes")
    group = world.add_supergroup("Live group", username="live_group", members=10)
    world.join(group, me)
    world.join(group, author)
    caplog.set_level(logging.ERROR, logger="tgkit")
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        handle = session.monitor("@live_group", duration=60, on_message=callback)
        await _until(lambda: handle.state is OperationState.RUNNING
                     and session.client.list_event_handlers(), "the monitor to listen")
        posted = [world.post(group, author, f"live {n}") for n in range(5)]
        await _until(lambda: handle.count == 5, "five live messages")
        handle.stop()
        frame = await handle
    assert frame["message_id"].tolist() == [m.id for m in posted]  # every row kept
    assert frame.attrs["callback_errors"] == 5
    records = [r for r in caplog.records if "on_message raised" in r.getMessage()]
    assert len(records) == 1, [r.getMessage() for r in caplog.records]
    assert records[0].exc_info is not None  # with its traceback
    assert "broken callback on message" in str(records[0].exc_info[1])
