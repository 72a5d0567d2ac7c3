"""Scheduler-level cancellations name who cancelled, in ``Cancelled.by`` and in the message.

The paths the scheduler itself drives (the notebook's and the manager's are
in tests/notebook/test_notebook_cancel_by.py and
tests/manager/test_manager_cancel_by.py): a cancel through the handle or by
id on behalf of someone, from the loop or from another thread, the task
awaiting the handle cancelled, an inline child whose parent ended first,
and the operation's own timeout. Virtual loop clock (looptime).
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from tgkit.core import OperationKind, Scheduler, SchedulerConfig
from tgkit.errors import Cancelled, OperationTimeout, canceller_text

pytestmark = [pytest.mark.looptime]

SCRAPE = OperationKind.SCRAPE


async def _hold() -> None:
    await asyncio.sleep(3600)


@pytest.fixture
async def scheduler():  # type: ignore[no-untyped-def]
    started = Scheduler(SchedulerConfig(drain_timeout=0.2, lock_timeout=0.2), name="by")
    await started.start()
    yield started
    await started.stop()


@pytest.mark.parametrize("by", ["handle", "dashboard", "ctrl-c", "manager"])
async def test_cancel_through_the_handle_names_by(scheduler: Scheduler, by: str) -> None:
    running = scheduler.submit(SCRAPE, _hold, label="running one")
    queued = scheduler.submit(SCRAPE, _hold, label="queued one")
    await asyncio.sleep(1)
    assert queued.cancel(by=by) and scheduler.cancel(running.id, by=by)
    for handle, where in ((running, "running"), (queued, "queued")):
        with pytest.raises(Cancelled) as raised:
            await handle
        assert raised.value.by == by
        assert str(raised.value) == (
            f"{handle.id} (SCRAPE '{handle.label}') was cancelled while {where} "
            f"by {canceller_text(by)}"
        )


async def test_a_cancel_from_another_thread_names_by(scheduler: Scheduler) -> None:
    handle = scheduler.submit(SCRAPE, _hold, label="clicked")
    await asyncio.sleep(1)
    accepted: list[bool] = []
    clicker = threading.Thread(target=lambda: accepted.append(handle.cancel(by="dashboard")))
    clicker.start()
    clicker.join()
    assert accepted == [True]
    with pytest.raises(Cancelled) as raised:
        await handle
    assert raised.value.by == "dashboard"
    assert str(raised.value).endswith(
        "was cancelled while running by the dashboard's cancel button"
    )


async def test_the_awaiting_task_cancelled_names_the_task(scheduler: Scheduler) -> None:
    handle = scheduler.submit(SCRAPE, _hold, label="awaited")
    awaiting = asyncio.ensure_future(handle)
    await asyncio.sleep(1)
    awaiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await awaiting
    error = handle.exception()
    assert isinstance(error, Cancelled) and error.by == "task"
    assert "by task cancellation: the task awaiting it was cancelled" in str(error)


async def test_an_inline_child_left_running_names_its_parent(scheduler: Scheduler) -> None:
    children = []

    async def parent() -> str:
        children.append(scheduler.submit(SCRAPE, _hold, label="child"))
        await asyncio.sleep(0.5)
        return "parent done"

    parent_handle = scheduler.submit(SCRAPE, parent, label="parent")
    assert await parent_handle == "parent done"
    error = children[0].exception()
    assert isinstance(error, Cancelled) and error.by == "parent"
    assert str(error).endswith(
        f"by its parent operation ending first: {parent_handle.id} ended first"
    )


async def test_the_operations_own_timeout_is_named(scheduler: Scheduler) -> None:
    handle = scheduler.submit(SCRAPE, _hold, label="slow", timeout=2)
    with pytest.raises(OperationTimeout) as raised:
        await handle
    assert raised.value.by == "timeout"
    assert "ran past its timeout of 2 s and was cancelled" in str(raised.value)
