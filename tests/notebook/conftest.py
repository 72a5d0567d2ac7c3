"""Fixtures for the notebook layer: schedulers and sessions living on tgkit's background loop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from notebook_helpers import on_loop

from tgkit.core import Scheduler, SessionConfig
from tgkit.notebook.loop import BackgroundLoop, background_loop


@pytest.fixture
def runner() -> BackgroundLoop:
    return background_loop()


@pytest.fixture
def scheduler(runner: BackgroundLoop) -> Iterator[Scheduler]:
    config = SessionConfig(drain_timeout=0.05, queue_timeout=30.0)
    sched: Scheduler = on_loop(runner, lambda: Scheduler(config, name="dash-test"))
    runner.run(sched.start())
    yield sched
    runner.run(sched.stop())
