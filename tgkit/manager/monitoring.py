"""A monitor run by a SessionManager: the handle keeps the live frame of whichever session runs it.

Example::

    handle = manager.monitor(["@a", "@b"], duration=600)
    handle.session, handle.count
    handle.frame()          # rows so far
    handle.stop()           # end normally (final back-fill)
    df = await handle
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tgkit.frames import empty_frame

from .jobs import ManagedHandle

__all__ = ["ManagedMonitorHandle", "MonitorBox"]


class MonitorBox:
    """Holds the session-level MonitorHandle of a monitor's latest attempt."""

    monitor: Any = None

    def keep(self, monitor: Any) -> None:
        self.monitor = monitor


class ManagedMonitorHandle(ManagedHandle):
    """``ManagedHandle`` plus the monitor's ``frame()``, ``count``, ``backfills`` and ``stop()``."""

    box: MonitorBox | None = None  # set by the manager right after submitting

    @property
    def _monitor(self) -> Any:
        return None if self.box is None else self.box.monitor

    @property
    def count(self) -> int:
        """Messages collected so far."""
        return 0 if self._monitor is None else self._monitor.count

    @property
    def backfills(self) -> tuple[Any, ...]:
        """What was recovered from history after gaps (see ``MonitorHandle.backfills``)."""
        return () if self._monitor is None else self._monitor.backfills

    @property
    def backfilled(self) -> int:
        return 0 if self._monitor is None else self._monitor.backfilled

    @property
    def partial(self) -> pd.DataFrame:
        """The rows so far (a monitor's partial result is its live frame)."""
        return self.frame()

    def frame(self) -> pd.DataFrame:
        """The rows so far (empty, with the messages schema, before it starts)."""
        return empty_frame("messages") if self._monitor is None else self._monitor.frame()

    def stop(self) -> None:
        """End the monitor normally; one not yet running is cancelled."""
        if self._monitor is None or self._monitor.operation.state.name == "QUEUED":
            self.cancel()
        else:
            self._monitor.stop()
