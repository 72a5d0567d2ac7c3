"""tgkit in Jupyter: blocking-but-live calls, a dashboard, progress bars.

::

    import tgkit
    tg = tgkit.connect(sandbox=True)       # a Notebook
    tg.dashboard()                         # live widgets: lock, queue, progress, history
    members = tg.members("@big_public_group")

All Telegram work runs on one process-wide background event loop
(:mod:`tgkit.notebook.loop`); cells wait on it, the stop button cancels the
operation for real, and monitors and the dashboard keep running while a cell
waits. ``loop="kernel"`` (:mod:`tgkit.notebook.kernel_loop`) is the opt-in
alternative on the kernel's own loop.

Modules: ``connect`` (sessions from credentials, the sandbox or your client),
``facade`` (:class:`Notebook`), ``pool`` (:class:`Pool`: several accounts,
``connect([...])``), ``calls`` (what both share), ``jobs`` (:class:`Job`), ``monitor``
(:class:`Monitor`), ``dashboard`` / ``view`` / ``static`` / ``templates``
(the dashboard), ``progress`` (tqdm bars), ``prompts`` (login prompts).
"""

from __future__ import annotations

from typing import Any

from tgkit.notebook.connect import SandboxNotice, connect, open_sessions
from tgkit.notebook.dashboard import Dashboard
from tgkit.notebook.facade import Notebook
from tgkit.notebook.jobs import Job
from tgkit.notebook.loop import Runner, background_loop
from tgkit.notebook.monitor import Monitor
from tgkit.notebook.pool import Pool

__all__ = [
    "Dashboard",
    "Job",
    "Monitor",
    "Notebook",
    "Pool",
    "SandboxNotice",
    "background_loop",
    "connect",
    "dashboard_for",
    "open_sessions",
]


def dashboard_for(
    *sources: Any, runner: Runner | None = None, name: str = "dashboard"
) -> Dashboard:
    """One live dashboard over several sessions, or over a SessionManager's sessions.

    Each source needs ``snapshot()``, ``subscribe(callback)`` and
    ``cancel(op_id)`` and must live on ``runner``'s loop (by default tgkit's
    background loop, where ``connect()`` puts sessions). A ``Notebook`` is
    taken as its session, a ``Pool`` as its manager (alone: its own dashboard).

    Example::

        a, b = tgkit.connect("alice"), tgkit.connect("bob")
        dashboard_for(a, b)
    """
    from tgkit.notebook.facade import session_source

    if not sources:
        raise ValueError("dashboard_for needs at least one session, notebook or manager")
    if len(sources) == 1 and isinstance(sources[0], Pool):
        return sources[0].dashboard()  # a pool's own dashboard: a row per account
    unwrapped = [
        session_source(s.session) if isinstance(s, Notebook)
        else s.manager if isinstance(s, Pool) else s
        for s in sources
    ]
    dash = Dashboard(unwrapped, runner=runner or background_loop(), name=name)
    return dash.start()
