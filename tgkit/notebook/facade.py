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
    watch = tg.monitor("@small_group", minutes=2)   # always in the background
    watch.frame()                                   # the rows so far
    tg.queue, tg.history                            # DataFrames
    messages = await job                            # in an async cell
    tg.close()
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from typing import Any

import pandas as pd

from tgkit.core import OperationHandle
from tgkit.notebook.dashboard import Dashboard
from tgkit.notebook.jobs import start
from tgkit.notebook.loop import Runner
from tgkit.notebook.monitor import Monitor
from tgkit.session import TelegramSession

__all__ = ["Notebook"]

logger = logging.getLogger(__name__)


async def _call(fn: Callable[[], Any]) -> Any:
    return fn()


class Notebook:
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

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        where = "sandbox" if self.world is not None else "Telegram"
        return f"<tgkit.Notebook {self.name!r} on {where}, {state}>"

    @property
    def name(self) -> str:
        """The session's name (what ``connect(name)`` was given)."""
        return self.session.name

    @property
    def closed(self) -> bool:
        """True after ``close()``."""
        return self._closed

    # --- operations ------------------------------------------------------------

    def members(
        self,
        target: Any,
        max_members: int | None = None,
        *,
        fallback_to_messages: bool = True,
        message_days_back: float = 30,
        priority: int | None = None,
        timeout: float | None = None,
        queue_timeout: float | None = None,
        resume: bool = True,
        background: bool = False,
        progress: bool = True,
    ) -> Any:
        """Members of a group or channel as a DataFrame (``background=True``: a Job).

        Past Telegram's 10,000 listing cap a search sweep fills the gap;
        ``df.attrs["coverage"]`` says how much of the reported total was found.

        Example::

            df = tg.members("@big_public_group")
            df["source"].value_counts()
        """
        return self._run(
            lambda: self.session.scrape_group_members(
                target,
                max_members,
                fallback_to_messages,
                message_days_back,
                priority=priority,
                timeout=timeout,
                queue_timeout=queue_timeout,
                resume=resume,
            ),
            background=background,
            progress=progress,
            unit="members",
        )

    def join_and_members(
        self,
        target: Any,
        max_members: int | None = None,
        *,
        priority: int | None = None,
        timeout: float | None = None,
        queue_timeout: float | None = None,
        resume: bool = True,
        background: bool = False,
        progress: bool = True,
    ) -> Any:
        """Join (username or invite link; already a member is fine), then the members.

        Example::

            df = tg.join_and_members("https://t.me/+AbCdEf123456")
        """
        return self._run(
            lambda: self.session.join_and_scrape_members(
                target,
                max_members,
                priority=priority,
                timeout=timeout,
                queue_timeout=queue_timeout,
                resume=resume,
            ),
            background=background,
            progress=progress,
            unit="members",
        )

    def messages(
        self,
        target: Any,
        *,
        days_back: float | None = None,
        since: Any = None,
        until: Any = None,
        limit: int | None = None,
        priority: int | None = None,
        timeout: float | None = None,
        queue_timeout: float | None = None,
        resume: bool = True,
        background: bool = False,
        progress: bool = True,
    ) -> Any:
        """Messages of a chat, newest window first, as a DataFrame (``background=True``: a Job).

        Example::

            df = tg.messages("@small_group", days_back=7)
        """
        return self._run(
            lambda: self.session.scrape_messages(
                target,
                days_back=days_back,
                since=since,
                until=until,
                limit=limit,
                priority=priority,
                timeout=timeout,
                queue_timeout=queue_timeout,
                resume=resume,
            ),
            background=background,
            progress=progress,
            unit="messages",
        )

    def monitor(
        self,
        targets: Any,
        *,
        minutes: float,
        on_message: Callable[[dict[str, Any]], Any] | None = None,
        priority: int | None = None,
        queue_timeout: float | None = None,
    ) -> Monitor:
        """Watch chats for new messages for ``minutes``, in the background.

        Returns a :class:`Monitor` at once: ``frame()`` is the live DataFrame,
        ``stop()`` ends it, ``result()`` / ``await`` wait for the final frame.
        It holds the session (scrapes queue behind it) until it ends.
        ``on_message(row)`` runs on tgkit's loop for each new message.

        Example::

            watch = tg.monitor(["@small_group"], minutes=5)
            watch.frame().tail()
            watch.stop()
        """
        seconds = _minutes(minutes) * 60.0

        async def submit() -> Any:
            return self.session.monitor(
                targets, seconds, on_message, priority=priority, queue_timeout=queue_timeout
            )

        self._check_open()
        return Monitor(self.runner.run(submit()), self.runner)

    def send(
        self,
        target: Any,
        text: str,
        *,
        priority: int | None = None,
        timeout: float | None = None,
        queue_timeout: float | None = None,
        background: bool = False,
    ) -> Any:
        """Send one text message; returns its id and date (``background=True``: a Job).

        Example::

            sent = tg.send("@lab_group", "Thanks for the data!")
        """
        return self._run(
            lambda: self.session.send_message(
                target, text, priority=priority, timeout=timeout, queue_timeout=queue_timeout
            ),
            background=background,
            progress=False,
            unit="messages",
        )

    def _run(
        self,
        submit: Callable[[], OperationHandle],
        *,
        background: bool,
        progress: bool,
        unit: str,
    ) -> Any:
        __tracebackhide__ = True
        if not isinstance(background, bool):
            raise TypeError(f"background must be True or False, got {background!r}")
        self._check_open()
        job = None
        try:
            job = start(self.runner, submit, unit=unit)
            return job if background else job.result(progress=progress)
        except KeyboardInterrupt:
            # Also when Ctrl-C lands between submitting and waiting: never leave it running.
            if job is not None:
                job.interrupt()
            raise

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

    def cancel(self, op_id: str) -> bool:
        """Cancel a queued or running operation by id (as shown in ``queue``); False if none.

        Example::

            tg.cancel("op-7")
        """
        if not isinstance(op_id, str):
            raise TypeError(f"op_id must be an operation id such as 'op-7', got {op_id!r}")
        return bool(self._on_loop(lambda: self.session.cancel(op_id)))

    def _on_loop(self, fn: Callable[[], Any]) -> Any:
        self._check_open()
        return self.runner.run(_call(fn))

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

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        if self._closed:
            return {"text/plain": repr(self)}
        return self.dashboard()._repr_mimebundle_(**kwargs)

    def _repr_html_(self) -> str:
        if self._closed:
            return f"<p>{escape(repr(self))}</p>"
        return self.dashboard().to_html()

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

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(
                f"the session {self.name!r} is closed; run tgkit.connect(...) again"
            )

    def __enter__(self) -> Notebook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


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
        return lambda: [each() for each in undo] and None

    def cancel(self, op_id: str) -> bool:
        return self._session.cancel(op_id)


def _minutes(minutes: object) -> float:
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not minutes > 0:
        raise ValueError(f"minutes must be a number of minutes > 0, got {minutes!r}")
    return float(minutes)
