"""A session's connection to Telegram: client, session file, store and pacer, opened and undone.

``Connection`` holds what one ``TelegramSession`` opens on the Telegram side
and must close again: the Telethon client (handed in, or created on first use
from ``api_id``/``api_hash`` on a private session file), the local store (per
the session's ``store`` option) and the pacer. ``open()`` connects the client,
checks the login and returns the ``TelegramContext`` every operation runs
with; ``close()`` undoes, last first, only what this connection did — a
client handed in connected stays connected, a ``Store`` handed in stays open.

Example::

    connection = Connection("research", api_id, api_hash, config=SessionConfig())
    ctx = await connection.open()
    ...
    await connection.close()
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telethon import TelegramClient

from tgkit.credentials import default_session_dir
from tgkit.errors import ConnectionLost, NotAuthorized
from tgkit.pacing import Pacer
from tgkit.store import Store, default_store_path
from tgkit.telegram.context import TelegramContext
from tgkit.telegram.login import Prompt, login
from tgkit.telegram.network import Network
from tgkit.telegram.resolve import Resolver
from tgkit.telegram.rpc import Rpc
from tgkit.telegram.session_file import SessionFile, check_api_hash, check_api_id
from tgkit.telegram.settings import SessionConfig

log = logging.getLogger(__name__)

__all__ = ["Connection", "StoreOption"]

#: The session's ``store`` argument: True (default store), a path, a ``Store``, or off.
StoreOption = bool | str | os.PathLike[str] | Store | None


class Connection:
    """One account's client, store and pacer: what a session opens and must undo.

    Either ``client`` or ``api_id``/``api_hash`` (checked here, before anything
    is opened); ``store`` as ``TelegramSession`` takes it; ``network`` the proxy
    and server the created client uses (``tgkit.telegram.network``).
    """

    def __init__(
        self,
        name: str,
        api_id: int | str | None = None,
        api_hash: str | None = None,
        *,
        config: SessionConfig,
        client: TelegramClient | None = None,
        session_dir: str | os.PathLike[str] | None = None,
        store: StoreOption = True,
        network: Network | None = None,
    ) -> None:
        if client is None:
            self._api_id = check_api_id(api_id)
            self._api_hash = check_api_hash(api_hash)
        elif api_id is not None or api_hash is not None:
            raise ValueError("pass either client or api_id/api_hash, not both")
        if not isinstance(store, bool | str | os.PathLike | Store | None):
            raise TypeError("store must be True, False, None, a path or a tgkit.store.Store")
        self._name = name
        self._config = config
        self._client = client
        self._session_dir = Path(session_dir).expanduser() if session_dir is not None else None
        self._store_option = store
        self.network = network or Network()
        if client is not None and not self.network.is_default:
            raise ValueError(
                "proxy, server and test_dc apply to the client tgkit creates: with client=, "
                "give the proxy to your TelegramClient yourself"
            )
        self._pacer: Pacer | None = None
        self._store: Store | None = None
        self._owned: list[Callable[[], Any]] = []  # what close() undoes, last first

    def __repr__(self) -> str:
        return f"<Connection {self._name!r}>"

    @property
    def client(self) -> TelegramClient:
        """The Telethon client; a credential session creates it (and its file) on first use."""
        if self._client is None:
            self._client = self._create_client()
        return self._client

    @property
    def pacer(self) -> Pacer | None:
        return self._pacer

    @property
    def store(self) -> Store | None:
        return self._store

    async def open(self, collections: Any = None) -> TelegramContext:
        """Connect, check the login, open the store and pacer; the context operations run with.

        ``collections`` (if not None) takes the place of the store for
        collections. On failure the caller undoes with ``close()``.
        """
        client = self.client
        if not client.is_connected():
            await self._connect(client)
            self._owned.append(client.disconnect)
        if not await client.is_user_authorized():
            raise NotAuthorized(
                f"the session {self._name!r} is not logged in: run "
                "`await session.login(phone, code_callback)` once (in a notebook, "
                "tgkit.connect() asks for the code), then connect again"
            )
        me = await client.get_me()
        return self._build_context(client, str(me.id), collections)

    async def _connect(self, client: TelegramClient) -> None:
        try:
            await client.connect()
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            await client.disconnect()
            raise ConnectionLost(
                f"could not connect to {self.network.describe()} "
                f"({type(exc).__name__}): check the proxy and server settings; "
                "`tgkit doctor` (or tg.doctor() in a notebook) checks each step"
            ) from exc
        except BaseException:  # refused during the handshake (an RPC error, Ctrl-C)
            await client.disconnect()  # never left half-connected
            raise

    async def login(
        self,
        phone: str,
        code_callback: Prompt,
        password_callback: Prompt | None,
        *,
        opened: bool,
    ) -> None:
        """Log the client in; a client this login connects is disconnected by ``close()``.

        ``opened``: the session is connected already (its client is then left as it is).
        """
        client = self.client
        connected_before = client.is_connected()
        if not connected_before:
            await self._connect(client)
        await login(client, phone, code_callback, password_callback)
        if not connected_before and not opened:
            self._owned.append(client.disconnect)

    async def close(self) -> None:
        """Undo what ``open()`` (and the client's creation) did, last first; log failures."""
        self._pacer = None
        while self._owned:
            undo = self._owned.pop()
            try:
                result = undo()
                if hasattr(result, "__await__"):
                    await result
            except Exception:
                log.exception("session %r: cleanup step failed", self._name)

    def _create_client(self) -> TelegramClient:
        session_file = SessionFile(self._session_dir or default_session_dir(), self._name)
        client = session_file.open_client(
            self._api_id, self._api_hash, **self.network.client_options()
        )
        self.network.apply(client)
        self._owned.insert(0, session_file.close)
        self._owned.insert(0, self._forget_client)
        return client

    def _forget_client(self) -> None:
        self._client = None

    def _build_context(
        self, client: TelegramClient, account: str, collections: Any
    ) -> TelegramContext:
        store = self._open_store()
        config = self._config
        self._pacer = Pacer.from_config(account, config, store=store)
        rpc = Rpc(client, pacer=self._pacer, config=config)
        resolver = Resolver(rpc, store=store, account=account, max_age=config.entity_max_age)
        collected_in = collections if collections is not None else self._store
        return TelegramContext(rpc, resolver, collected_in, account, config)

    def _open_store(self) -> Store | None:
        option = self._store_option
        if option is None or option is False:
            return None
        if isinstance(option, Store):
            self._store = option
            return option
        path = default_store_path(self._session_dir) if option is True else Path(option)
        self._store = Store(path)
        self._owned.append(self._close_store)
        return self._store

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
        self._store = None
