"""Fixtures for the session core tests: a started scheduler with small timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tgkit.core import Scheduler, SessionConfig

# Small limits so timing tests take milliseconds, not seconds.
FAST = SessionConfig(queue_timeout=1.0, lock_timeout=0.2, drain_timeout=0.2)


@pytest.fixture
async def scheduler() -> AsyncIterator[Scheduler]:
    started = Scheduler(FAST, name="test")
    await started.start()
    yield started
    await started.stop()
    assert other_tasks() == set(), "the scheduler left a task behind"


def other_tasks() -> set[asyncio.Task[object]]:
    """Every task on the loop except the one asking."""
    return asyncio.all_tasks() - {asyncio.current_task()}
