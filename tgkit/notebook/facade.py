"""``Notebook``: a TelegramSession for notebook cells, blocking but live.

Every method is an ordinary blocking call in a cell that returns a
DataFrame, while the session's monitors, queue and dashboard keep running on
tgkit's background loop. The stop button cancels the operation for real.
Each long call also takes ``background=True`` and then returns a
:class:`~tgkit.notebook.jobs.Job` at once (awaitable in async cells)::

    tg = tgkit.connect(sandbox=True)
    tg.dashboard()                                  # live widgets
    members = tg.members("@big_public_group")       # blocks, with a progress bar
    job = tg.messages("@small_group", days_back=7, background=True)
    watch = tg.monitor("@small_group", "2min")      # always in the background
    watch.frame()                                   # the rows so far
    tg.queue, tg.history                            # DataFrames
    messages = await job                            # in an async cell
    tg.close()
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from tgkit.notebook.calls import LiveCalls, serve_notebook
from tgkit.notebook.dashboard import Dashboard
from tgkit.notebook.loop import Runner
from tgkit.session import TelegramSession

__all__ = ["Notebook"]

logger = logging.getLogger(__name__)


class Notebook(LiveCalls):
    """One Telegram session, used from notebook cells. Get one with ``tgkit.connect()``.

    Example::

        tg = tgkit.connect(sandbox=True)
        df = tg.members("@big_public_group")
        df.attrs["coverage"]
    """

    def __init__(
        self,
        session: TelegramSession,
        runner: Runner,
        *,
        world: Any = None,
        on_close: Callable[[Notebook], None] | None = None,
    ) -> None:
        self.session = session
        self.runner = runner
        #: The sandbox world behind a ``sandbox=True`` session (None for a real account).
        self.world = world
        self._on_close = on_close
        self._dashboard: Dashboard | None = None
        self._closed = False

    if TYPE_CHECKING:  # the operation methods are generated from the catalogue (module end)

        def __getattr__(self, name: str) -> Any: ...

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        where = "sandbox" if self.world is not None else "Telegram"
        return f"<tgkit.Notebook {self.name!r} on {where}, {state}>"

    @property
    def name(self) -> str:
        """The session's name (what ``connect(name)`` was given)."""
        return self.session.name

    # --- operations ------------------------------------------------------------
    # Every operation of the catalogue (``tgkit.telegram.operations``) is a
    # method of this class, generated at the end of this module from its one
    # definition: members, join_and_members, messages, monitor, send, ...
    # Each blocks with a progress bar (the stop button cancels) unless
    # ``background=True``; a live operation (monitor) always returns at once.

    def _backend(self) -> TelegramSession:
        return self.session

    # --- state ---------------------------------------------------------------------

    @property
    def queue(self) -> pd.DataFrame:
        """The running operation, then the queued ones in dispatch order."""
        return self._on_loop(self.session.queue)

    @property
    def history(self) -> pd.DataFrame:
        """Every finished operation: outcome, waiting and running time, errors, requests."""
        return self._on_loop(self.session.history)

    def entities(self) -> pd.DataFrame:
        """The chats this account has resolved (the entity cache)."""
        return self._on_loop(self.session.entities)

    def collections(self) -> pd.DataFrame:
        """What this session's store holds: one row per collection (complete or not).

        Example::

            tg.collections()     # id, account, target, kind, params, status, rows, ...
        """
        store = self.session.store
        if store is None:
            raise RuntimeError(
                f"the session {self.name!r} has no store (it was opened with store=False)"
            )
        return self._on_loop(store.collections)

    def doctor(self) -> Any:
        """Check this session step by step: the server answers, the account is logged in,
        which flood waits run (see ``tgkit.diagnose``); each failure says what to do.

        Example::

            tg.doctor()
        """
        from tgkit.diagnose import doctor

        self._check_open()
        source = self.session.pacer or self.session.store
        return self.runner.run(doctor(self.name, client=self.session.client, store=source))

    # --- dashboard -----------------------------------------------------------------

    def dashboard(self) -> Dashboard:
        """The live dashboard of this session (one per session; displaying it again reuses it).

        Example::

            tg.dashboard()
        """
        self._check_open()
        if self._dashboard is None:
            source = session_source(self.session)
            self._dashboard = Dashboard([source], runner=self.runner, name=self.name)
        if not self._dashboard.is_live():
            self._dashboard.start()
        return self._dashboard

    # --- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        """Stop the dashboard, let the running operation finish (briefly) and disconnect.

        Queued operations fail with ``SessionClosed``. Idempotent.
        """
        if self._closed:
            return
        self._closed = True
        try:
            if self._dashboard is not None:
                self._dashboard.stop()
            self.runner.run(self.session.disconnect())
        finally:
            if self._on_close is not None:
                self._on_close(self)


def session_source(session: TelegramSession) -> _SessionSource:
    """``session`` as a dashboard source: its snapshots, and events from scheduler and pacer."""
    return _SessionSource(session)


class _SessionSource:
    """A session as the dashboard sees it: snapshots, and events from scheduler and pacer."""

    def __init__(self, session: TelegramSession) -> None:
        self._session = session

    def snapshot(self) -> Any:
        return self._session.snapshot()

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        undo = [self._session.subscribe(callback)]
        pacer = self._session.pacer
        if pacer is not None:
            undo.append(pacer.subscribe(callback))
        def unsubscribe() -> None:
            for each in undo:
                each()

        return unsubscribe

    def cancel(self, op_id: str, by: str = "handle") -> bool:
        return bool(self._session.cancel(op_id, by))


serve_notebook(Notebook)
