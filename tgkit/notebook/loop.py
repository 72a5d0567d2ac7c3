"""One process-wide background event loop for all of tgkit's Telegram work.

A notebook cell is synchronous code on the kernel's thread, and the kernel's
own event loop is busy running it. tgkit therefore runs every Telethon
client, scheduler, monitor and widget refresher on one event loop in a
daemon thread of its own (the pattern dask.distributed uses). A blocking call
in a cell submits a coroutine to that loop and waits for it, so the loop keeps
running monitors and refreshing the dashboard while the cell waits::

    from tgkit.notebook.loop import background_loop

    runner = background_loop()          # started on first use, then reused
    answer = runner.run(some_coroutine())   # blocks this thread, not the loop

The stop button of a notebook (SIGINT, ``KeyboardInterrupt``) interrupts the
wait: the task on the loop is cancelled, the wait lasts until the task has
really finished (bounded by ``grace``), and the ``KeyboardInterrupt`` is raised
again in the cell. Nothing keeps running behind the user's back.

The loop is started lazily, once per process (a forked child starts its own);
calling :func:`background_loop` again returns the same loop.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, Protocol, TypeVar

__all__ = ["BackgroundLoop", "LoopCall", "Runner", "background_loop"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How often a blocked caller wakes to notice Ctrl-C and update progress bars.
TICK_SECONDS = 0.1
#: How long a cancelled call may take to finish its cleanup after Ctrl-C.
CANCEL_GRACE_SECONDS = 10.0


class LoopCall(Generic[T]):
    """A coroutine running as a task on an event loop, seen from any thread.

    ``outcome`` is a :class:`concurrent.futures.Future` that completes when the
    task does, so other threads can block on it and any event loop can await it
    (``asyncio.wrap_future``).

    Example::

        call = LoopCall(loop, fetch())
        call.outcome.result(timeout=5)
    """

    __slots__ = ("_finished_event", "_loop", "_task", "on_cancel", "outcome")

    def __init__(self, loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> None:
        if not asyncio.iscoroutine(coro):
            raise TypeError(f"coro must be a coroutine object, got {type(coro).__name__}")
        self._loop = loop
        self._task: asyncio.Task[T] | None = None
        # Waiters block on this Event, not on the Future: concurrent.futures.wait
        # holds the future's lock in Python code where Ctrl-C can strike, which
        # would leave the lock held and the loop thread stuck settling it.
        self._finished_event = threading.Event()
        self.outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        #: Called at once, in the cancelling thread, by ``cancel()``: what the call
        #: stands for (an operation) is cancelled at the moment of Ctrl-C, not a loop hop later.
        self.on_cancel: Callable[[], object] | None = None
        # call_soon_threadsafe is FIFO, so a later cancel() always finds the task.
        loop.call_soon_threadsafe(self._start, coro)

    def _start(self, coro: Coroutine[Any, Any, T]) -> None:
        try:
            self._task = self._loop.create_task(coro)
        except BaseException as error:  # never leave a waiter hanging
            self.outcome.set_exception(error)
            self._finished_event.set()
            raise
        self._task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[T]) -> None:
        if task.cancelled():
            self.outcome.cancel()
        elif (error := task.exception()) is not None:
            self.outcome.set_exception(error)
        else:
            self.outcome.set_result(task.result())
        self._finished_event.set()  # after the outcome, so a woken waiter finds it

    def done(self) -> bool:
        """True once the task has finished, however it finished."""
        return self.outcome.done()

    def wait_done(self, timeout: float | None) -> bool:
        """Block this thread until the task finished or ``timeout`` passed."""
        return self._finished_event.wait(timeout)

    def cancel(self) -> None:
        """Ask the loop to cancel the task (safe from any thread)."""
        if self.on_cancel is not None:
            self.on_cancel()
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            self._loop.call_soon_threadsafe(self._cancel)

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def result(self) -> T:
        """The task's result, or its exception raised; only once it is done."""
        return self.outcome.result(timeout=0)

    def __await__(self):
        return asyncio.wrap_future(self.outcome).__await__()


