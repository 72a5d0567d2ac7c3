"""The widgets of a pool's dashboard, updated in place from a :class:`PoolView`.

A :class:`PoolPanel` shows a row per account (lock, running operation with
its progress, queue length, flood waits, budgets), the pool's jobs (where
each runs or what it waits for; a cancel button per job, bound to that job's
id when the row is drawn), the moves between accounts and the recent
operations. ``pool_html`` is the same as static HTML::

    panel = PoolPanel("lab", on_cancel=print)
    panel.show(view)
    panel.job_ids, panel.account_rows["lab1"].lock.value
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape

import ipywidgets as widgets

from tgkit.notebook import templates
from tgkit.notebook.comms import answer_while_blocked
from tgkit.notebook.pool_view import AccountHistoryLine, JobLine, MoveLine, PoolView
from tgkit.notebook.static import _table, progress_text
from tgkit.notebook.view import SessionView

__all__ = ["AccountRow", "PoolPanel", "account_cells", "pool_html"]

ACCOUNT_HEAD = ("account", "lock", "progress", "queued", "flood waits", "budgets")


def lock_text(account: SessionView) -> str:
    """The lock in words; a monitor holding the account says so."""
    running = account.running
    if running is not None and running.kind == "MONITOR":
        return f"held by the monitor {running.id} ({running.label!r}) for {running.seconds} s"
    return account.lock_text


def account_cells(account: SessionView) -> tuple[str, ...]:
    """One account's row as text: the cells of ``ACCOUNT_HEAD``."""
    running = account.running
    floods = ", ".join(f"{f.request_type} {f.seconds_left} s" for f in account.flood_waits)
    budgets = ", ".join(f"{b.name} {b.used}/{b.limit}" for b in account.budgets)
    return (
        account.name,
        lock_text(account),
        progress_text(running) if running is not None else "",
        str(len(account.queued)),
        floods or "none",
        budgets or "",
    )


def job_text(n: int, job: JobLine) -> str:
    """One job's line: id, what, where it is, how long, how many accounts tried."""
    progress = ""
    if job.state == "RUNNING" and job.done is not None:
        progress = f", {job.done:,}" + (f" / {job.total:,}" if job.total else " so far")
    as_op = f" as {job.operation_id}" if job.operation_id else ""
    tries = f", attempt {job.attempts}" if job.attempts > 1 else ""
    return (
        f"{n}. {job.id} {job.kind} {job.label!r}: {job.where}{as_op}{progress}, "
        f"{job.seconds} s{tries}"
    )


class AccountRow:
    """The widgets of one account's row."""

    def __init__(self, name: str) -> None:
        self.name = widgets.HTML(f"<b>{escape(name)}</b>", layout={"width": "9em"})
        self.lock = widgets.HTML("free")
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, layout={"width": "8em"})
        self.queued = widgets.HTML("queued: 0")
        self.floods = widgets.HTML("")
        self.budgets = widgets.HTML("")
        self.widget = widgets.HBox(
            [self.name, self.lock, self.progress, self.queued, self.floods, self.budgets]
        )

    def show(self, account: SessionView) -> None:
        _, lock, progress, queued, floods, budgets = account_cells(account)
        color = "#2e7d32" if account.running is None and lock == "free" else "#e65100"
        self.lock.value = f'<span style="color:{color}"><b>{escape(lock)}</b></span>'
        running = account.running
        self.progress.value = (running.fraction or 0.0) if running is not None else 0.0
        self.progress.description = escape(progress)[:20] if running is not None else "idle"
        self.queued.value = f"queued: {escape(queued)}"
        self.floods.value = "" if floods == "none" else f"flood waits: {escape(floods)}"
        self.budgets.value = f"budgets: {escape(budgets)}" if budgets else ""


