"""The process-wide background loop and its interruptible blocking wait."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

from tgkit.notebook.loop import BackgroundLoop, LoopCall, background_loop


def _interrupt_main_after(delay: float) -> threading.Timer:
    """Send this process a real SIGINT, like a notebook's stop button does."""
    timer = threading.Timer(delay, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_background_loop_is_one_per_process() -> None:
    first = background_loop()
    second = background_loop()
    assert first is second
    assert first.is_running()
    loop_threads = [t for t in threading.enumerate() if t.name == "tgkit-loop"]
    assert loop_threads == [first.thread]


def test_run_returns_the_result_and_runs_on_the_loop_thread() -> None:
    runner = background_loop()

    async def where() -> int | None:
        await asyncio.sleep(0)
        return threading.get_ident()

    assert runner.run(where()) == runner.thread.ident


def test_run_raises_the_coroutines_error_unchanged() -> None:
    class Boom(Exception):
        pass

    async def fail() -> None:
        raise Boom("the original")

    with pytest.raises(Boom, match="the original"):
        background_loop().run(fail())


async def test_run_works_from_a_thread_whose_loop_is_running() -> None:
    # A kernel's thread has a running loop; the blocking wait must not need it.
    asyncio.get_running_loop()  # this test body runs inside one

    async def answer() -> int:
        await asyncio.sleep(0.01)
        return 42

    assert background_loop().run(answer()) == 42


def test_run_from_the_loop_thread_refuses_instead_of_deadlocking() -> None:
    runner = background_loop()

    async def nested() -> None:
        async def inner() -> int:
            return 1

        runner.run(inner())

    with pytest.raises(RuntimeError, match="await the operation"):
        runner.run(nested())


def test_keyboard_interrupt_cancels_the_task_and_waits_for_its_cleanup() -> None:
    runner = background_loop()
    events: list[str] = []

    async def long_call() -> None:
        try:
            events.append("started")
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await asyncio.sleep(0.02)  # cleanup that takes a moment
            events.append("cleaned up")
            raise

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):  # armed inside: it never lands outside
        timer = _interrupt_main_after(0.05)
        runner.run(long_call())
    timer.join()
    assert events == ["started", "cleaned up"]
    # It ended with the interrupt, not the 30 s sleep (a wide margin: no flake under load).
    assert time.monotonic() - started < 25


def test_tick_is_called_while_waiting_and_once_at_the_end() -> None:
    ticks: list[float] = []

    async def slow() -> str:
        await asyncio.sleep(0.25)
        return "done"

    assert background_loop().run(slow(), tick=lambda: ticks.append(time.monotonic())) == "done"
    assert len(ticks) >= 3


async def test_a_loop_call_can_be_awaited_from_another_loop() -> None:
    runner = background_loop()

    async def on_loop() -> int | None:
        return threading.get_ident()

    call = runner.spawn(on_loop())
    assert isinstance(call, LoopCall)
    assert await call == runner.thread.ident
    assert call.done()


def test_cancel_from_another_thread_cancels_the_task() -> None:
    runner = background_loop()
    call = runner.spawn(asyncio.sleep(30))
    call.cancel()
    assert call.wait_done(1)
    assert call.outcome.cancelled()


def test_a_stopped_loop_refuses_new_work_clearly() -> None:
    private = BackgroundLoop(name="tgkit-test-loop")
    private.stop()
    assert not private.is_running()
    with pytest.raises(RuntimeError, match="stopped"):
        private.spawn(asyncio.sleep(0))
