"""Accounts and clients: which authorization key is logged in as whom.

Each client gets its own authorization key; the world maps key ids to user
ids, as Telegram maps an auth key to an account. Logging in or out changes
that map; ``delivery`` is told so updates follow the account. A client's
session keeps the entities it sees on disk (``DiskEntitiesSession``), as a
real account's ``.session`` file does, not in a Python set.
"""

from __future__ import annotations

import asyncio
import random

from telethon import TelegramClient
from telethon.crypto import AuthKey

from tgkit.sandbox.delivery import Delivery
from tgkit.sandbox.login import Logins
from tgkit.sandbox.model import User
from tgkit.sandbox.sender import SandboxSender, Server
from tgkit.telegram.entity_session import DiskEntitiesSession
from tgkit.telethon_compat import new_client

__all__ = ["SANDBOX_API_HASH", "SANDBOX_API_ID", "Accounts"]

SANDBOX_API_ID = 2040
SANDBOX_API_HASH = "b18441a1ff607e10a989891a5462e627"  # Telegram's public desktop sample pair


class Accounts:
    """Authorization keys of the world's clients, and logins in progress."""

    def __init__(self, rng: random.Random, delivery: Delivery) -> None:
        self._rng = rng
        self._delivery = delivery
        self._authorizations: dict[int, int] = {}
        self.logins = Logins(random.Random(rng.getrandbits(64)))

    def new_client(self, server: Server, user: User | None,
                   **client_options: object) -> TelegramClient:
        auth_key = AuthKey(self._rng.randbytes(256))
        if user is not None:
            self._authorizations[auth_key.key_id] = user.id
        client = new_client(DiskEntitiesSession(), SANDBOX_API_ID, SANDBOX_API_HASH,
                            **client_options)
        client._sender = SandboxSender(server, auth_key, client._updates_queue,
                                       on_lost=lambda: _stop_loops(client),
                                       before_reconnect=lambda: _retire_loops(client))
        return client

    def account_id(self, auth_key: AuthKey) -> int | None:
        return self._authorizations.get(auth_key.key_id)

    def authorize(self, sender: SandboxSender, user: User | None) -> None:
        if user is None:
            self._authorizations.pop(sender.auth_key.key_id, None)
        else:
            self._authorizations[sender.auth_key.key_id] = user.id
        self._delivery.moved(sender, user.id if user else None)


def _stop_loops(client: TelegramClient) -> None:
    """After a lost connection, stop the client's update and keepalive loops at once,
    as ``client.disconnect()`` would; ``client.connect()`` starts fresh ones. Left
    running, the old update loop would take updates it then never dispatches (it
    ends as soon as it sees the client disconnected), and a quick reconnect would
    leave two loops sharing one update state."""
    for handle in (client._updates_handle, client._keepalive_handle):
        if handle is not None and not handle.done():
            handle.cancel()


async def _retire_loops(client: TelegramClient) -> None:
    """Before connecting again, wait until the stopped loops have really ended."""
    handles = [h for h in (client._updates_handle, client._keepalive_handle)
               if h is not None and not h.done()]
    for handle in handles:
        handle.cancel()
    if handles:
        await asyncio.gather(*handles, return_exceptions=True)
