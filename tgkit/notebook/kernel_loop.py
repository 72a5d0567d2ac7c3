"""The opt-in ``loop="kernel"`` mode: tgkit's work on the kernel's own event loop.

tgkit normally runs Telegram work on its own background thread
(:mod:`tgkit.notebook.loop`). Some users bring a Telethon client that is
already connected on the kernel's loop (``await client.start()`` in a cell);
Telethon binds a client to the loop it connected on, so that client can only
be driven from the kernel's loop. For them, ``tgkit.connect(client=client,
loop="kernel")`` runs everything on that loop and makes a blocking cell
re-enter it through ``nest-asyncio2`` (the maintained fork of the archived
nest-asyncio)::

    tg = tgkit.connect(client=client, loop="kernel")
    df = tg.members("@group")          # re-enters the kernel's loop until done

What it costs, and why it is not the default: ``nest_asyncio2.apply()``
patches asyncio for the whole process (pure-Python tasks and futures, a
re-entrant ``run_until_complete``); monitors and the dashboard only run while
the kernel's loop runs (between cells, or inside a blocking call); a Ctrl-C
that lands inside a task's step rather than in the loop's wait can end that
task with the ``KeyboardInterrupt`` itself. Prefer the default
``loop="thread"`` unless you must share a client with your own async code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from tgkit.notebook.loop import CANCEL_GRACE_SECONDS, TICK_SECONDS, LoopCall

__all__ = ["KernelLoop"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _import_nest_asyncio2() -> Any:
    try:
        import nest_asyncio2
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ImportError(
            'loop="kernel" needs nest-asyncio2: pip install "tgkit[notebook]" '
            '(or use the default loop="thread")'
        ) from error
    return nest_asyncio2


def _kernel_event_loop() -> asyncio.AbstractEventLoop:
    """The loop running in this thread (a kernel's), else this thread's own new loop."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        return loop


class KernelLoop:
    """A runner on the calling thread's event loop, made re-entrant by nest-asyncio2.

    Create it on the kernel's thread (a notebook cell does); it patches that
    loop once. Blocking calls from other threads wait as with the background
    loop; blocking calls from the kernel's thread re-enter its loop.

    Example::

        runner = KernelLoop()
        runner.run(client.get_me())   # from a plain (non-async) cell
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop if loop is not None else _kernel_event_loop()
        _import_nest_asyncio2().apply(self._loop)
        self._thread_id = threading.get_ident()

    def __repr__(self) -> str:
        return f"<KernelLoop on thread {self._thread_id}>"

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The kernel's event loop."""
        return self._loop

    def in_loop_thread(self) -> bool:
        """True on the kernel's thread, where waiting means re-entering the loop."""
        return threading.get_ident() == self._thread_id

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the kernel's loop soon; safe from any thread."""
        self._loop.call_soon_threadsafe(fn, *args)

    def spawn(self, coro: Coroutine[Any, Any, T]) -> LoopCall[T]:
        """Start ``coro`` on the kernel's loop; it runs whenever the loop runs."""
        return LoopCall(self._loop, coro)

    def run(self, coro: Coroutine[Any, Any, T], *, tick: Callable[[], None] | None = None) -> T:
        """Run ``coro`` on the kernel's loop and return its result (blocking)."""
        return self.wait(self.spawn(coro), tick=tick)

    def wait(self, call: LoopCall[T], *, tick: Callable[[], None] | None = None) -> T:
        """Block until ``call`` finishes; Ctrl-C cancels it, waits for it, re-raises."""
        if not self.in_loop_thread():
            return self._wait_from_other_thread(call, tick)
        finished = self._finished_future(call)
        ticker = self._loop.create_task(_tick_forever(tick)) if tick else None
        try:
            self._loop.run_until_complete(finished)
        except KeyboardInterrupt:
            call.cancel()
            with contextlib.suppress(KeyboardInterrupt, TimeoutError):
                self._loop.run_until_complete(
                    asyncio.wait_for(asyncio.shield(finished), CANCEL_GRACE_SECONDS)
                )
            raise
        finally:
            if ticker is not None:
                ticker.cancel()
        if tick is not None:
            tick()
        return call.result()

    def _finished_future(self, call: LoopCall[Any]) -> asyncio.Future[None]:
        finished: asyncio.Future[None] = self._loop.create_future()

        def mark(_: object) -> None:
            if not finished.done():
                finished.set_result(None)

        call.outcome.add_done_callback(lambda _: self._loop.call_soon_threadsafe(mark, None))
        return finished

    def _wait_from_other_thread(
        self, call: LoopCall[T], tick: Callable[[], None] | None
    ) -> T:
        try:
            while not call.wait_done(TICK_SECONDS):
                if tick is not None:
                    tick()
        except KeyboardInterrupt:
            call.cancel()
            with contextlib.suppress(KeyboardInterrupt):
                call.wait_done(CANCEL_GRACE_SECONDS)
            raise
        return call.result()


async def _tick_forever(tick: Callable[[], None] | None) -> None:
    while tick is not None:
        await asyncio.sleep(TICK_SECONDS)
        tick()
