"""TelegramSession: one account's Telegram work, queued, coming back as DataFrames.

A session wraps one Telethon client (created from ``api_id``/``api_hash`` with
a private SQLite session file, or handed in, e.g. a sandbox client), one
``tgkit.core.Scheduler`` (one operation at a time, by priority), one
``tgkit.pacing.Pacer`` (budgets and flood waits) and, by default, the local
``tgkit.store.Store`` (every page kept, re-runs resume).
The Telegram side (client, store, pacer: opened on ``connect()``, undone on
``disconnect()``) is ``tgkit.telegram.connection``; what each operation checks
and runs is ``tgkit.telegram.operations``.

The operation methods (``scrape_group_members``, ``scrape_messages``,
``monitor``, ``send_message``, ...) are generated from the catalogue
(``tgkit.telegram.operations``), each from its one definition: they check
their arguments at once (``InvalidTarget``, ``ValueError`` — before any
request), submit the work and return its ``OperationHandle``; awaiting the
handle gives the result::

    async with TelegramSession("research", api_id, api_hash) as session:
        members = await session.scrape_group_members("@some_group")
        handle = session.scrape_messages("@some_group", days_back=7)  # runs queued
        messages = await handle

On the sandbox (no account needed)::

    from tgkit.sandbox import demo_world
    world, me = demo_world()
    async with TelegramSession.sandbox(world, me) as session:
        df = await session.scrape_group_members("@big_public_group")

Each operation method also takes ``priority``, ``timeout`` and
``queue_timeout`` (defaults from ``SessionConfig`` for the operation's kind)
and, for collections, ``resume`` (default True: continue an unfinished stored
collection, or return a completed one as stored; False starts afresh).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pandas as pd
from telethon import TelegramClient

from tgkit import provenance
from tgkit.core import Scheduler
from tgkit.errors import SessionClosed
from tgkit.pacing import Pacer
from tgkit.store import Store
from tgkit.telegram.activity import SessionSnapshot, entities_frame, history_frame, queue_frame
from tgkit.telegram.catalogue import (
    SCHEDULING,
    Arguments,
    MethodFace,
    OperationSpec,
    optional_seconds,
)
from tgkit.telegram.connection import Connection
from tgkit.telegram.context import TelegramContext
from tgkit.telegram.login import Prompt
from tgkit.telegram.network import Network
from tgkit.telegram.operations import CATALOGUE
from tgkit.telegram.session_file import check_session_name
from tgkit.telegram.settings import SessionConfig

log = logging.getLogger(__name__)

__all__ = ["SessionSnapshot", "TelegramSession"]


def _one_route(given: Network, configured: Network) -> Network:
    """The route from the arguments or from ``SessionConfig``, never both."""
    if configured.is_default:
        return given
    if not given.is_default:
        raise ValueError(
            f"the route is given twice: {given.describe()} as proxy=/server=/test_dc= and "
            f"{configured.describe()} in SessionConfig; give it in one of the two"
        )
    return configured


class TelegramSession:
    """One Telegram account: a client, a scheduler, pacing and the store.

    ``store``: True opens the default store (``session_dir/tgkit.db``, or
    ``~/.local/share/tgkit/tgkit.db``), a path or a ``Store`` uses that,
    False or None keeps nothing. A client passed in is used as it is; the
    session disconnects it on ``disconnect()`` only if the session connected it.
    ``proxy`` (``"socks5://user:pass@host:1080"``, ``"mtproxy://SECRET@host:443"``…),
    ``server`` (``"host:port"``, with ``server_key`` its public key file) and
    ``test_dc`` choose the route (``tgkit.telegram.network``), here or in
    ``config`` (one of the two).

    Example::

        session = TelegramSession("research", api_id=12345, api_hash=os.environ["TG_API_HASH"])
        await session.connect()
        df = await session.scrape_group_members("@group", max_members=1000)
        await session.disconnect()
    """

    def __init__(
        self,
        name: str,
        api_id: int | str | None = None,
        api_hash: str | None = None,
        *,
        client: TelegramClient | None = None,
        config: SessionConfig | None = None,
        session_dir: str | os.PathLike[str] | None = None,
        store: bool | str | os.PathLike[str] | Store | None = True,
        proxy: str | None = None,
        server: str | None = None,
        server_key: str | os.PathLike[str] | None = None,
        test_dc: bool = False,
    ) -> None:
        check_session_name(name)
        network = Network.of(proxy=proxy, server=server, server_key=server_key, test_dc=test_dc)
        config = SessionConfig() if config is None else config
        if not isinstance(config, SessionConfig):
            raise TypeError(f"config must be a SessionConfig, got {type(config).__name__}")
        network = _one_route(network, config.network)
        self._connection = Connection(
            name,
            api_id,
            api_hash,
            config=config,
            client=client,
            session_dir=session_dir,
            store=store,
            network=network,
        )
        self._name = name
        self._config = config
        self._scheduler = Scheduler(config, name=name)
        self._ctx: TelegramContext | None = None
        self._collections: Any = None  # collect_into(): where collections go instead

    @classmethod
    def sandbox(
        cls,
        world: Any,
        user: Any = None,
        *,
        name: str = "sandbox",
        config: SessionConfig | None = None,
        store: bool | str | os.PathLike[str] | Store | None = False,
        session_dir: str | os.PathLike[str] | None = None,
    ) -> TelegramSession:
        """A session on a ``tgkit.sandbox`` world, logged in as ``user``.

        Without ``user`` the client is not logged in: ``connect()`` raises
        ``NotAuthorized`` and ``login(phone, lambda: world.login_code(phone))``
        logs in as the world user with that phone.

        The store is off by default (a sandbox world lives in memory); pass
        ``store=path`` (or ``store=True`` with ``session_dir``) to try resuming
        on the sandbox.

        Example::

            world, me = demo_world()
            session = TelegramSession.sandbox(world, me)
        """
        client = world.client(user) if user is not None else world.client()
        return cls(name, client=client, config=config, store=store, session_dir=session_dir)

    if TYPE_CHECKING:  # the operation methods are generated from the catalogue (module end)

        def __getattr__(self, name: str) -> Any: ...

    def __repr__(self) -> str:
        state = "connected" if self._ctx is not None else "not connected"
        account = f" account={self._ctx.account}" if self._ctx is not None else ""
        return f"<TelegramSession {self._name!r} {state}{account}>"

    # -- lifecycle ---------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def config(self) -> SessionConfig:
        return self._config

    @property
    def client(self) -> TelegramClient:
        """The Telethon client; a credential session creates it (and its file) on first use.

        Raises ``SessionInUse`` when another client holds the session file.
        """
        return self._connection.client

    @property
    def scheduler(self) -> Scheduler:
        return self._scheduler

    @property
    def pacer(self) -> Pacer | None:
        return self._connection.pacer

    @property
    def store(self) -> Store | None:
        return self._connection.store

    @property
    def account(self) -> str | None:
        """The logged-in user's id (as text), once connected."""
        return None if self._ctx is None else self._ctx.account

    @property
    def is_connected(self) -> bool:
        return self._ctx is not None

    async def connect(self) -> TelegramSession:
        """Connect, check the login, open the store and start the scheduler. Idempotent.

        Raises ``NotAuthorized`` (saying how to log in) when the account is not
        logged in, ``SessionInUse`` when another client holds the session file.
        """
        if self._ctx is not None:
            return self
        try:
            self._ctx = await self._connection.open(self._collections)
            await self._scheduler.start()
        except BaseException:
            await self._undo()
            raise
        log.info("session %r connected", self._name)
        return self

    async def disconnect(self) -> None:
        """Stop the scheduler (queued work fails with ``SessionClosed``), then disconnect."""
        await self._scheduler.stop()
        await self._undo()
        log.info("session %r disconnected", self._name)

    async def __aenter__(self) -> TelegramSession:
        return await self.connect()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()

    async def login(
        self, phone: str, code_callback: Prompt, password_callback: Prompt | None = None
    ) -> None:
        """Log in interactively (code, then 2FA password if set), then ``connect()``.

        Example::

            await session.login("+44 7700 900123", lambda: input("code: "))
        """
        await self._connection.login(
            phone, code_callback, password_callback, opened=self._ctx is not None
        )
        await self.connect()

    def collect_into(self, collections: Any) -> None:
        """Open and write this session's collections through ``collections`` from now on.

        ``collections`` is anything with the ``Store`` collection methods
        (``open_collection``, ``write_page``, ``write_columns``, ``finish``, ``records``,
        ``frame``), e.g. a manager's pool that keys collections by pool instead
        of account so another account can resume them. ``None`` goes back to
        the session's own store. Flood state and the entity cache stay with
        the session's store. Survives reconnects.

        Example::

            session.collect_into(SharedCollections(store, pool="study"))
        """
        self._collections = collections
        if self._ctx is not None:
            self._ctx = dataclasses.replace(self._ctx, store=self._collections_store())

    def _collections_store(self) -> Any:
        return self._collections if self._collections is not None else self._connection.store

    # -- operations --------------------------------------------------------------
    # Every operation of the catalogue (``tgkit.telegram.operations``) is a
    # method of this class, generated from its one definition at the end of
    # this module: scrape_group_members, join_and_scrape_members,
    # scrape_messages, monitor, send_message, ...

    def submit(
        self,
        spec: OperationSpec,
        args: Arguments,
        *,
        priority: int | None = None,
        timeout: Any = None,
        queue_timeout: Any = None,
    ) -> Any:
        """Queue ``spec`` with arguments it has checked (``spec.check``); returns its handle.

        What every operation method does after checking its arguments; the
        manager calls it to hand work to this session. A live operation (a
        monitor) returns its live handle.

        Example::

            spec = CATALOGUE.get("messages")
            handle = session.submit(spec, spec.check("@group", days_back=7))
        """
        timeout = optional_seconds(timeout, "timeout")
        queue_timeout = optional_seconds(queue_timeout, "queue_timeout")
        if timeout is None and spec.least_timeout is not None:
            least = spec.least_timeout(args)
            if least is not None:
                timeout = max(self._config.timeout_for(spec.kind), least)
        self._require_context()
        live = spec.live_state(args) if spec.live_state is not None else None
        handle = self._scheduler.submit(
            spec.kind,
            functools.partial(self._run, spec, args, live),
            priority=priority,
            timeout=timeout,
            queue_timeout=queue_timeout,
            label=spec.label(args),
        )
        return spec.live_handle(live, handle) if spec.live_handle is not None else handle

    # -- views -------------------------------------------------------------------

    def snapshot(self) -> SessionSnapshot:
        """The scheduler's and the pacer's state now."""
        return SessionSnapshot(
            name=self._name,
            account=self.account,
            connected=self.is_connected,
            taken_at=datetime.now(UTC),
            scheduler=self._scheduler.snapshot(),
            pacing=None if self.pacer is None else self.pacer.snapshot(),
        )

    def subscribe(self, callback: Callable[[Any], object]) -> Callable[[], None]:
        """Call ``callback(event)`` on every queued/started/progress/finished event."""
        return self._scheduler.subscribe(callback)

    def history(self) -> pd.DataFrame:
        """Every finished operation, oldest first (see ``tgkit.telegram.activity``)."""
        return history_frame(self._scheduler.history)

    def queue(self) -> pd.DataFrame:
        """The running operation, then the queued ones in dispatch order."""
        return queue_frame(self._scheduler.snapshot())

    def entities(self) -> pd.DataFrame:
        """The entity cache of this account (chats resolved so far)."""
        ctx = self._require_context()
        store = self._connection.store
        if store is not None:
            return store.entities(ctx.account)
        return entities_frame(ctx.resolver.known())

    def cancel(self, op_id: str, by: str = "handle") -> bool:
        """Cancel a queued or running operation by id; False if there is none.

        ``by`` names who cancelled (``tgkit.errors.Cancelled.by``).
        """
        return self._scheduler.cancel(op_id, by)

    # -- internals ---------------------------------------------------------------

    async def _run(self, spec: OperationSpec, args: Arguments, live: Any) -> Any:
        # The context is taken when the operation starts: a session that
        # disconnected while it was queued fails it with SessionClosed.
        ctx = self._require_context()
        server = provenance.server_label(self._connection.client)
        token = provenance.begin(spec.name, args, account=ctx.account, server=server)
        try:
            return await spec.run(ctx, args, live)
        finally:
            provenance.end(token)

    def _require_context(self) -> TelegramContext:
        if self._ctx is None:
            raise SessionClosed(
                f"the session {self._name!r} is not connected: "
                "`await session.connect()` (or use `async with session:`) first"
            )
        return self._ctx

    async def _undo(self) -> None:
        self._ctx = None
        await self._connection.close()


def _invoke(session: TelegramSession, spec: OperationSpec, args: Arguments, options: Any) -> Any:
    return session.submit(spec, args, **options)


CATALOGUE.serve(
    MethodFace(
        TelegramSession,
        "session",
        SCHEDULING,
        _invoke,
        example=lambda name, call: f"result = await session.{name}({call})",
    )
)
