"""Request handlers by area, and the table that routes a request to one.

A handler takes the ``Call`` (who asks) and the parsed request and returns a
TL object (or a list, for vector results), or raises ``RpcFailure``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tgkit.sandbox.rpc import (
    auth,
    channels,
    discovery,
    history,
    invites,
    messages,
    threads,
    updates,
    users,
)
from tgkit.sandbox.rpc.context import Call

__all__ = ["HANDLERS", "NEEDS_NO_LOGIN", "Call"]

Handler = Callable[[Call, Any], Any]

HANDLERS: dict[type, Handler] = {}
for _area in (users, channels, discovery, history, messages, invites, updates, auth, threads):
    HANDLERS.update(_area.HANDLERS)

# Methods a client may call before it is logged in.
NEEDS_NO_LOGIN = frozenset({
    "help.GetConfig", "Ping", "PingDelayDisconnect", "auth.SendCode", "auth.ResendCode",
    "auth.SignIn",
    "auth.CheckPassword", "account.GetPassword", "auth.LogOut", "users.GetUsers",
    "updates.GetState", "auth.ExportLoginToken",
})
