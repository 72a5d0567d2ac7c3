"""Operations seen from a notebook cell: wait for them (blocking) or keep them as jobs.

Every tgkit operation is submitted on tgkit's loop and returns an
``OperationHandle`` there. :func:`start` hops to the loop to submit (so bad
input raises in the cell at once, before any request) and wraps the handle in
a :class:`Job`, which a cell can use from its own thread::

    job = start(runner, lambda: session.scrape_group_members("@group"))
    job.state            # OperationState.RUNNING
    members = job.result()          # blocks, with a progress bar; Ctrl-C cancels
    members = await job             # or, in an async cell, leaves the kernel free

Waiting is interruptible: Ctrl-C (the stop button) cancels the operation
(``by="ctrl-c"``), waits until it has really ended (the scheduler has
released the lock and started the next one) and raises ``KeyboardInterrupt``
in the cell, which Jupyter shows as one line (:mod:`tgkit.notebook.outcome`):
what was stopped, by whom, after how many rows, and that ``tg.last.partial``
has them. It stays a ``KeyboardInterrupt`` so that the stop button stops the
cell even through an ``except Exception`` around the call; its ``__cause__``
is the operation's ``tgkit.errors.Cancelled`` (``.by == "ctrl-c"``), which
``tg.last.result()`` raises too. A call cancelled elsewhere (the dashboard,
``tg.cancel``) raises that ``Cancelled``, whose message and ``by`` name who
cancelled; one that timed out raises ``OperationTimeout``; both show the same
one line. A successful call ends with a green bar saying what it found.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar

from tgkit.core import OperationHandle, OperationKind, OperationState, Progress
from tgkit.notebook.loop import CANCEL_GRACE_SECONDS, LoopCall, Runner, cancel_and_wait
from tgkit.notebook.outcome import ended_error, found_text, shorten, stop_line, store_notice
from tgkit.progress import ProgressBar

__all__ = ["Job", "start"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Job(Generic[T]):
    """An operation running on tgkit's loop, usable from a notebook cell.

    ``result()`` blocks (progress bar, Ctrl-C cancels); ``await job`` waits
    without blocking the kernel; ``cancel()`` stops it. ``state``,
    ``progress`` and ``partial`` are read live.

    Example::

        job = tg.members("@big_group", background=True)
        job.progress          # Progress(done=4200, total=25000)
        df = job.result()
    """

    def __init__(
        self,
        handle: OperationHandle,
        runner: Runner,
        *,
        unit: str = "items",
        resumable: bool = False,
    ) -> None:
        self.handle = handle
        self._runner = runner
        self._unit = unit
        self._resumable = resumable  # a store keeps its pages: the same call resumes
        self._call: LoopCall[T] = runner.spawn(_outcome(handle))
        self._call.on_cancel = self._stop_pressed

    def __repr__(self) -> str:
        progress = self.handle.progress
        total = f"/{progress.total}" if progress.total is not None else ""
        return (
            f"<Job {self.id} {self.kind.name} {self.label!r} {self.state.name} "
            f"{progress.done}{total}>"
        )

    @property
    def id(self) -> str:
        """The operation's id, e.g. ``"op-7"`` (what ``tg.cancel`` takes)."""
        return self.handle.id

    @property
    def kind(self) -> OperationKind:
        """MONITOR, SCRAPE or SEND."""
        return self.handle.kind

    @property
    def label(self) -> str:
        """What the operation is, in a few words."""
        return self.handle.label

    @property
    def state(self) -> OperationState:
        """QUEUED, RUNNING, or how it ended."""
        return self.handle.state

    @property
    def progress(self) -> Progress:
        """The latest progress the operation reported."""
        return self.handle.progress

    @property
    def partial(self) -> Any:
        """What it gathered so far (kept after a failure, timeout or cancel)."""
        return self.handle.partial

    @property
    def report(self) -> dict[str, Any]:
        """Facts about the run, e.g. request counts and time spent waiting."""
        return self.handle.report

    def done(self) -> bool:
        """True once the operation has ended, however it ended."""
        return self._call.done()

    def cancel(self, by: str = "handle") -> bool:
        """Cancel the operation (queued or running); False if it had already ended.

        ``by`` names who cancelled (``tgkit.errors.Cancelled.by``). Safe from the
        cell's thread: a session's scheduler accepts or refuses the cancel at
        once, so True always means the operation ends CANCELLED; a pool's job
        is cancelled on the loop (True: it had not ended when asked).
        """
        if self.handle.done():
            return False
        if isinstance(self.handle, OperationHandle):
            return self.handle.cancel(by=by)
        self._runner.call_soon(self.handle.cancel, by)  # the manager lives on the loop
        return True

    def _stop_pressed(self) -> None:
        """Ctrl-C (or interrupt()) while waiting: cancel the operation at this instant."""
        if not self.cancel(by="ctrl-c"):
            logger.info(
                "%s had already ended %s when it was interrupted; its result is kept "
                "(job.result())", self.id, self.handle.state.name
            )

    def interrupt(self) -> None:
        """Cancel the operation and wait (bounded) until it has ended: what Ctrl-C does."""
        cancel_and_wait(self._call)

    def result(self, *, progress: bool = True) -> T:
        """Wait for the result (a progress bar while waiting); Ctrl-C cancels the operation."""
        __tracebackhide__ = True
        bar = ProgressBar(self.label or self.id, unit=self._unit, enabled=progress)

        def tick() -> None:
            current = self.handle.progress
            if current.done or current.total is not None:
                bar.feed(current.done, current.total)
                bar.draw()

        try:
            value = self._wait(tick)
        except BaseException as error:
            bar.close()
            if self.state in (OperationState.CANCELLED, OperationState.TIMED_OUT):
                ended = ended_error(self.handle)
                if isinstance(error, KeyboardInterrupt) and ended is not None:
                    error.__cause__ = ended  # who cancelled it (Ctrl-C, or whoever was first)
                shorten(error, [stop_line(self, has_store=self._resumable)])
            raise
        bar.close(found=found_text(value, self._unit))
        notice = store_notice(value)
        if notice is not None:
            print(notice)
        return value

    def _wait(self, tick: Callable[[], None]) -> T:
        __tracebackhide__ = True
        try:
            return self._runner.wait(self._call, tick=tick)
        except concurrent.futures.CancelledError:
            # Cancelled elsewhere (dashboard, tg.cancel): raise the operation's own error.
            return self.handle.result()

    def __await__(self) -> Generator[Any, None, T]:
        try:
            return (yield from self._call.__await__())
        except concurrent.futures.CancelledError:
            return self.handle.result()


