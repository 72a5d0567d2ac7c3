"""``pool.many(...)`` from a cell: many targets as one call, waited for or kept as a job.

``ManyJob`` runs ``tgkit.manager.many.scrape_many`` on tgkit's loop and keeps
the handle of every target, so a cell can watch how many targets are done,
wait with a progress bar over the targets, ``await`` it, or cancel it. Ctrl-C
(the stop button) while waiting, or ``cancel()``, withdraws every target not
finished and waits until each target's operation has really ended::

    job = ManyJob(runner, manager, ["@a", "@b"], what="members", join=False, options={})
    job.progress            # Progress(done=1, total=2): targets finished
    frame, outcomes = job.result()
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import Coroutine, Generator, Iterable
from typing import Any

from tgkit.core import Progress
from tgkit.errors import Cancelled, canceller_text
from tgkit.manager.many import ManyResult, scrape_many
from tgkit.notebook.jobs import _ended
from tgkit.notebook.loop import Runner, cancel_and_wait
from tgkit.progress import ProgressBar

__all__ = ["ManyJob"]


class ManyJob:
    """``pool.many(..., background=True)``: every target's collection, as one job.

    Example::

        job = pool.many(["@a", "@b", "@c"], background=True)
        job.progress
        result = job.result()       # or: result = await job
    """

    def __init__(
        self,
        runner: Runner,
        manager: Any,
        targets: Iterable[Any],
        *,
        what: str,
        join: bool,
        options: dict[str, Any],
    ) -> None:
        self.what = what
        self.handles: list[Any] = []  # one per distinct target, in order, once queued
        self._runner = runner
        self._who: list[str] = []  # who cancelled it, first first ("handle", "ctrl-c", ...)
        # checked and queued on the loop first: bad input raises here, before any request
        many = _many(manager, targets, what, join, options, self.handles, self._who)
        task = runner.run(_start(many))
        self._call = runner.spawn(_outcome(task, self.handles, self._who))
        self._call.on_cancel = lambda: self._who.append("ctrl-c")  # unless cancel() said first

    def __repr__(self) -> str:
        progress = self.progress
        state = "done" if self.done() else "running"
        return f"<ManyJob {self.what} {progress.done}/{progress.total} targets, {state}>"

    @property
    def progress(self) -> Progress:
        """Targets finished (however they ended) of the targets queued."""
        handles = list(self.handles)
        return Progress(sum(1 for h in handles if h.done()), len(handles))

    def done(self) -> bool:
        """True once every target has ended and the outcomes are made."""
        return self._call.done()

    def cancel(self, by: str = "handle") -> bool:
        """Withdraw every target not finished; False if the job had already ended.

        Each target's handle, and ``result()``, then raise
        ``tgkit.errors.Cancelled`` whose ``by`` is ``by``.
        """
        if self.done():
            return False
        self._who.append(by)
        self._call.cancel()
        return True

    def interrupt(self) -> None:
        """Cancel and wait (bounded) until every target's operation has ended: Ctrl-C."""
        cancel_and_wait(self._call)

    def result(self, *, progress: bool = True) -> ManyResult:
        """Wait (a progress bar over the targets); Ctrl-C cancels every target."""
        __tracebackhide__ = True
        bar = ProgressBar(f"{self.what} of many targets", unit="targets", enabled=progress)

        def tick() -> None:
            current = self.progress
            if current.total:
                bar.feed(current.done, current.total)
                bar.draw()

        try:
            return self._runner.wait(self._call, tick=tick)
        except concurrent.futures.CancelledError:
            by = self._who[0] if self._who else "handle"
            raise Cancelled(f"{self!r} was cancelled by {canceller_text(by)}", by=by) from None
        finally:
            bar.close()

    def __await__(self) -> Generator[Any, None, ManyResult]:
        return (yield from self._call.__await__())


async def _start(coro: Coroutine[Any, Any, ManyResult]) -> asyncio.Task[ManyResult]:
    """Start ``coro`` and let it run its first step (the checks and every submission)."""
    task = asyncio.ensure_future(coro)
    try:
        await asyncio.sleep(0)
    except asyncio.CancelledError:
        await _cancel(task)
        raise
    if task.done():
        task.result()  # bad input: raised in the cell
    return task


async def _outcome(
    task: asyncio.Task[ManyResult], handles: list[Any], who: list[str]
) -> ManyResult:
    """Await ``task``; if this wait is cancelled, cancel it and see it end.

    Every target is withdrawn first on behalf of who cancelled (``who[0]``),
    before cancelling the gathering would withdraw them as "task".
    """
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        by = who[0] if who else "task"
        for handle in list(handles):
            handle.cancel(by)
        await _cancel(task)
        raise


async def _cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class _Recording:
    """The manager, keeping every handle ``scrape_many`` gets (to see them end)."""

    def __init__(self, manager: Any, handles: list[Any]) -> None:
        self._manager = manager
        self._handles = handles

    def submit(self, spec: Any, args: Any, **options: Any) -> Any:
        handle = self._manager.submit(spec, args, **options)
        self._handles.append(handle)
        return handle


async def _many(
    manager: Any,
    targets: Iterable[Any],
    what: str,
    join: bool,
    options: dict[str, Any],
    handles: list[Any],
    who: list[str],
) -> ManyResult:
    try:
        return await scrape_many(
            _Recording(manager, handles), targets, what=what, join=join, **options
        )
    except asyncio.CancelledError:
        # Ctrl-C or cancel(): withdraw every target and see each operation end first.
        by = who[0] if who else "task"
        for handle in handles:
            handle.cancel(by)
        await asyncio.gather(*(_ended(handle) for handle in handles))
        raise
