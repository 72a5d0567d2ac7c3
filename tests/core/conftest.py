"""Fixtures for the session core tests: a started scheduler with small timeouts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from core_probes import FAST, other_tasks

from tgkit.core import Scheduler


@pytest.fixture
async def scheduler() -> AsyncIterator[Scheduler]:
    started = Scheduler(FAST, name="test")
    await started.start()
    yield started
    await started.stop()
    assert other_tasks() == set(), "the scheduler left a task behind"