async def _outcome(handle: OperationHandle) -> Any:
    """Await ``handle``; if this wait is cancelled, cancel the operation and see it end."""
    try:
        return await handle
    except asyncio.CancelledError:
        if not handle.done():
            handle.cancel(by="ctrl-c")  # only Ctrl-C / interrupt() cancels this wait
        await _ended(handle)
        raise


async def _ended(handle: OperationHandle) -> None:
    """Wait until ``handle``'s operation reaches a terminal state (bounded).

    A pool's handle ends when its request is withdrawn; the session
    operation running it (``operation_handle``) is waited for too.
    """
    inner = getattr(handle, "operation_handle", None)
    if inner is not None and inner is not handle:
        await _ended(inner)
    if handle.done():
        return
    ended = asyncio.get_running_loop().create_future()
    def mark_ended(_: object) -> None:
        if not ended.done():
            ended.set_result(None)

    handle.add_done_callback(mark_ended)
    try:
        async with asyncio.timeout(CANCEL_GRACE_SECONDS):
            await ended
    except TimeoutError:
        logger.warning(
            "%s did not end within %.0f s of being cancelled", handle.id, CANCEL_GRACE_SECONDS
        )


class _Submission:
    """One submission from a cell's thread, which Ctrl-C can withdraw at any moment.

    Ctrl-C can land anywhere in the cell's thread, even inside handing the
    submission to the loop; a lock settles the race with the loop: either
    the operation is withdrawn before it is submitted, or its handle is known.
    """

    def __init__(self, submit: Callable[[], OperationHandle]) -> None:
        self._submit = submit
        self._lock = threading.Lock()
        self._handle: OperationHandle | None = None
        self._withdrawn = False

    async def run(self) -> OperationHandle:
        with self._lock:
            if self._withdrawn:
                raise asyncio.CancelledError("Ctrl-C came before it was submitted")
            self._handle = self._submit()
            return self._handle

    def withdraw(self) -> OperationHandle | None:
        """Never submit it from now on; returns its handle if it already was."""
        with self._lock:
            self._withdrawn = True
            return self._handle


def start(
    runner: Runner,
    submit: Callable[[], OperationHandle],
    *,
    unit: str = "items",
    resumable: bool = False,
) -> Job[Any]:
    """Submit on the runner's loop and return a :class:`Job` for the operation.

    ``submit`` runs on the loop thread (schedulers are not thread-safe); an
    error it raises (bad input) is raised here, before any request.
    """
    __tracebackhide__ = True
    submission = _Submission(submit)
    try:
        call = runner.spawn(submission.run())
        handle = runner.wait(call)
        return Job(handle, runner, unit=unit, resumable=resumable)
    except KeyboardInterrupt:  # wherever it landed: never leave the operation running
        submitted = submission.withdraw()
        if submitted is not None:
            Job(submitted, runner).interrupt()
        raise
