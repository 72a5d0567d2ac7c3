"""Fixtures for the session core tests: a started scheduler with small timeouts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here runs on looptime's virtual loop clock: timing never depends on load."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here) and not item.get_closest_marker("real_clock"):
            item.add_marker(pytest.mark.looptime)
