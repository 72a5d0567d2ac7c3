"""Blocking-but-live waits on real scheduler operations, and Ctrl-C → cancel."""

from __future__ import annotations

import asyncio
import os
import signal
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from notebook_helpers import eventually, held_until_cancelled, make_holder, on_loop

from tgkit.core import OperationKind, OperationState, Scheduler, current_operation
from tgkit.notebook.jobs import Job, start
from tgkit.notebook.loop import BackgroundLoop


def _job(runner: BackgroundLoop, scheduler: Scheduler, kind: str, func, *args, **kw) -> Job:  # type: ignore[no-untyped-def]
    return start(runner, lambda: scheduler.submit(OperationKind[kind], func, *args, **kw))


def _interrupt_main_after(delay: float) -> threading.Timer:
    timer = threading.Timer(delay, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


async def add(a: int, b: int) -> int:
    await asyncio.sleep(0.01)
    return a + b


def test_result_blocks_and_returns_the_value(runner: BackgroundLoop, scheduler: Scheduler) -> None:
    job = _job(runner, scheduler, "SCRAPE", add, 2, 3, label="add")
    assert job.result() == 5
    assert job.state is OperationState.DONE and job.done()


def test_the_operations_error_reaches_the_cell_unchanged(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    class NotAllowed(Exception):
        pass

    async def fail() -> None:
        raise NotAllowed("nope")

    with pytest.raises(NotAllowed, match="nope"):
        _job(runner, scheduler, "SEND", fail).result()


def test_bad_input_raises_in_the_cell_before_anything_is_queued(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    with pytest.raises(ValueError, match="timeout"):
        _job(runner, scheduler, "SCRAPE", add, 1, 2, timeout=-1)
    assert scheduler.queued_count == 0 and not scheduler.is_busy


async def test_blocking_wait_from_a_thread_with_a_running_loop(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    asyncio.get_running_loop()  # like a kernel's thread
    assert _job(runner, scheduler, "SCRAPE", add, 20, 22).result() == 42


async def test_a_job_is_awaitable_and_leaves_the_callers_loop_free(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    job = _job(runner, scheduler, "SCRAPE", add, 1, 1)
    ticks = 0

    async def count() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    counter = asyncio.create_task(count())
    assert await job == 2
    counter.cancel()
    assert ticks > 1


def test_ctrl_c_cancels_the_running_operation_frees_the_lock_and_starts_the_next(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    waited = _job(runner, scheduler, "SCRAPE", held_until_cancelled, label="long scrape")
    after = _job(runner, scheduler, "SEND", add, 1, 2, label="queued send")
    assert after.state is OperationState.QUEUED

    with pytest.raises(KeyboardInterrupt):  # armed inside: it never lands outside
        timer = _interrupt_main_after(0.05)
        waited.result()
    timer.join()
    # By the time the cell sees KeyboardInterrupt the operation has really ended.
    assert waited.state is OperationState.CANCELLED
    assert after.result() == 3
    assert not scheduler.is_busy


def test_ctrl_c_on_a_queued_operation_removes_it_from_the_queue(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    holder = _job(runner, scheduler, "SCRAPE", held_until_cancelled)
    waited = _job(runner, scheduler, "SCRAPE", add, 1, 2)
    with pytest.raises(KeyboardInterrupt):  # armed inside: it never lands outside
        timer = _interrupt_main_after(0.05)
        waited.result()
    timer.join()
    assert waited.state is OperationState.CANCELLED
    assert holder.state is OperationState.RUNNING
    assert scheduler.queued_count == 0
    holder.cancel()


def test_cancelled_elsewhere_raises_the_operations_cancellation(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    job = _job(runner, scheduler, "SCRAPE", held_until_cancelled)
    threading.Timer(0.05, lambda: on_loop(runner, lambda: scheduler.cancel(job.id))).start()
    with pytest.raises(asyncio.CancelledError):
        job.result()
    assert job.state is OperationState.CANCELLED


def test_a_progress_bar_is_drawn_from_operation_progress(
    runner: BackgroundLoop, scheduler: Scheduler, capsys: pytest.CaptureFixture[str]
) -> None:
    async def pages() -> int:
        op = current_operation()
        assert op is not None
        for done in range(0, 401, 100):
            op.report_progress(done, 400)
            await asyncio.sleep(0.05)
        return done

    assert _job(runner, scheduler, "SCRAPE", pages, label="members @p").result() == 400
    err = capsys.readouterr().err
    assert "members @p" in err and "400/400" in err


def test_partial_and_report_are_live(runner: BackgroundLoop, scheduler: Scheduler) -> None:
    async def gather() -> None:
        op = current_operation()
        assert op is not None
        op.set_partial(["first page"])
        op.report["requests"] = {"channels.GetParticipants": 1}
        await asyncio.sleep(3600)

    job = _job(runner, scheduler, "SCRAPE", gather)
    eventually(lambda: job.partial == ["first page"])
    assert job.report["requests"] == {"channels.GetParticipants": 1}
    assert job.cancel()
    eventually(job.done)
    assert job.partial == ["first page"]
    assert not job.cancel()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kinds=st.lists(st.sampled_from(["MONITOR", "SCRAPE", "SEND"]), min_size=1, max_size=5),
    waited_index=st.integers(min_value=0, max_value=4),
    # from 10 ms on: the cell must already be waiting when the stop button is pressed
    delay=st.floats(min_value=0.01, max_value=0.04),
    progress=st.booleans(),
)
def test_ctrl_c_at_any_moment_ends_exactly_the_waited_operation(
    runner: BackgroundLoop,
    scheduler: Scheduler,
    kinds: list[str],
    waited_index: int,
    delay: float,
    progress: bool,
) -> None:
    """Whatever runs or queues, an interrupt cancels the waited operation and nothing else."""
    func = make_holder((1, 10)) if progress else held_until_cancelled
    jobs = [_job(runner, scheduler, kind, func) for kind in kinds]
    waited = jobs[waited_index % len(jobs)]
    with pytest.raises(KeyboardInterrupt):  # armed inside: it never lands outside
        timer = _interrupt_main_after(delay)
        waited.result()
    timer.join()
    assert waited.state is OperationState.CANCELLED
    others = [job for job in jobs if job is not waited]
    assert all(job.state in (OperationState.RUNNING, OperationState.QUEUED) for job in others)
    if others:  # the lock is held by exactly one of the others: the next in line
        eventually(lambda: sum(job.state is OperationState.RUNNING for job in others) == 1)
    else:
        eventually(lambda: not scheduler.is_busy)
    for job in others:
        job.cancel()
    eventually(lambda: all(job.done() for job in jobs))
    assert not scheduler.is_busy and scheduler.queued_count == 0
