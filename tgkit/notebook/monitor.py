"""``Monitor``: a live monitor seen from a notebook cell.

``tg.monitor(...)`` always runs in the background and returns one of these at
once. Reading the frame hops to tgkit's loop (where the rows are collected),
so the cell gets a consistent copy while the monitor keeps running::

    watch = tg.monitor("@small_group", duration="5min")
    watch.count            # messages so far
    watch.frame().tail()   # a new DataFrame each call
    watch.stop()           # end it now (a last back-fill, then the final frame)
    final = watch.result() # or: final = await watch
    watch                  # as a cell's last line: a live view (tgkit.notebook.monitor_view)
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import pandas as pd

from tgkit.notebook.jobs import Job
from tgkit.notebook.loop import Runner
from tgkit.notebook.monitor_view import MonitorView, monitor_text
from tgkit.telegram.monitor import Backfill, MonitorHandle

__all__ = ["Monitor"]


async def _call(fn: Callable[[], Any]) -> Any:
    return fn()


class Monitor(Job[pd.DataFrame]):
    """A running monitor: a live ``frame()``, ``stop()``, and the final frame as its result.

    Example::

        watch = tg.monitor(["@a", "@b"], duration="10min")
        watch.frame()
    """

    def __init__(self, handle: MonitorHandle, runner: Runner) -> None:
        # a session's MonitorHandle wraps its operation; a pool's handle is the operation
        operation: Any = getattr(handle, "operation", handle)
        super().__init__(operation, runner, unit="messages")
        self.monitor_handle = handle
        self._view: MonitorView | None = None

    def __repr__(self) -> str:
        return f"<Monitor {self.id} {self.label!r} {self.state.name} rows={self.count}>"

    @property
    def count(self) -> int:
        """Messages collected so far."""
        return self.monitor_handle.count

    @property
    def backfilled(self) -> int:
        """How many messages were recovered from history after a gap, not seen live."""
        return self.monitor_handle.backfilled

    @property
    def backfills(self) -> tuple[Backfill, ...]:
        """Every back-fill: when, why, how many messages it added."""
        return self.monitor_handle.backfills

    def frame(self) -> pd.DataFrame:
        """The rows so far, as a new DataFrame (safe while the monitor runs)."""
        return self._runner.run(_call(self.monitor_handle.frame))

    @property
    def listening(self) -> bool:
        """True while the monitor listens: edits and deletions are seen live from then on."""
        return bool(getattr(self.monitor_handle, "listening", False))

    def events(self) -> pd.DataFrame:
        """Every new, edited and deleted message seen so far (the events frame)."""
        return self._runner.run(_call(self.monitor_handle.events))

    def stop(self) -> None:
        """End the monitor normally: a final back-fill, then ``result()`` is the final frame."""
        self._runner.call_soon(self.monitor_handle.stop)

    def result(self, *, progress: bool = False) -> pd.DataFrame:
        """Wait for the monitor to end and return its final frame; Ctrl-C cancels it."""
        __tracebackhide__ = True
        return super().result(progress=progress)

    def view(self) -> MonitorView:
        """The live view of this monitor (one per monitor; it redraws until the monitor ends)."""
        if self._view is None:
            self._view = MonitorView(self.monitor_handle, self._runner)
        return self._view.start()

    def _ipython_display_(self) -> None:
        self.view().show()

    def _repr_html_(self) -> str:
        return f"<p><b>tgkit</b> {escape(monitor_text(self.monitor_handle))}</p>"
