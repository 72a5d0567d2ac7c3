"""Issue 20 in the notebook: the stop button, pressed at any moment of a scrape, stops it.

A property over where the press lands, driven by the scheduler's own events
(not sleeps): SIGINT is sent to the process from the loop thread when the
scrape is queued, when it starts (before its first page), or at its k-th
page, while the cell waits in ``tg.members``. The cell gets
``KeyboardInterrupt`` and the scrape ends CANCELLED with its partial rows;
the lock is free and the next operation runs.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from notebook_helpers import eventually, on_loop

from tgkit.core import SchedulerEvent
from tgkit.notebook.connect import connect
from tgkit.notebook.facade import Notebook
from tgkit.notebook.loop import background_loop
from tgkit.sandbox import DEMO_TARGETS

BIG, SMALL = DEMO_TARGETS["big_group"], DEMO_TARGETS["small_group"]


@pytest.fixture(scope="module")
def tg() -> Iterator[Notebook]:
    notebook = connect("stop-race-tests", sandbox=True)
    yield notebook
    notebook.close()


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(moment=st.sampled_from(["queued", "started", 1, 2, 3, 5]))
def test_stop_at_any_moment_ends_the_scrape_cancelled(tg: Notebook, moment: str | int) -> None:
    scheduler = tg.session.scheduler
    pressed: list[str] = []

    def on_event(event: SchedulerEvent) -> None:
        if pressed or event.operation.label != f"members {BIG}":
            return
        at_page = event.type == "progress" and event.operation.progress.done >= 1
        if moment == event.type or (at_page and pressed_at_page(event)):
            pressed.append(event.operation.id)
            os.kill(os.getpid(), signal.SIGINT)  # the cell's thread gets KeyboardInterrupt

    pages = {"count": 0}

    def pressed_at_page(event: SchedulerEvent) -> bool:
        pages["count"] += 1
        return isinstance(moment, int) and pages["count"] >= moment

    unsubscribe = on_loop(background_loop(), lambda: scheduler.subscribe(on_event))
    try:
        with pytest.raises(KeyboardInterrupt):
            tg.members(BIG, resume=False, progress=False)
    finally:
        on_loop(background_loop(), unsubscribe)
    assert len(pressed) == 1
    history = tg.history.set_index("id")
    assert history.loc[pressed[0], "state"] == "CANCELLED"
    eventually(lambda: scheduler.running is None and tg.queue.empty)
    assert len(tg.messages(SMALL, days_back=1, progress=False)) > 0  # the lock is free
