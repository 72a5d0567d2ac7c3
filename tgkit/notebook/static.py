"""A static HTML snapshot of the dashboard, for where widgets do not render.

GitHub, nbviewer, ``nbconvert --to html`` and plain ``_repr_html_`` show this
instead of the live widgets::

    html = render_html(dashboard_view([session]))

Every value from a snapshot is HTML-escaped (labels come from user input).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape

from tgkit.notebook import templates
from tgkit.notebook.view import (
    DashboardView,
    FloodLine,
    HistoryLine,
    OperationLine,
    SessionView,
)

__all__ = [
    "history_table",
    "pacing_html",
    "progress_text",
    "queue_table",
    "render_html",
    "render_session",
]


def render_html(view: DashboardView) -> str:
    """The whole dashboard as one HTML fragment."""
    body = "".join(render_session(session) for session in view.sessions)
    if not view.sessions:
        body = templates.EMPTY.substitute(text="no sessions")
    return templates.DASHBOARD.substitute(style=templates.STYLE, sessions=body)


def render_session(session: SessionView) -> str:
    """One session's section: lock, progress, queue, pacing, recent history."""
    return templates.SESSION.substitute(
        name=escape(session.name),
        lock=escape(session.lock_text),
        lock_class="tgkit-free" if session.running is None else "tgkit-held",
        progress=_progress(session.running),
        queued_count=len(session.queued),
        queue=queue_table(session.queued),
        pacing=pacing_html(session),
        recent=history_table(session.recent),
        taken_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )


def progress_text(line: OperationLine) -> str:
    """'1,200 / 25,000 (4.8 %)', or '1,200 so far' when the total is unknown."""
    if line.done is None:
        return "no progress reported yet"
    if line.total:
        return f"{line.done:,} / {line.total:,} ({100 * (line.fraction or 0):.1f} %)"
    return f"{line.done:,} so far"


def _progress(running: OperationLine | None) -> str:
    if running is None:
        return ""
    return templates.PROGRESS.substitute(
        id=escape(running.id),
        done=running.done or 0,
        total=running.total or max(running.done or 0, 1),
        text=escape(progress_text(running)),
    )


def queue_table(queued: Sequence[OperationLine]) -> str:
    """The queue in dispatch order, as an HTML table."""
    if not queued:
        return templates.EMPTY.substitute(text="nothing queued")
    rows = (
        (str(n), op.id, op.kind, op.label, str(op.priority), f"{op.seconds} s")
        for n, op in enumerate(queued, start=1)
    )
    return _table(("#", "id", "kind", "label", "priority", "waiting"), rows)


def history_table(recent: Sequence[HistoryLine]) -> str:
    """Recent operations, newest first, as an HTML table."""
    if not recent:
        return templates.EMPTY.substitute(text="no finished operations yet")
    rows = (
        (
            line.id, line.kind, line.label, line.outcome,
            _seconds(line.wait_seconds), _seconds(line.run_seconds), line.error or "",
        )
        for line in recent
    )
    return _table(("id", "kind", "label", "outcome", "waited", "ran", "error"), rows)


def pacing_html(session: SessionView) -> str:
    """Flood waits in force, requests held back now, budget use; '' when there is none."""
    if not (session.flood_waits or session.budgets or session.pacing_waits):
        return ""
    floods = _until_table("flood wait on", session.flood_waits) or templates.EMPTY.substitute(
        text="no flood waits"
    )
    held = _until_table("held back (budget or flood)", session.pacing_waits)
    budgets = _table(
        ("budget", "used", "limit", "window"),
        ((b.name, str(b.used), str(b.limit), f"{b.window_seconds:g} s") for b in session.budgets),
    ) if session.budgets else ""
    return templates.PACING.substitute(floods=floods + held, budgets=budgets)


def _until_table(title: str, lines: Sequence[FloodLine]) -> str:
    if not lines:
        return ""
    return _table(
        (title, "until", "left"),
        ((f.request_type, f.until.strftime("%H:%M:%S UTC"), f"{f.seconds_left} s") for f in lines),
    )


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f} s"


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head_html = "".join(f"<th>{escape(cell)}</th>" for cell in head)
    rows_html = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return templates.TABLE.substitute(head=head_html, rows=rows_html)
