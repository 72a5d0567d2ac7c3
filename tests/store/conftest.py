"""Fixtures for the store tests: a fresh store in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tgkit.store import Store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "tgkit.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(db_path, busy_timeout=2.0) as opened:
        yield opened
