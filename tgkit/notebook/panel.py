"""The widgets of one session on the dashboard, updated in place from a ``SessionView``.

A :class:`SessionPanel` is built once per session and redrawn from each new
view: the lock line (with a cancel button for the running operation), the
progress bar, the queue (one row with a cancel button per queued operation,
rebuilt only when the queue itself changes), pacing and recent history.
Every cancel button is bound to its operation's id when it is drawn (a new
button for each running operation), so a click never cancels whatever runs
*now*; its clicks are handled while a cell blocks (:mod:`tgkit.notebook.comms`),
and a click on an operation that has ended says so in ``notice``::

    panel = SessionPanel("demo", on_cancel=print)
    panel.show(view.sessions[0])
    panel.lock.value, panel.queue_ids
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import ipywidgets as widgets

from tgkit.notebook.comms import answer_while_blocked
from tgkit.notebook.static import history_table, pacing_html, progress_text, queue_table
from tgkit.notebook.view import OperationLine, SessionView

__all__ = ["SessionPanel"]


def _esc(text: str) -> str:
    return escape(text)


class SessionPanel:
    """The widgets of one session; updated in place from a :class:`SessionView`."""

    def __init__(self, name: str, on_cancel: Callable[[str], None]) -> None:
        self.name = name
        self._on_cancel = on_cancel
        self.title = widgets.HTML(f"<h4>tgkit session <code>{_esc(name)}</code></h4>")
        self.lock = widgets.HTML("free")
        self.cancel_running = self._button(None, button_style="danger")
        self.cancel_running.layout.display = "none"
        self.notice = widgets.HTML("")
        self._lock_row = widgets.HBox([widgets.HTML("Lock:"), self.lock, self.cancel_running])
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description="idle")
        self.progress_text = widgets.HTML("")
        self.queue = widgets.VBox([])
        self.queue_rows: list[tuple[str, widgets.HTML, widgets.Button]] = []
        self.pacing = widgets.HTML("")
        self.recent = widgets.HTML("")
        self._running_id: str | None = None
        self._queue_key: tuple[tuple[str, ...], ...] | None = None
        self.widget = widgets.VBox([
            self.title,
            self._lock_row,
            self.notice,
            widgets.HBox([self.progress, self.progress_text]),
            widgets.HTML("<b>Queue</b> (dispatch order)"),
            self.queue,
            self.pacing,
            widgets.HTML("<b>Recent operations</b>"),
            self.recent,
        ])

    def show(self, view: SessionView) -> None:
        """Bring every widget up to ``view``."""
        self._show_lock(view.running, view.lock_text)
        self._show_queue(view.queued)
        self.pacing.value = pacing_html(view)
        self.recent.value = history_table(view.recent)

    def _show_lock(self, running: OperationLine | None, lock_text: str) -> None:
        running_id = running.id if running is not None else None
        if running_id != self._running_id and running_id is not None:
            # a new button, bound to this operation for good
            self.cancel_running = self._button(running_id, button_style="danger")
            self._lock_row.children = [*self._lock_row.children[:2], self.cancel_running]
        self._running_id = running_id
        if running is None:
            color = "#2e7d32" if lock_text == "free" else "#e65100"
            self.lock.value = f'<span style="color:{color}"><b>{_esc(lock_text)}</b></span>'
            self.cancel_running.layout.display = "none"
            self.progress.description = "idle"
            self.progress.value = 0.0
            self.progress_text.value = ""
            return
        self.lock.value = (
            f'<span style="color:#e65100"><b>held by {_esc(running.id)}</b></span> '
            f"({_esc(running.kind)} {_esc(repr(running.label))}) for {running.seconds} s"
        )
        self.cancel_running.layout.display = None
        self.cancel_running.tooltip = f"cancel {running.id}"
        self.progress.description = running.id
        self.progress.value = running.fraction or 0.0
        self.progress.bar_style = "" if running.fraction is not None else "info"
        self.progress_text.value = _esc(progress_text(running))

    def _show_queue(self, queued: Sequence[OperationLine]) -> None:
        key = tuple((op.id, op.kind, op.label, str(op.priority)) for op in queued)
        if key != self._queue_key:
            self._queue_key = key
            self.queue_rows = [self._queue_row(op.id) for op in queued]
            self.queue.children = [
                widgets.HBox([button, text]) for _, text, button in self.queue_rows
            ] or [widgets.HTML(queue_table(()))]
        for (_, text, _), (n, op) in zip(self.queue_rows, enumerate(queued, 1), strict=True):
            text.value = (
                f"{n}. <b>{_esc(op.id)}</b> {_esc(op.kind)} {_esc(repr(op.label))} "
                f"priority {op.priority}, waiting {op.seconds} s"
            )

    def _queue_row(self, op_id: str) -> tuple[str, widgets.HTML, widgets.Button]:
        return op_id, widgets.HTML(""), self._button(op_id)

    def _button(self, op_id: str | None, **style: str) -> widgets.Button:
        button = widgets.Button(
            description="cancel", tooltip=f"cancel {op_id}" if op_id else "", **style
        )
        if op_id is not None:
            button.on_click(lambda _: self._on_cancel(op_id))
            answer_while_blocked(button)
        return button

    def say(self, text: str) -> None:
        """Show a one-line notice under the lock (e.g. 'op-3 had already ended')."""
        self.notice.value = f"<i>{_esc(text)}</i>" if text else ""

    @property
    def queue_ids(self) -> tuple[str, ...]:
        """Ids of the queued operations, as displayed (dispatch order)."""
        return tuple(op_id for op_id, _, _ in self.queue_rows)

    def queue_button(self, op_id: str) -> widgets.Button:
        """The cancel button of a queued operation."""
        for row_id, _, button in self.queue_rows:
            if row_id == op_id:
                return button
        raise KeyError(f"{op_id} is not in the displayed queue of {self.name!r}")
