"""SessionManager: several Telegram accounts run as one.

The same operation methods as ``TelegramSession``, each routed to one
session: an idle one first, then the one with the shortest expected wait;
never a session in a flood wait for a request type the operation needs; for
a private target, a member before a session that would have to join. On
top: a global cap and caps per kind (``ManagerLimits``), one collection of a
target at a time (an identical request joins the one in flight), and work
that hits a long flood wait moves to another session and continues from
the stored checkpoint. Example::

    sessions = [TelegramSession.sandbox(world, user, name=f"acc{i}", store=path)
                for i, user in enumerate(accounts)]
    limits = ManagerLimits(per_kind={"scrape": 2})
    async with SessionManager(sessions, limits=limits) as manager:
        members = await manager.scrape_group_members("@group")
        frame, outcomes = await manager.scrape_many(["@a", "@b", "@c"])

The manager connects the sessions that are not connected when it starts and
disconnects those (only those) when it closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pandas as pd

from tgkit.core import OperationKind, OperationState, SessionClosed
from tgkit.store import Store
from tgkit.telegram.catalogue import SCHEDULING, Arguments, MethodFace, OperationSpec
from tgkit.telegram.operations import CATALOGUE

from .dispatch import Dispatcher
from .jobs import ManagedHandle, Work
from .limits import ManagerLimits
from .many import ManyResult, scrape_many
from .monitoring import ManagedMonitorHandle, MonitorBox
from .requests import Call, RequestBuilder
from .sessions import ManagedSession, SessionWorker, share_collections, unshare_collections
from .snapshot import ManagerEvent, ManagerSnapshot
from .spread import SpreadHandle

__all__ = ["SessionManager"]

logger = logging.getLogger(__name__)


class SessionManager:
    """Several TelegramSessions as one: routing, caps, exclusivity, flood-aware moves.

    ``sessions``: TelegramSessions with distinct names (``add``/``remove``
    change the set at run time). ``limits``: a ``ManagerLimits`` (default:
    no cap beyond one operation per session). ``name`` keys the collections
    the sessions share in the store, so work moved between accounts resumes.

    Example::

        async with SessionManager([alice, bob]) as manager:
            df = await manager.scrape_group_members("@group")
            handle = manager.scrape_messages("@group", days_back=7)
            handle.session   # the account it runs on
    """

    def __init__(
        self,
        sessions: Iterable[ManagedSession] = (),
        *,
        limits: ManagerLimits | None = None,
        name: str = "manager",
    ) -> None:
        if limits is not None and not isinstance(limits, ManagerLimits):
            raise TypeError(f"limits must be a ManagerLimits or None, got {limits!r}")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        self.name = name
        self._dispatcher = Dispatcher(limits, expected_duration=self._expected_duration)
        self._requests = RequestBuilder(self._has_reached)
        self._sessions: dict[str, ManagedSession] = {}
        self._connected_here: set[str] = set()
        self._reached: set[tuple[str, str]] = set()  # (target key, session) that got through
        self._listeners: list[_Listener] = []
        # session name → listener → its subscription to that session
        self._subscriptions: dict[str, dict[_Listener, Callable[[], None]]] = {}
        self._started = False
        self._store: Store | None = None
        if isinstance(sessions, str) or not isinstance(sessions, Iterable):
            raise TypeError(f"sessions must be a list of TelegramSessions, got {sessions!r}")
        for session in sessions:
            self._register(session)

    if TYPE_CHECKING:  # the operation methods are generated from the catalogue (module end)

        def __getattr__(self, name: str) -> Any: ...

    def __repr__(self) -> str:
        state = "started" if self._started else "not started"
        names = ", ".join(self._sessions) or "no sessions"
        return f"<SessionManager {self.name!r} {state}: {names}>"

    # ------------------------------------------------------------- lifecycle
    @property
    def limits(self) -> ManagerLimits:
        return self._dispatcher.limits

    @property
    def sessions(self) -> tuple[ManagedSession, ...]:
        """The managed sessions, in the order they were added."""
        return tuple(self._sessions.values())

    def session(self, name: str) -> ManagedSession:
        """The managed session called ``name``."""
        try:
            return self._sessions[name]
        except KeyError:
            known = ", ".join(self._sessions) or "none"
            raise ValueError(f"no session named {name!r} (sessions: {known})") from None

    async def start(self) -> SessionManager:
        """Connect every session that is not connected yet. Idempotent."""
        if self._dispatcher.closed:
            raise SessionClosed("this SessionManager is closed; create a new one")
        if not self._started:
            sessions = list(self._sessions.values())
            outcomes = await asyncio.gather(
                *(self._connect(s) for s in sessions), return_exceptions=True
            )
            failed = [(s, e) for s, e in zip(sessions, outcomes, strict=True) if e is not None]
            if failed:
                await self._disconnect_owned()
                session, error = failed[0]
                logger.error("session %r could not connect: %s", session.name, error)
                raise error
            self._started = True
            self._dispatcher.wake()
            logger.info("manager %r started with %s", self.name, ", ".join(self._sessions))
        return self

    async def close(self) -> None:
        """Fail work not yet handed to a session; disconnect the sessions it connected.

        Work running on a session it disconnects ends as that session's
        ``disconnect()`` ends it (drained, then cancelled). Idempotent.
        """
        self._dispatcher.close()
        for name in list(self._subscriptions):
            for unsubscribe in self._subscriptions.pop(name).values():
                unsubscribe()
        for session in self._sessions.values():
            unshare_collections(session)
        await self._disconnect_owned()
        self._started = False

    async def _disconnect_owned(self) -> None:
        owned = [self._sessions[name] for name in self._connected_here if name in self._sessions]
        self._connected_here.clear()
        await asyncio.gather(*(s.disconnect() for s in owned), return_exceptions=True)
        if self._store is not None:
            self._store.close()
            self._store = None

    async def __aenter__(self) -> SessionManager:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def add(self, session: ManagedSession) -> None:
        """Manage one more session; it is connected now if the manager has started.

        Example::

            await manager.add(TelegramSession.sandbox(world, carol, name="carol"))
        """
        self._register(session)
        if self._started:
            try:
                await self._connect(session)
            except BaseException:
                self._forget(session.name)
                raise
            self._dispatcher.wake()
        logger.info("manager %r: added session %r", self.name, session.name)

    async def remove(self, name: str, *, cancel_running: bool = False) -> ManagedSession:
        """Stop routing to ``name``; its queued work moves to the other sessions.

        Its running operation finishes there, unless ``cancel_running`` (then
        it continues on another session from its checkpoint). A session the
        manager connected is disconnected. Returns the session.

        Example::

            bob = await manager.remove("bob")
        """
        session = self.session(name)
        self._dispatcher.remove_worker(name, cancel_running=cancel_running)
        self._forget(name)
        logger.info("manager %r: removed session %r", self.name, name)
        if name in self._connected_here:
            self._connected_here.discard(name)
            await session.disconnect()
        return session

    def _register(self, session: Any) -> None:
        if not isinstance(session, ManagedSession):
            raise TypeError(f"sessions must be TelegramSessions, got {session!r}")
        if session.name in self._sessions:
            raise ValueError(
                f"two sessions are named {session.name!r}; give each account its own name"
            )
        if self._dispatcher.closed:
            raise SessionClosed("this SessionManager is closed; create a new one")
        self._sessions[session.name] = session
        self._subscriptions[session.name] = {
            listener: session.subscribe(listener.wrapped(session.name))
            for listener in self._listeners
        }
        self._dispatcher.add_worker(SessionWorker(session))

    def _forget(self, name: str) -> None:
        session = self._sessions.pop(name)
        unshare_collections(session)
        for unsubscribe in self._subscriptions.pop(name, {}).values():
            unsubscribe()
        if any(worker.name == name for worker in self._dispatcher.workers):
            self._dispatcher.remove_worker(name)

    async def _connect(self, session: ManagedSession) -> None:
        if not session.is_connected:
            await session.connect()
            self._connected_here.add(session.name)
        store = self._collection_store()
        if store is not None:
            share_collections(session, store, f"manager:{self.name}")

    def _collection_store(self) -> Store | None:
        """The manager's own connection to the first session's store file.

        Its own, so removing (and disconnecting) that session does not close
        the collections the others write into.
        """
        if self._store is None:
            for session in self._sessions.values():
                if session.store is not None:
                    self._store = Store(session.store.path)
                    break
        return self._store

    def _expected_duration(self, kind: OperationKind) -> float:
        for session in self._sessions.values():
            return float(session.config.timeout_for(kind))
        return float(kind.default_timeout)

    # ------------------------------------------------------------ operations
    # Every operation of the catalogue (``tgkit.telegram.operations``) is a
    # method of this class with the session's name and parameters, generated
    # at the end of this module: scrape_group_members, scrape_messages, ...

    def submit(
        self,
        spec: OperationSpec,
        args: Arguments,
        *,
        priority: int | None = None,
        timeout: Any = None,
        queue_timeout: Any = None,
    ) -> Any:
        """Queue a checked call (``spec.check``) on whichever session suits; returns its handle.

        Example::

            spec = CATALOGUE.get("members")
            handle = manager.submit(spec, spec.check("@group"))
        """
        call = Call.of(priority, timeout, queue_timeout)  # checked before anything is queued
        spread = spec.spread
        if spread is not None:  # units over the sessions (e.g. track: one per chat)
            self._require_started()
            options = {"priority": call.priority, "timeout": call.timeout,
                       "queue_timeout": call.queue_timeout}
            return SpreadHandle(
                spec.label(args), spec.kind, lambda handle: spread(self, args, options, handle)
            )
        if not spec.live:
            return self._submit(self._requests.work(spec, args, call))
        box = MonitorBox()
        handle = self._submit(self._requests.work(spec, args, call, box.keep), ManagedMonitorHandle)
        handle.box = box
        return handle

    async def scrape_many(
        self, targets: Iterable[Any], *, what: str = "members", join: bool = False, **options: Any
    ) -> ManyResult:
        """Collect many targets across the sessions; one frame plus an outcome per target.

        ``what`` is "members" (``join=True`` joins first) or "messages";
        ``options`` are the single-target method's keyword arguments. A
        target that fails never loses the others. See ``tgkit.manager.many``.

        Example::

            frame, outcomes = await manager.scrape_many(["@a", "@b"])
        """
        self._require_started()
        return await scrape_many(self, targets, what=what, join=join, **options)

    def _submit(self, work: Work, handle_type: type[ManagedHandle] = ManagedHandle) -> Any:
        self._require_started()
        handle = self._dispatcher.submit(work, handle_type=handle_type)
        target = work.target
        if target is not None:
            handle.add_done_callback(lambda h: self._note_reached(target, h))
        return handle

    def _require_started(self) -> None:
        if self._dispatcher.closed:
            raise SessionClosed("this SessionManager is closed; create a new one")
        if not self._started:
            raise SessionClosed(
                "the SessionManager is not started: use `async with manager:` "
                "or `await manager.start()` first"
            )

    def _note_reached(self, target: str, handle: ManagedHandle) -> None:
        if handle.state is OperationState.DONE and handle.session is not None:
            self._reached.add((target, handle.session))

    def _has_reached(self, target: str, session: str) -> bool:
        return (target, session) in self._reached

    # ----------------------------------------------------------------- views
    def snapshot(self) -> ManagerSnapshot:
        """Every session's snapshot plus the manager's queue, caps and flood waits."""
        return ManagerSnapshot(
            taken_at=datetime.now(UTC),
            sessions=tuple(session.snapshot() for session in self._sessions.values()),
            manager=self._dispatcher.snapshot(),
        )

    def subscribe(self, callback: Callable[[ManagerEvent], Any]) -> Callable[[], None]:
        """Call ``callback(event)`` on manager events and on every session's events.

        A session's own event arrives wrapped: ``ManagerEvent(type="session",
        session=name, event=...)``. Returns a function that unsubscribes.
        """
        listener = _Listener(callback)
        listener.undo_manager = self._dispatcher.subscribe(callback)
        self._listeners.append(listener)
        for name, session in self._sessions.items():
            self._subscriptions[name][listener] = session.subscribe(listener.wrapped(name))

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)
                listener.undo_manager()
            for subscriptions in self._subscriptions.values():
                undo = subscriptions.pop(listener, None)
                if undo is not None:
                    undo()

        return unsubscribe

    def cancel(self, op_id: str, by: str = "handle") -> bool:
        """Cancel a manager operation (``mop-…``) or any session's operation (``op-…``).

        Its callers get ``tgkit.errors.Cancelled`` whose ``by`` is ``by``
        ("handle", "dashboard", "ctrl-c", ...). False if nothing live has that id.
        """
        if self._dispatcher.cancel(op_id, by):
            return True
        return any(session.cancel(op_id, by) for session in self._sessions.values())

    def history(self) -> pd.DataFrame:
        """Every session's finished operations, with a ``session`` column, oldest first."""
        frames = []
        for name, session in self._sessions.items():
            frame = session.history()
            frame.insert(0, "session", pd.array([name] * len(frame), dtype="string"))
            frames.append(frame)
        if not frames:
            return pd.DataFrame({"session": pd.array([], dtype="string")})
        history = pd.concat(frames, ignore_index=True)
        if "finished_at" in history.columns and len(history):
            history = history.sort_values("finished_at", kind="stable", ignore_index=True)
        return history


class _Listener:
    """One ``subscribe`` callback, forwarding each session's events wrapped."""

    def __init__(self, callback: Callable[[ManagerEvent], Any]) -> None:
        self.callback = callback
        self.undo_manager: Callable[[], None] = lambda: None

    def wrapped(self, session: str) -> Callable[[Any], Any]:
        def forward(event: Any) -> Any:
            at = getattr(event, "at", None) or datetime.now(UTC)
            return self.callback(ManagerEvent(type="session", at=at, session=session, event=event))

        return forward


def _invoke(manager: SessionManager, spec: OperationSpec, args: Arguments, options: Any) -> Any:
    return manager.submit(spec, args, **options)


CATALOGUE.serve(
    MethodFace(
        SessionManager,
        "manager",
        SCHEDULING,
        _invoke,
        example=lambda name, call: f"result = await manager.{name}({call})",
    )
)
