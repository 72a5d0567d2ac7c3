"""A monitor displayed in a cell: a line that updates in place while the monitor runs.

``watch = tg.monitor(...)`` as a cell's last line shows one HTML widget:
messages so far, the time of the newest, back-fills, and the state. A task on
tgkit's loop redraws it every ``INTERVAL`` seconds while the monitor runs (so
it moves while other cells block), and once more when it ends. The output is
shown with a display id, and the final state replaces the static HTML too,
so a saved notebook (nbclient, nbconvert, GitHub) shows how the monitor
ended, not "0 messages so far"::

    watch = tg.monitor("@small_group", "10min")
    watch                     # live: 'monitor op-4 @small_group RUNNING: 132 messages ...'
"""

from __future__ import annotations

import asyncio
import contextlib
from html import escape
from typing import Any

import ipywidgets as widgets

from tgkit.notebook.loop import Runner

__all__ = ["MonitorView", "monitor_text"]

INTERVAL = 0.5


def monitor_text(handle: Any, newest: Any = None) -> str:
    """'monitor op-4 @small_group RUNNING: 132 messages, newest 12:03:07 UTC, 1 back-fill (+3)'."""
    count = handle.count
    text = f"monitor {handle.id} {handle.label.removeprefix('monitor ')} {handle.state.name}: "
    text += f"{count:,} message{'s' if count != 1 else ''}"
    if newest is not None and hasattr(newest, "strftime"):
        text += f", newest {newest:%H:%M:%S} UTC"
    fills = getattr(handle, "backfills", ())
    if fills:
        added = sum(fill.added for fill in fills)
        text += f", {len(fills)} back-fill{'s' if len(fills) != 1 else ''} (+{added})"
    return text


class MonitorView:
    """The live widget of one monitor, redrawn from ``runner``'s loop until it ends."""

    def __init__(self, handle: Any, runner: Runner) -> None:
        self.handle = handle
        self.runner = runner
        self.widget = widgets.HTML(self._html(None))
        self.redraws = 0
        self._display: Any = None
        self._task: asyncio.Task[None] | None = None

    def _html(self, newest: Any) -> str:
        return f"<p><b>tgkit</b> {escape(monitor_text(self.handle, newest))}</p>"

    def _newest(self) -> Any:
        if not self.handle.count or not hasattr(self.handle, "frame"):
            return None
        dates = self.handle.frame()["date"]
        return dates.max() if len(dates) else None

    def redraw(self) -> None:
        """Bring the widget up to the monitor's state (call on the loop thread)."""
        html = self._html(self._newest())
        if html != self.widget.value:
            self.widget.value = html
            self.redraws += 1

    async def _refresh(self) -> None:
        seen = -1
        while not self.handle.done():
            if self.handle.count != seen or seen < 0:
                seen = self.handle.count
                self.redraw()
            await asyncio.sleep(INTERVAL)
        self.redraw()
        self._save_final()

    def _save_final(self) -> None:
        if self._display is not None:
            with contextlib.suppress(Exception):  # the kernel may be shutting down
                self._display.update(self._bundle(), raw=True)

    def _bundle(self) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/html"] = self.widget.value
        bundle["text/plain"] = monitor_text(self.handle)
        return bundle

    async def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._refresh(), name=f"tgkit-monitor-view:{self.handle.id}"
            )

    def start(self) -> MonitorView:
        """Start redrawing (idempotent)."""
        self.runner.run(self._start())
        return self

    def show(self) -> None:
        """Display the widget in the current cell with a display id (updated when it ends)."""
        from IPython.display import display

        self.start()
        self._display = display(self._bundle(), raw=True, display_id=True)
