"""``Pool``: several Telegram accounts used from notebook cells as one.

``tgkit.connect(["lab1", "lab2", "lab3"])`` (or ``connect(sandbox=True,
accounts=3)``) returns a Pool: a ``SessionManager`` over the accounts, with
every operation of the catalogue as a method with the same parameters as on
one session's :class:`~tgkit.notebook.facade.Notebook`, blocking but live
(progress bar; the stop button cancels), ``background=True`` jobs and live
monitors. The manager picks the account for each call: an idle one first,
never one in a flood wait for the requests needed; a long flood wait or a
target an account cannot reach moves the work to another account::

    pool = tgkit.connect(sandbox=True, accounts=3)
    pool                                         # the pool's dashboard
    watch = pool.monitor("@small_group", duration="10min")   # holds one account
    members = pool.members("@study_group_1")     # runs on another
    result = pool.many(["@study_group_2", "@study_group_3"])  # spread over the free ones
    result.outcomes                              # one row per target
    pool.queue, pool.history                     # DataFrames with an ``account`` column
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from tgkit.notebook.calls import LiveCalls, serve_notebook
from tgkit.notebook.loop import Runner
from tgkit.notebook.pool_dashboard import PoolDashboard, PoolSource
from tgkit.notebook.pool_many import ManyJob

__all__ = ["Pool"]

logger = logging.getLogger(__name__)

QUEUE_COLUMNS = {
    "id": "string",
    "kind": "string",
    "label": "string",
    "state": "string",
    "account": "string",
    "where": "string",
    "priority": "Int64",
    "wait_s": "Int64",
    "attempts": "Int64",
}


class Pool(LiveCalls):
    """Several accounts run as one (see module). Get one with ``tgkit.connect([...])``.

    Example::

        pool = tgkit.connect(["lab1", "lab2"])
        df = pool.messages("@group", days_back=7)
        pool.history[["account", "label", "outcome"]]
    """

    _what = "pool"

    def __init__(
        self,
        manager: Any,
        runner: Runner,
        *,
        world: Any = None,
        researchers: Any = (),
        owned: Iterable[Any] = (),
        on_close: Callable[[Pool], None] | None = None,
    ) -> None:
        self.manager = manager
        self.runner = runner
        #: The sandbox world behind a sandbox pool (None for real accounts).
        self.world = world
        #: The sandbox users behind the accounts, in order (sandbox pools only).
        self.researchers = tuple(researchers)
        self._owned = tuple(owned)
        self._on_close = on_close
        self._source: PoolSource = runner.run(_make_source(manager))
        self._dashboard: PoolDashboard | None = None
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        where = "sandbox" if self.world is not None else "Telegram"
        return f"<tgkit.Pool {self.name!r} of {', '.join(self.accounts)} on {where}, {state}>"

    @property
    def name(self) -> str:
        """The pool's name (its accounts' names joined by '+', unless given)."""
        return str(self.manager.name)

    @property
    def accounts(self) -> tuple[str, ...]:
        """The accounts' names, in order."""
        return tuple(session.name for session in self.manager.sessions)

    def session(self, account: str) -> Any:
        """The ``TelegramSession`` of one account."""
        return self.manager.session(account)

    def _backend(self) -> Any:
        return self.manager

    # --- operations ------------------------------------------------------------
    # Every operation of the catalogue is a method of this class, generated at
    # the end of this module exactly as on Notebook: members, messages, monitor, ...

    def many(
        self,
        targets: Iterable[Any],
        *,
        what: str = "members",
        join: bool = False,
        background: bool = False,
        progress: bool = True,
        **options: Any,
    ) -> Any:
        """Collect ``what`` ("members", "messages", ...) of every target across the accounts.

        Blocks with a progress bar over the targets (``background=True``
        returns a ``ManyJob`` at once); the stop button cancels every target
        not finished. Returns ``ManyResult``: ``frame`` (a ``target`` column,
        then the rows) and ``outcomes`` (one row per target: status, rows,
        coverage, the account that ran it, attempts, error). ``options`` are
        the operation's keyword arguments and ``priority``/``timeout``/
        ``queue_timeout``. One failing target never loses the others; bad
        input raises before anything is queued.

        Example::

            result = pool.many(["@a", "@b", "@c"], what="messages", days_back=7)
            result.outcomes[["target", "status", "rows", "session"]]
        """
        __tracebackhide__ = True
        if not isinstance(background, bool):
            raise TypeError(f"background must be True or False, got {background!r}")
        self._check_open()
        job = ManyJob(self.runner, self.manager, targets, what=what, join=join, options=options)
        if background:
            return job
        try:
            return job.result(progress=progress)
        except KeyboardInterrupt:
            job.interrupt()
            raise

    # --- state ---------------------------------------------------------------------

    @property
    def queue(self) -> pd.DataFrame:
        """The pool's jobs: running ones, then waiting ones, with the account each is on."""
        view = self._on_loop(self._source.view)
        rows = [
            (j.id, j.kind, j.label, j.state, j.account, j.where, j.priority, j.seconds, j.attempts)
            for j in view.jobs
        ]
        return pd.DataFrame(rows, columns=list(QUEUE_COLUMNS)).astype(QUEUE_COLUMNS)

    @property
    def history(self) -> pd.DataFrame:
        """Every account's finished operations, with an ``account`` column, oldest first."""
        frame = self._on_loop(self.manager.history)
        return frame.rename(columns={"session": "account"})

    @property
    def moves(self) -> pd.DataFrame:
        """Work moved between accounts: which job, from where, to where, why."""
        lines = self._on_loop(self._source.moves.lines)
        rows = [(m.at, m.job_id, m.label, m.source, m.to, m.reason) for m in lines]
        return pd.DataFrame(rows, columns=["at", "job", "label", "from", "to", "why"])

    # --- dashboard -----------------------------------------------------------------

    def dashboard(self) -> PoolDashboard:
        """The pool's live dashboard (one per pool; displaying it again reuses it).

        Example::

            pool.dashboard()
        """
        self._check_open()
        if self._dashboard is None:
            self._dashboard = PoolDashboard(self._source, runner=self.runner, name=self.name)
        if not self._dashboard.is_live():
            self._dashboard.start()
        return self._dashboard

    # --- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        """Stop the dashboard, close the manager and disconnect the accounts. Idempotent.

        Work not yet handed to an account fails with ``SessionClosed``.
        """
        if self._closed:
            return
        self._closed = True
        try:
            if self._dashboard is not None:
                self._dashboard.stop()
            self.runner.run(_close(self.manager, self._source, self._owned))
        finally:
            if self._on_close is not None:
                self._on_close(self)


serve_notebook(Pool, variable="pool")


async def _make_source(manager: Any) -> PoolSource:
    return PoolSource(manager)


async def _close(manager: Any, source: PoolSource, owned: tuple[Any, ...]) -> None:
    source.close()
    await manager.close()
    await asyncio.gather(*(session.disconnect() for session in owned), return_exceptions=True)