class Runner(Protocol):
    """Where tgkit's notebook layer runs coroutines: a background thread or the kernel's loop."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    def spawn(self, coro: Coroutine[Any, Any, T]) -> LoopCall[T]: ...

    def wait(self, call: LoopCall[T], *, tick: Callable[[], None] | None = None) -> T: ...

    def run(self, coro: Coroutine[Any, Any, T], *, tick: Callable[[], None] | None = None) -> T: ...

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None: ...

    def in_loop_thread(self) -> bool: ...


class BackgroundLoop:
    """An event loop running forever in a daemon thread.

    Use :func:`background_loop` rather than constructing one: tgkit keeps one
    per process.

    Example::

        runner = background_loop()
        runner.run(asyncio.sleep(0.1))
    """

    def __init__(self, name: str = "tgkit-loop") -> None:
        self.name = name
        self.pid = os.getpid()
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_log_loop_exception)
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(started,), name=name, daemon=True
        )
        self._thread.start()
        started.wait()

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(started.set)
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<BackgroundLoop {self.name!r} {state} in thread {self._thread.ident}>"

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop itself (for ``call_soon_threadsafe`` and friends)."""
        return self._loop

    @property
    def thread(self) -> threading.Thread:
        """The daemon thread the loop runs in."""
        return self._thread

    def is_running(self) -> bool:
        """True while the loop thread serves work."""
        return self._thread.is_alive() and not self._loop.is_closed()

    def in_loop_thread(self) -> bool:
        """True when called from the loop's own thread (where blocking would deadlock)."""
        return threading.get_ident() == self._thread.ident

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the loop thread soon; safe from any thread."""
        self._loop.call_soon_threadsafe(fn, *args)

    def spawn(self, coro: Coroutine[Any, Any, T]) -> LoopCall[T]:
        """Start ``coro`` on the loop and return at once."""
        if not self.is_running():
            coro.close()
            raise RuntimeError("tgkit's background loop has been stopped; reconnect first")
        return LoopCall(self._loop, coro)

    def wait(self, call: LoopCall[T], *, tick: Callable[[], None] | None = None) -> T:
        """Block until ``call`` finishes; Ctrl-C cancels it, waits for it, re-raises.

        ``tick`` is called about every 0.1 s from this thread while waiting
        (progress bars are drawn from here, in the caller's cell).
        """
        __tracebackhide__ = True  # IPython: show the user's cell, not this wait loop
        if self.in_loop_thread():
            call.cancel()
            raise RuntimeError(
                "a blocking tgkit call was made from tgkit's own event loop; "
                "await the operation (or pass background=True) instead"
            )
        try:
            while not call.wait_done(TICK_SECONDS):
                if tick is not None:
                    tick()
        except KeyboardInterrupt:
            cancel_and_wait(call)
            raise
        if tick is not None:
            tick()
        return call.result()

    def run(self, coro: Coroutine[Any, Any, T], *, tick: Callable[[], None] | None = None) -> T:
        """Run ``coro`` on the loop and block this thread until it is done."""
        __tracebackhide__ = True
        return self.wait(self.spawn(coro), tick=tick)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop and join its thread (tgkit does this at interpreter exit)."""
        if self.is_running():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)


def cancel_and_wait(call: LoopCall[Any]) -> None:
    """Cancel ``call`` and give it ``CANCEL_GRACE_SECONDS`` to finish cleaning up.

    A second Ctrl-C during that wait abandons the wait (the cancel stands).
    """
    call.cancel()
    with contextlib.suppress(KeyboardInterrupt):
        if not call.wait_done(CANCEL_GRACE_SECONDS):
            logger.warning(
                "the interrupted call is still cleaning up after %.0f s; "
                "it was cancelled and will stop on its own",
                CANCEL_GRACE_SECONDS,
            )


def _log_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    logger.error(
        "tgkit background loop: %s", context.get("message"), exc_info=context.get("exception")
    )


_lock = threading.Lock()
_instance: BackgroundLoop | None = None
_shutdown_hooks: list[Callable[[], Awaitable[None]]] = []


def background_loop() -> BackgroundLoop:
    """The process-wide background loop, started on first use.

    Idempotent: every call in a process returns the same running loop, so
    re-running a setup cell never starts a second one.

    Example::

        assert background_loop() is background_loop()
    """
    global _instance
    with _lock:
        if _instance is None or not _instance.is_running() or _instance.pid != os.getpid():
            _instance = BackgroundLoop()
            logger.debug("started %r", _instance)
        return _instance


def on_shutdown(hook: Callable[[], Awaitable[None]]) -> Callable[[], None]:
    """Run ``hook()`` on the background loop at interpreter exit; returns an undo."""
    _shutdown_hooks.append(hook)
    return lambda: _shutdown_hooks.remove(hook) if hook in _shutdown_hooks else None


async def _run_shutdown_hooks() -> None:
    for hook in list(_shutdown_hooks):
        try:
            await hook()
        except Exception:  # shutting down: log and keep closing the others
            logger.exception("tgkit: a shutdown hook failed")


@atexit.register
def _shutdown() -> None:
    instance = _instance
    if instance is None or not instance.is_running() or instance.pid != os.getpid():
        return
    if _shutdown_hooks:
        call = instance.spawn(_run_shutdown_hooks())
        call.wait_done(CANCEL_GRACE_SECONDS)
    instance.stop()
