"""Answering one request: parse it, count it, apply faults, route it, encode the answer.

The world's lock is held while a handler runs, so ``World.post`` and friends
may be called from any thread while clients on other loops are being served.
"""

from __future__ import annotations

import logging
import struct
from typing import TYPE_CHECKING

from telethon import errors
from telethon.extensions import BinaryReader
from telethon.tl import functions, types
from telethon.tl.tlobject import TLObject

from tgkit.sandbox.rpc import HANDLERS, NEEDS_NO_LOGIN, Call
from tgkit.sandbox.rpcerror import RpcFailure, error_message
from tgkit.sandbox.sender import UPDATES_IDS
from tgkit.sandbox.shapes import with_empty_strings
from tgkit.sandbox.tlcompat import method_name
from tgkit.sandbox.views import Viewer

if TYPE_CHECKING:
    from tgkit.sandbox.sender import SandboxSender, _OwnUpdates
    from tgkit.sandbox.world import World

__all__ = ["WorldServer"]

logger = logging.getLogger(__name__)

_WRAPPERS = (
    functions.InvokeWithLayerRequest, functions.InitConnectionRequest,
    functions.InvokeWithoutUpdatesRequest, functions.InvokeAfterMsgRequest,
    functions.InvokeAfterMsgsRequest,
)
_VECTOR = 0x1CB5C415
_NOT_COUNTED = frozenset({"Ping", "PingDelayDisconnect"})


class WorldServer:
    """The ``Server`` a ``SandboxSender`` asks: the world's request entry point."""

    def __init__(self, world: World) -> None:
        self._world = world

    @property
    def latency(self) -> float:
        return self._world.latency

    def connected(self, sender: SandboxSender) -> None:
        self._world.delivery.connected(sender, self._world.account_id(sender.auth_key))

    def disconnected(self, sender: SandboxSender) -> None:
        self._world.delivery.disconnected(sender)

    def answer(self, sender: SandboxSender, data: bytes) -> tuple[bytes, _OwnUpdates | None]:
        """The encoded answer, and the slot for the updates it carries (if any)."""
        with BinaryReader(data) as reader:
            request = reader.tgread_object()
        while isinstance(request, _WRAPPERS):
            if isinstance(request, functions.InvokeWithoutUpdatesRequest):
                sender.receives_updates = False
            request = request.query
        name = method_name(request)
        world = self._world
        with world.lock:
            account_id = world.account_id(sender.auth_key)
            if name not in _NOT_COUNTED:
                world.request_stats[(account_id, name)] += 1
            self._planned_failure(name, account_id)
            handler = HANDLERS.get(type(request))
            if handler is None:
                logger.warning("the sandbox does not answer %s", name)
                unsupported = name.upper().replace(".", "_")
                raise RpcFailure(400, f"SANDBOX_UNSUPPORTED_METHOD_{unsupported}")
            if account_id is None and name not in NEEDS_NO_LOGIN:
                raise RpcFailure(401, "AUTH_KEY_UNREGISTERED")
            account = world.users.get(account_id) if account_id is not None else None
            call = Call(world, account, sender, Viewer(account_id or 0, world.hashes, world.now()))
            result = handler(call, request)
            if world.faults.rates.empty_strings:
                result = with_empty_strings(result)
            if account is not None and sender.receives_updates:
                sender.updates_started = True
            slot = sender.reserve_slot() if _carries_updates(result) else None
        return _encode(result), slot

    def _planned_failure(self, name: str, account_id: int | None) -> None:
        world = self._world
        planned = world.one_off_errors.take(name, account_id)
        if planned is not None:
            _raise_planned(planned)
        if account_id is not None:
            wait = world.flood_limits.check(name, account_id)
            if wait is not None:
                raise RpcFailure(420, f"FLOOD_WAIT_{wait}")


def _raise_planned(planned: object) -> None:
    if isinstance(planned, ConnectionError):
        raise planned
    if isinstance(planned, type) and issubclass(planned, ConnectionError):
        raise planned("Connection to Telegram lost (planned by World.fail_next)")
    message = error_message(planned)
    cls = planned if isinstance(planned, type) else type(planned)
    code = getattr(cls, "code", None) if issubclass(cls, errors.RPCError) else None
    failure = RpcFailure.of(message)
    raise RpcFailure(code or failure.code, message)


def _carries_updates(result: object) -> bool:
    return (getattr(result, "CONSTRUCTOR_ID", None) in UPDATES_IDS
            or isinstance(result, types.messages.InvitedUsers))


def _encode(result: object) -> bytes:
    if isinstance(result, list):
        head = struct.pack("<Ii", _VECTOR, len(result))
        return head + b"".join(bytes(item) for item in result)
    if not isinstance(result, TLObject):
        raise TypeError(f"handler returned {type(result).__name__}, not a TL object")
    return bytes(result)
