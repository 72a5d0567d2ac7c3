"""The live dashboard: ipywidgets over snapshots, refreshed from the background loop.

One :class:`Dashboard` shows one or more snapshot sources (a session, a
scheduler, a manager of many sessions): for each session the lock (free, or
held by which operation for how long), the running operation's progress, the
queue in dispatch order with priority and waiting time and a cancel button
per operation, flood waits and budgets, and recent history::

    dash = tg.dashboard()      # or: Dashboard([session], runner=background_loop())
    dash                       # displays the widgets (static HTML where they can't render)

A refresher task on the runner's loop redraws at most every ``interval``
seconds (0.25–0.5 s) and only when the view changed: it sleeps until a source
reports an event, and ticks while something runs or waits (the seconds
shown move). Because it runs on tgkit's loop, the dashboard keeps updating
while a blocking call runs in another cell. Cancel buttons hop to the loop
thread to call ``source.cancel(op_id)``; on ipykernel 7 their clicks are
handled while a cell blocks (a kernel subshell, :mod:`tgkit.notebook.comms`),
so the button stops the very call the cell waits for. A click on an
operation that has already ended cancels nothing and says so on the panel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets

from tgkit.notebook.loop import Runner
from tgkit.notebook.panel import SessionPanel
from tgkit.notebook.static import render_html
from tgkit.notebook.view import DashboardView, SessionView, SnapshotSource, dashboard_view

__all__ = ["Dashboard", "SessionPanel"]

logger = logging.getLogger(__name__)

MIN_INTERVAL, MAX_INTERVAL = 0.25, 0.5


class Dashboard:
    """Live widgets over snapshot sources, refreshed from the runner's loop.

    Example::

        dash = Dashboard([session], runner=background_loop())
        dash.refresh_now()
        dash.panels["demo"].lock.value    # 'free' or 'held by op-3 ...'
    """

    def __init__(
        self,
        sources: Sequence[SnapshotSource],
        *,
        runner: Runner,
        interval: float = 0.3,
        name: str = "dashboard",
    ) -> None:
        if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
            raise ValueError(
                f"interval must be between {MIN_INTERVAL} and {MAX_INTERVAL} seconds, "
                f"got {interval!r}"
            )
        self.sources = tuple(sources)
        self.runner = runner
        self.interval = interval
        self.name = name
        self.view: DashboardView | None = None
        self.panels: dict[str, SessionPanel] = {}
        self.widget = widgets.VBox([])
        self.refreshes = 0
        self._source_of: dict[str, SnapshotSource] = {}
        self._task: asyncio.Task[None] | None = None
        self._changed: asyncio.Event | None = None
        self._unsubscribes: list[Callable[[], None]] = []
        self._displays: list[Any] = []  # display handles: send_state() updates their HTML

    def __repr__(self) -> str:
        state = "live" if self.is_live() else "stopped"
        return f"<Dashboard {self.name!r} over {len(self.sources)} source(s), {state}>"

    # --- on the loop thread -------------------------------------------------

    def refresh(self) -> bool:
        """Take snapshots and redraw what changed; call on the loop thread. True if redrawn."""
        sessions: list[SessionView] = []
        for source in self.sources:
            view = dashboard_view([source])
            for session in view.sessions:
                self._source_of[session.name] = source
            sessions.extend(view.sessions)
        view = DashboardView(tuple(sessions))
        if view == self.view:
            return False
        self.view = view
        self._show(view)
        self.refreshes += 1
        return True

    def _show(self, view: DashboardView) -> None:
        for session in view.sessions:
            panel = self.panels.get(session.name)
            if panel is None:
                panel = self.panels[session.name] = SessionPanel(
                    session.name, self._cancel_callback(session.name)
                )
            panel.show(session)
        wanted = [self.panels[s.name].widget for s in view.sessions]
        if list(self.widget.children) != wanted:
            self.widget.children = wanted

    def _cancel_callback(self, session_name: str) -> Callable[[str], None]:
        def cancel(op_id: str) -> None:
            # Button clicks arrive on the kernel's thread; the scheduler lives on the loop.
            self.runner.call_soon(self._cancel_on_loop, session_name, op_id)

        return cancel

    def _cancel_on_loop(self, session_name: str, op_id: str) -> None:
        source = self._source_of.get(session_name)
        panel = self.panels.get(session_name)
        if source is None:
            return
        if source.cancel(op_id, "dashboard"):
            text = f"cancelling {op_id} (the dashboard's cancel button)"
        else:
            text = f"{op_id} had already ended; nothing was cancelled"
            logger.info("%s had already ended; nothing to cancel", op_id)
        if panel is not None:
            panel.say(text)
        self._mark_changed()

    def _mark_changed(self, *_: Any) -> None:
        if self._changed is not None:
            self._changed.set()

    def _is_ticking(self) -> bool:
        """True while shown seconds move: something runs, queues or waits."""
        view = self.view
        return view is not None and any(
            s.running or s.queued or s.flood_waits or s.pacing_waits for s in view.sessions
        )

    async def _refresh_forever(self) -> None:
        assert self._changed is not None
        while True:
            self._changed.clear()
            try:
                self.refresh()
            except Exception:  # a broken source must not kill the refresher
                logger.exception("dashboard %r: refresh failed", self.name)
            await asyncio.sleep(self.interval)
            if not self._is_ticking():
                await self._changed.wait()

    async def _start_on_loop(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._changed = asyncio.Event()
        self._unsubscribes = [source.subscribe(self._mark_changed) for source in self.sources]
        self._task = asyncio.get_running_loop().create_task(
            self._refresh_forever(), name=f"tgkit-dashboard:{self.name}"
        )

    async def _stop_on_loop(self) -> None:
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes = []
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- from any thread ----------------------------------------------------

    def start(self) -> Dashboard:
        """Start the refresher (idempotent: one refresher per dashboard)."""
        self.runner.run(self._start_on_loop())
        return self

    def stop(self) -> None:
        """Stop the refresher and unsubscribe from the sources."""
        self.runner.run(self._stop_on_loop())

    def is_live(self) -> bool:
        """True while the refresher runs."""
        return self._task is not None and not self._task.done()

    def refresh_now(self) -> bool:
        """Redraw at once from fresh snapshots (hops to the loop). True if anything changed."""
        return self.runner.run(_call(self.refresh))

    def cancel(self, op_id: str) -> None:
        """Press the cancel button of ``op_id`` (whichever session it is in)."""
        for panel in self.panels.values():
            if op_id == panel._running_id:
                panel.cancel_running.click()
                return
            if op_id in panel.queue_ids:
                panel.queue_button(op_id).click()
                return
        raise KeyError(f"{op_id} is neither running nor queued on this dashboard")

    def send_state(self) -> None:
        """Redraw, then re-send every widget's state to the frontend.

        Call it in a notebook's last cell so the widget state saved with the
        notebook (e.g. by nbclient or nbconvert) is the current one.
        """
        self.refresh_now()
        for widget in _walk(self.widget):
            widget.send_state()
        if self._displays:
            bundle = self._bundle()
            for handle in self._displays:  # the static HTML saved with the notebook too
                handle.update(bundle, raw=True)

    def to_html(self) -> str:
        """A static HTML snapshot (what non-widget frontends show)."""
        return render_html(self.runner.run(_call(lambda: dashboard_view(self.sources))))

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        if not self.is_live():
            self.start()
        self.refresh_now()
        return self._bundle(**kwargs)

    def _bundle(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = self.to_html()
        return bundle

    def _ipython_display_(self) -> None:
        """Display with a display id, so ``send_state()`` can bring the static HTML up to date."""
        from IPython.display import display

        bundle = self._repr_mimebundle_()
        self._displays.append(display(bundle, raw=True, display_id=True))


def _walk(widget: widgets.Widget) -> list[widgets.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found.extend(_walk(child))
    return found


async def _call(fn: Callable[[], Any]) -> Any:
    return fn()
