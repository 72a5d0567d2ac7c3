"""A monitor shown in a cell updates in place while it runs, and ends on its final state."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from notebook_helpers import eventually

from tgkit.core import OperationState
from tgkit.notebook.connect import connect
from tgkit.notebook.facade import Notebook
from tgkit.sandbox import DEMO_TARGETS

SMALL = DEMO_TARGETS["small_group"]


@pytest.fixture(scope="module")
def tg() -> Iterator[Notebook]:
    notebook = connect("monitor-view-tests", sandbox=True)
    yield notebook
    notebook.close()


def _count(html: str) -> int:
    found = re.search(r"RUNNING: ([\d,]+) message|DONE: ([\d,]+) message", html)
    assert found, html
    return int((found.group(1) or found.group(2)).replace(",", ""))


def test_the_view_counts_up_while_the_monitor_runs_and_keeps_its_final_state(
    tg: Notebook,
) -> None:
    watch = tg.monitor(SMALL, duration="1min")
    view = watch.view()
    eventually(lambda: watch.state is OperationState.RUNNING)
    tg.world.start_activity("small_group", 40)
    try:
        eventually(lambda: watch.count >= 3, within=10)
        eventually(lambda: _count(view.widget.value) >= 3, within=5)
        first = _count(view.widget.value)
        eventually(lambda: _count(view.widget.value) > first, within=10)
        assert "newest" in view.widget.value and " UTC" in view.widget.value
    finally:
        tg.world.stop_activity()
    watch.stop()
    final = watch.result()
    eventually(lambda: "DONE" in view.widget.value, within=5)
    assert _count(view.widget.value) == len(final)
    assert f"{len(final):,} message" in watch._repr_html_()
