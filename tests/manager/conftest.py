"""The manager tests run on looptime's virtual loop clock: timing never depends on load."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here) and not item.get_closest_marker("real_clock"):
            item.add_marker(pytest.mark.looptime)
