"""One live dashboard for a pool of accounts (a ``SessionManager``), built on ``Dashboard``.

:class:`PoolDashboard` is a :class:`~tgkit.notebook.dashboard.Dashboard`
(the same refresher on tgkit's loop, throttled and event-driven, the same
start/stop/send_state and widget/HTML display) whose one source is a
:class:`PoolSource` and whose widgets are a
:class:`~tgkit.notebook.pool_panel.PoolPanel`: a row per account, the
pool's jobs with a cancel button each, the moves between accounts::

    dash = pool.dashboard()
    dash.panel.account_rows["lab1"].lock.value
    dash.cancel("mop-3")              # what the job's cancel button does
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from tgkit.notebook.dashboard import Dashboard
from tgkit.notebook.loop import Runner
from tgkit.notebook.pool_panel import PoolPanel, pool_html
from tgkit.notebook.pool_view import MoveLog, PoolView, pool_view

__all__ = ["PoolDashboard", "PoolSource"]

logger = logging.getLogger(__name__)


class PoolSource:
    """A ``SessionManager`` as the pool dashboard sees it (a ``SnapshotSource``).

    Keeps the log of moves between accounts from the moment it is made.
    Lives on the manager's loop.
    """

    def __init__(self, manager: Any) -> None:
        self.manager = manager
        self.moves = MoveLog()
        self._undo_moves = manager.subscribe(self.moves)

    def snapshot(self) -> Any:
        return self.manager.snapshot()

    def view(self) -> PoolView:
        """The pool as the dashboard shows it now."""
        return pool_view(self.snapshot(), self.moves.lines(), name=self.manager.name)

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        undo = [self.manager.subscribe(callback)]
        for session in self.manager.sessions:
            pacer = getattr(session, "pacer", None)
            if pacer is not None:
                undo.append(pacer.subscribe(callback))

        def unsubscribe() -> None:
            for each in undo:
                each()

        return unsubscribe

    def cancel(self, op_id: str, by: str = "handle") -> bool:
        return bool(self.manager.cancel(op_id, by))

    def close(self) -> None:
        """Stop logging moves."""
        self._undo_moves()


class PoolDashboard(Dashboard):
    """The live dashboard of a pool (see module)."""

    def __init__(
        self, source: PoolSource, *, runner: Runner, interval: float = 0.3, name: str = "pool"
    ) -> None:
        super().__init__([source], runner=runner, interval=interval, name=name)
        self.source = source
        self.pool_view: PoolView | None = None
        self.panel = PoolPanel(name, self._cancel_job)
        self.widget.children = [self.panel.widget]

    def __repr__(self) -> str:
        state = "live" if self.is_live() else "stopped"
        return f"<PoolDashboard {self.name!r}, {state}>"

    # --- on the loop thread -------------------------------------------------

    def refresh(self) -> bool:
        """Take a snapshot of the pool and redraw what changed. True if redrawn."""
        view = self.source.view()
        if view == self.pool_view:
            return False
        self.pool_view = view
        self.panel.show(view)
        self.refreshes += 1
        return True

    def _is_ticking(self) -> bool:
        view = self.pool_view
        return view is not None and (
            bool(view.jobs)
            or any(a.running or a.queued or a.flood_waits or a.pacing_waits for a in view.accounts)
        )

    def _cancel_job(self, job_id: str) -> None:
        # Button clicks arrive on the kernel's thread; the manager lives on the loop.
        self.runner.call_soon(self._cancel_job_on_loop, job_id)

    def _cancel_job_on_loop(self, job_id: str) -> None:
        if not self.source.cancel(job_id, "dashboard"):
            logger.info("%s had already finished; nothing to cancel", job_id)
        self._mark_changed()

    # --- from any thread ----------------------------------------------------

    def cancel(self, op_id: str) -> None:
        """Press the cancel button of the job ``op_id`` (a ``mop-…`` id as shown)."""
        self.panel.job_button(op_id).click()

    def to_html(self) -> str:
        """A static HTML snapshot (what non-widget frontends show)."""
        return pool_html(self.runner.run(_call(self.source.view)))


async def _call(fn: Callable[[], Any]) -> Any:
    return fn()
