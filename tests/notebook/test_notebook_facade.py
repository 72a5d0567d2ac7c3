"""The sync facade on the sandbox: blocking-but-live calls, Ctrl-C, monitors, queue, history."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import threading
from collections.abc import Iterator

import pandas as pd
import pytest
from notebook_helpers import eventually, on_loop

from tgkit.core import OperationState
from tgkit.errors import InvalidTarget
from tgkit.notebook.connect import connect
from tgkit.notebook.facade import Notebook
from tgkit.notebook.jobs import Job
from tgkit.notebook.loop import background_loop
from tgkit.sandbox import DEMO_TARGETS

BIG, SMALL = DEMO_TARGETS["big_group"], DEMO_TARGETS["small_group"]


@pytest.fixture(scope="module")
def tg() -> Iterator[Notebook]:
    notebook = connect("facade-tests", sandbox=True)
    yield notebook
    notebook.close()


@pytest.fixture(autouse=True)
def _idle(tg: Notebook) -> Iterator[None]:
    yield
    tg.world.stop_activity()
    for op_id in tg.queue["id"]:
        tg.cancel(op_id)
    eventually(lambda: tg.queue.empty)


def _requests(tg: Notebook) -> int:
    return sum(on_loop(background_loop(), lambda: dict(tg.world.stats().by_method())).values())


def test_members_blocks_and_returns_a_typed_frame(tg: Notebook) -> None:
    df = tg.members(SMALL, progress=False)
    assert isinstance(df, pd.DataFrame) and len(df) > 100
    assert df["user_id"].dtype == "Int64"
    assert df.attrs["coverage"] == pytest.approx(1.0, abs=0.02)


async def test_blocking_call_from_a_thread_with_a_running_loop(tg: Notebook) -> None:
    asyncio.get_running_loop()  # as in a kernel's thread
    df = tg.messages(SMALL, days_back=1, progress=False)
    day_ago = pd.Timestamp.now("UTC") - pd.Timedelta(days=1, minutes=1)
    assert len(df) > 0 and df["date"].min() >= day_ago


async def test_background_jobs_are_awaitable_without_blocking_the_callers_loop(
    tg: Notebook,
) -> None:
    job = tg.messages(SMALL, days_back=2, background=True)
    assert isinstance(job, Job)
    df = await job
    assert job.state is OperationState.DONE and len(df) > 0


def test_bad_input_raises_before_any_request(tg: Notebook) -> None:
    before = tg.history.shape[0]
    with pytest.raises(InvalidTarget):
        tg.members("not a chat!")
    with pytest.raises(ValueError, match="duration must be a finite positive"):
        tg.monitor(SMALL, duration=0)
    with pytest.raises(TypeError, match="background"):
        tg.members(SMALL, background="yes")  # type: ignore[arg-type]
    assert tg.history.shape[0] == before and tg.queue.empty


def test_ctrl_c_cancels_the_scrape_frees_the_lock_and_the_next_one_runs(tg: Notebook) -> None:
    # Stop is pressed at a random moment: before the scrape is submitted, while it is
    # submitted, before its first page, or during it (issue 20: never DONE after it).
    queued_after = None
    before = set(tg.history["id"])

    def press_stop() -> None:
        nonlocal queued_after
        queued_after = tg.messages(SMALL, days_back=1, background=True)
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(random.uniform(0.0, 0.3), press_stop)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        tg.members(BIG, resume=False, progress=False)
    timer.join()
    history = tg.history
    scrapes = history[~history["id"].isin(before) & (history["label"] == f"members {BIG}")]
    assert len(scrapes) <= 1
    if len(scrapes):  # else stop came before it was submitted: nothing ran
        assert scrapes["state"].iloc[0] == "CANCELLED"
    assert queued_after is not None
    assert len(queued_after.result(progress=False)) > 0  # the next one got the lock and ran
    assert tg.queue.empty


def test_a_monitor_holds_the_lock_and_scrapes_queue_behind_it(tg: Notebook) -> None:
    seen: list[dict] = []
    watch = tg.monitor(SMALL, duration="1min", on_message=seen.append)
    eventually(lambda: watch.state is OperationState.RUNNING)
    tg.world.start_activity("small_group", 50)
    eventually(lambda: watch.count >= 5)
    scrape = tg.members(SMALL, background=True)
    assert scrape.state is OperationState.QUEUED
    queue = tg.queue
    assert list(queue["id"]) == [watch.id, scrape.id]
    assert list(queue["state"]) == ["RUNNING", "QUEUED"]

    live = watch.frame()
    assert len(live) >= 5 and live["message_id"].is_unique
    watch.stop()
    final = watch.result()
    assert watch.state is OperationState.DONE
    assert len(final) >= len(live) and len(seen) >= 5
    assert len(scrape.result(progress=False)) > 100  # started once the monitor ended


def test_cancel_by_id_and_send(tg: Notebook) -> None:
    watch = tg.monitor(SMALL, duration="1min")
    queued = tg.send(SMALL, "hello from the tests", background=True)
    assert queued.state is OperationState.QUEUED
    assert tg.cancel(queued.id)
    eventually(lambda: queued.state is OperationState.CANCELLED)
    assert not tg.cancel(queued.id)
    watch.stop()
    watch.result()
    sent = tg.send(SMALL, "hello again")
    assert sent.message_id > 0 and sent.date.tzinfo is not None
    assert tg.history.iloc[-1]["state"] == "DONE"


def test_history_and_queue_are_dataframes_in_order(tg: Notebook) -> None:
    tg.messages(SMALL, limit=10, progress=False)
    history = tg.history
    assert list(history.columns[:4]) == ["id", "kind", "label", "priority"]
    assert history.iloc[-1]["label"] == f"messages {SMALL}"
    assert isinstance(tg.queue, pd.DataFrame)
