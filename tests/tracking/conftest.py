"""Fixtures of the tracking tests (helpers live in tracking_helpers)."""

from __future__ import annotations

import pytest
from tracking_helpers import tracking_world

from tgkit.sandbox import World


@pytest.fixture
def world() -> World:
    return tracking_world()