class PoolPanel:
    """The pool's widgets; updated in place from a :class:`PoolView`."""

    def __init__(self, name: str, on_cancel: Callable[[str], None]) -> None:
        self.name = name
        self._on_cancel = on_cancel
        self.title = widgets.HTML(f"<h4>tgkit pool <code>{escape(name)}</code></h4>")
        self.accounts = widgets.VBox([])
        self.account_rows: dict[str, AccountRow] = {}
        self.jobs = widgets.VBox([])
        self.job_rows: list[tuple[str, widgets.HTML, widgets.Button]] = []
        self.moves = widgets.HTML("")
        self.recent = widgets.HTML("")
        self._jobs_key: tuple[str, ...] | None = None
        self.widget = widgets.VBox([
            self.title,
            widgets.HTML("<b>Accounts</b>"),
            self.accounts,
            widgets.HTML("<b>Jobs</b> (running, then waiting in dispatch order)"),
            self.jobs,
            widgets.HTML("<b>Moves between accounts</b>"),
            self.moves,
            widgets.HTML("<b>Recent operations</b>"),
            self.recent,
        ])

    def show(self, view: PoolView) -> None:
        """Bring every widget up to ``view``."""
        for account in view.accounts:
            row = self.account_rows.get(account.name)
            if row is None:
                row = self.account_rows[account.name] = AccountRow(account.name)
            row.show(account)
        wanted = [self.account_rows[a.name].widget for a in view.accounts]
        if list(self.accounts.children) != wanted:
            self.accounts.children = wanted
        self._show_jobs(view.jobs)
        self.moves.value = moves_table(view.moves)
        self.recent.value = recent_table(view.recent)

    def _show_jobs(self, jobs: Sequence[JobLine]) -> None:
        key = tuple(job.id for job in jobs)
        if key != self._jobs_key:
            self._jobs_key = key
            self.job_rows = [self._job_row(job.id) for job in jobs]
            self.jobs.children = [
                widgets.HBox([button, text]) for _, text, button in self.job_rows
            ] or [widgets.HTML(templates.EMPTY.substitute(text="no jobs"))]
        for (_, text, _), (n, job) in zip(self.job_rows, enumerate(jobs, 1), strict=True):
            text.value = escape(job_text(n, job))

    def _job_row(self, job_id: str) -> tuple[str, widgets.HTML, widgets.Button]:
        button = widgets.Button(description="cancel", tooltip=f"cancel {job_id}")
        # bound to this job's id now: a click never reaches another job
        button.on_click(lambda _: self._on_cancel(job_id))
        answer_while_blocked(button)  # clicked while a cell blocks: handled at once
        return job_id, widgets.HTML(""), button

    @property
    def job_ids(self) -> tuple[str, ...]:
        """Ids of the jobs shown, in order."""
        return tuple(job_id for job_id, _, _ in self.job_rows)

    def job_button(self, job_id: str) -> widgets.Button:
        """The cancel button of a job shown."""
        for row_id, _, button in self.job_rows:
            if row_id == job_id:
                return button
        raise KeyError(f"{job_id} is not among the jobs shown for the pool {self.name!r}")


def moves_table(moves: Sequence[MoveLine]) -> str:
    """The latest moves, newest first, as an HTML table."""
    if not moves:
        return templates.EMPTY.substitute(text="no moves")
    rows = (
        (m.at.strftime("%H:%M:%S"), m.job_id, m.label, m.source, m.to or "(waiting)", m.reason)
        for m in moves
    )
    return _table(("at", "job", "label", "from", "to", "why"), rows)


def recent_table(recent: Sequence[AccountHistoryLine]) -> str:
    """Finished operations of every account, newest first."""
    if not recent:
        return templates.EMPTY.substitute(text="no finished operations yet")
    rows = (
        (
            each.account, each.line.id, each.line.kind, each.line.label, each.line.outcome,
            "" if each.line.run_seconds is None else f"{each.line.run_seconds:.2f} s",
            each.line.error or "",
        )
        for each in recent
    )
    return _table(("account", "id", "kind", "label", "outcome", "ran", "error"), rows)


def pool_html(view: PoolView) -> str:
    """The pool dashboard as one static HTML fragment (every value escaped)."""
    accounts = _table(ACCOUNT_HEAD, (account_cells(a) for a in view.accounts))
    jobs = (
        _table(
            ("#", "job", "kind", "label", "where", "waited", "attempts"),
            (
                (str(n), j.id, j.kind, j.label, j.where, f"{j.seconds} s", str(j.attempts))
                for n, j in enumerate(view.jobs, 1)
            ),
        )
        if view.jobs
        else templates.EMPTY.substitute(text="no jobs")
    )
    taken = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    body = (
        f"<h4>tgkit pool <code>{escape(view.name)}</code></h4>"
        f"<p><b>Accounts</b></p>{accounts}<p><b>Jobs</b></p>{jobs}"
        f"<p><b>Moves between accounts</b></p>{moves_table(view.moves)}"
        f"<p><b>Recent operations</b></p>{recent_table(view.recent)}"
        f"<p><small>snapshot taken {taken}</small></p>"
    )
    return templates.DASHBOARD.substitute(style=templates.STYLE, sessions=body)
