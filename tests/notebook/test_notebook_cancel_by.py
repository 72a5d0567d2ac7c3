"""Every way a notebook call can be stopped raises an error that names who stopped it.

On the sandbox, for one session and for a pool: the dashboard's cancel
button (``by="dashboard"``), Ctrl-C / the stop button (``by="ctrl-c"``: the
cell gets ``KeyboardInterrupt`` so the stop button stops the cell even
through ``except Exception``, whose ``__cause__`` is the ``Cancelled``, and
``tg.last.result()`` raises that ``Cancelled``), ``tg.cancel`` and
``job.cancel()`` (``by="handle"``), the operation's own timeout
(``OperationTimeout``, ``by == "timeout"``) and the session closing under a
call (``SessionClosed``). The one line the notebook shows says the same.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from notebook_helpers import eventually
from pool_helpers import HOLD, HOLD_ROWS

import tgkit
from tgkit.core import OperationState, SessionConfig
from tgkit.errors import Cancelled, OperationTimeout, SessionClosed
from tgkit.notebook.connect import connect
from tgkit.notebook.facade import Notebook
from tgkit.notebook.pool import Pool
from tgkit.sandbox import DEMO_TARGETS
from tgkit.telegram.operations import CATALOGUE

BIG = DEMO_TARGETS["big_group"]


@pytest.fixture(scope="module")
def tg() -> Iterator[Notebook]:
    notebook = connect("cancel-by-tests", sandbox=True)
    notebook.world.latency = 0.005  # the big group takes seconds: there is time to stop it
    yield notebook
    notebook.close()


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    config = SessionConfig(pacing=False, flood_sleep_max=1, drain_timeout=0.2)
    with CATALOGUE.adding(HOLD), CATALOGUE.adding(HOLD_ROWS):
        opened = tgkit.connect(["ca", "cb"], sandbox=True, config=config)
        yield opened
        opened.close()


class _StopButton:
    """Sends this process SIGINT once ``check()`` holds, while the call waits: what the
    stop button does. ``disarm()`` (when the call has returned) means no SIGINT later."""

    def __init__(self, check: Callable[[], bool]) -> None:
        self._check = check
        self._armed = threading.Lock()
        self._live = True
        self._thread = threading.Thread(target=self._press, daemon=True)
        self._thread.start()

    def _press(self) -> None:
        eventually(lambda: not self._live or self._check(), within=10)
        with self._armed:
            if self._live:
                self._live = False
                os.kill(os.getpid(), signal.SIGINT)

    def disarm(self) -> None:
        with self._armed:
            self._live = False
        self._thread.join()


def _stop_button_when(check: Callable[[], bool]) -> _StopButton:
    return _StopButton(check)


def _shown(error: BaseException) -> str:
    lines = error._render_traceback_()  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    return str(lines[0])


def _big_scrape(tg: Notebook) -> Any:
    job = tg.members(BIG, refresh=True, background=True)
    eventually(lambda: job.progress.done > 0, within=10)
    return job


# --- one session --------------------------------------------------------------


def test_the_dashboards_button_raises_cancelled_by_the_dashboard(tg: Notebook) -> None:
    dash = tg.dashboard()
    job = _big_scrape(tg)
    eventually(lambda: dash.refresh_now() or dash.panels[tg.name]._running_id == job.id)
    dash.cancel(job.id)  # presses the running operation's cancel button
    with pytest.raises(Cancelled) as raised:
        job.result(progress=False)
    assert raised.value.by == "dashboard"
    assert str(raised.value) == (
        f"{job.id} (SCRAPE 'members {BIG}') was cancelled while running "
        "by the dashboard's cancel button"
    )
    with pytest.raises(Cancelled) as again:
        tg.last.result()
    assert again.value is raised.value and tg.last.handle.exception() is raised.value


def test_the_one_line_names_the_dashboard(tg: Notebook) -> None:
    dash = tg.dashboard()
    job = _big_scrape(tg)
    eventually(lambda: dash.refresh_now() or dash.panels[tg.name]._running_id == job.id)
    dash.cancel(job.id)
    with pytest.raises(Cancelled) as raised:
        job.result(progress=False)
    line = _shown(raised.value)
    rows = len(tg.last.partial)
    assert rows > 0
    assert line == (
        f"cancelled members {BIG} after {rows:,} rows (by the dashboard's cancel button); "
        "tg.last.partial has them; run the same call again to resume"
    )


def test_ctrl_c_is_a_keyboard_interrupt_caused_by_cancelled_by_ctrl_c(tg: Notebook) -> None:
    started: list[Any] = []
    before = tg.last
    timer = _stop_button_when(
        lambda: tg.last is not before and tg.last is not None and tg.last.progress.done > 0
    )
    try:
        with pytest.raises(KeyboardInterrupt) as raised:
            started.append(tg.members(BIG, refresh=True, progress=False))
    finally:
        timer.disarm()
    assert not started
    job = tg.last
    assert job.state is OperationState.CANCELLED
    cause = raised.value.__cause__
    assert isinstance(cause, Cancelled) and cause.by == "ctrl-c"
    assert "by Ctrl-C / the stop button" in str(cause)
    assert "(by Ctrl-C / the stop button); tg.last.partial has them" in _shown(raised.value)
    with pytest.raises(Cancelled) as later:
        job.result(progress=False)
    assert later.value is cause


def test_tg_cancel_and_job_cancel_raise_cancelled_by_the_handle(tg: Notebook) -> None:
    for cancel in (lambda job: tg.cancel(job.id), lambda job: job.cancel()):
        job = _big_scrape(tg)
        assert cancel(job) is True
        with pytest.raises(Cancelled) as raised:
            job.result(progress=False)
        assert raised.value.by == "handle"
        assert "by cancel() on its handle, job or id" in str(raised.value)
        assert cancel(job) is False  # it has ended: nothing more to cancel


def test_the_operations_own_timeout_says_so(tg: Notebook) -> None:
    with pytest.raises(OperationTimeout) as raised:
        tg.members(BIG, refresh=True, timeout=0.2, progress=False)
    assert raised.value.by == "timeout"
    assert "ran past its timeout of 0.2 s" in str(raised.value)
    line = _shown(raised.value)
    assert line.startswith(f"timed out members {BIG}") and "(by its timeout)" in line


def test_a_session_closing_under_a_call_says_so() -> None:
    tg = connect("cancel-by-closing", sandbox=True, config=SessionConfig(drain_timeout=0.05))
    tg.world.latency = 0.005
    job = _big_scrape(tg)
    tg.close()
    with pytest.raises(SessionClosed) as raised:
        job.result(progress=False)
    assert job.state is OperationState.CANCELLED
    assert "stopped while" in str(raised.value) and "drain_timeout" in str(raised.value)
    assert "(by its session closing)" in _shown(raised.value)


# --- a pool ---------------------------------------------------------------------


def test_the_pool_dashboards_button_raises_cancelled_by_the_dashboard(pool: Pool) -> None:
    dash = pool.dashboard()
    job = pool.hold_account("@target_1", background=True)
    eventually(lambda: job.state is OperationState.RUNNING)
    eventually(lambda: dash.refresh_now() or job.id in dash.panel.job_ids)
    dash.cancel(job.id)
    with pytest.raises(Cancelled) as raised:
        job.result(progress=False)
    assert raised.value.by == "dashboard"
    assert str(raised.value) == (
        f"{job.id} hold_account @target_1 was cancelled while running "
        "by the dashboard's cancel button"
    )
    assert "(by the dashboard's cancel button)" in _shown(raised.value)
    # the account's own operation ended the same way, named the same
    attempt = job.handle.operation_handle
    assert attempt.state is OperationState.CANCELLED
    assert attempt.exception().by == "dashboard"


def test_ctrl_c_on_a_pool_call_names_ctrl_c(pool: Pool) -> None:
    before = pool.last
    timer = _stop_button_when(
        lambda: pool.last is not before and pool.last.state is OperationState.RUNNING
    )
    try:
        with pytest.raises(KeyboardInterrupt) as raised:
            pool.hold_account("@target_2")
    finally:
        timer.disarm()
    cause = raised.value.__cause__
    assert isinstance(cause, Cancelled) and cause.by == "ctrl-c"
    assert "(by Ctrl-C / the stop button)" in _shown(raised.value)
    with pytest.raises(Cancelled) as later:
        pool.last.result(progress=False)
    assert later.value.by == "ctrl-c"


def test_pool_cancel_by_id_and_job_cancel_name_the_handle(pool: Pool) -> None:
    jobs = [pool.hold_account(f"@target_{n}", background=True) for n in (3, 4)]
    eventually(lambda: all(job.state is OperationState.RUNNING for job in jobs))
    assert pool.cancel(jobs[0].id) is True
    assert jobs[1].cancel() is True
    for job in jobs:
        with pytest.raises(Cancelled) as raised:
            job.result(progress=False)
        assert raised.value.by == "handle"


def test_ctrl_c_during_many_withdraws_every_target_by_ctrl_c(pool: Pool) -> None:
    job = pool.many([f"@target_{n}" for n in range(5, 8)], what="hold_rows", background=True)
    eventually(lambda: (pool.queue["state"] == "RUNNING").sum() == 2)
    job.interrupt()  # what Ctrl-C does while result() waits
    assert all(handle.done() for handle in job.handles)
    assert {handle.exception().by for handle in job.handles} == {"ctrl-c"}
    with pytest.raises(Cancelled) as raised:
        job.result(progress=False)
    assert raised.value.by == "ctrl-c"


def test_many_job_cancel_names_who_for_the_job_and_every_target(pool: Pool) -> None:
    job = pool.many([f"@target_{n}" for n in range(9, 12)], what="hold_rows", background=True)
    eventually(lambda: (pool.queue["state"] == "RUNNING").sum() == 2)
    assert job.cancel(by="dashboard") is True
    with pytest.raises(Cancelled) as raised:
        job.result(progress=False)
    assert raised.value.by == "dashboard"
    eventually(lambda: all(handle.done() for handle in job.handles))
    assert {handle.exception().by for handle in job.handles} == {"dashboard"}
