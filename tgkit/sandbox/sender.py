"""The seam: a stand-in for Telethon's ``MTProtoSender`` that asks the world.

``TelegramClient`` talks to Telegram only through its ``_sender``: it calls
``connect(connection)``, ``send(request, ordered=False)`` (a future, or a list
of futures for a list of requests), ``disconnect()``, ``is_connected()`` and
reads ``auth_key`` and ``disconnected``. This class offers exactly that.
Every request is serialised to bytes and parsed back before the world sees
it, and every answer is serialised and read back with the request's own
``read_result``, so what the client gets has crossed Telethon's TL layer as
it would cross the wire. Failures are Telethon's own error classes, built by
``telethon.errors.rpc_message_to_error`` from Telegram's code and message.
Updates are pushed onto the client's updates queue from any thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from telethon.crypto import AuthKey
from telethon.errors import rpc_message_to_error
from telethon.extensions import BinaryReader
from telethon.tl import types
from telethon.tl.tlobject import TLObject, TLRequest

from tgkit.sandbox.rpcerror import RpcFailure
from tgkit.sandbox.tlcompat import roundtrip

if TYPE_CHECKING:
    from telethon.network import Connection

__all__ = ["SandboxSender", "Server"]

logger = logging.getLogger(__name__)

# What Telethon's MTProtoSender pushes onto the updates queue from results
# (``_store_own_updates``), so the client's update state sees its own sends.
UPDATES_IDS = frozenset((
    types.UpdateShortMessage.CONSTRUCTOR_ID, types.UpdateShortChatMessage.CONSTRUCTOR_ID,
    types.UpdateShort.CONSTRUCTOR_ID, types.UpdatesCombined.CONSTRUCTOR_ID,
    types.Updates.CONSTRUCTOR_ID, types.UpdateShortSentMessage.CONSTRUCTOR_ID,
))


_Job = tuple[TLRequest, bytes, "asyncio.Future[Any]"]


class Server(Protocol):
    """What the sender needs from the world."""

    @property
    def latency(self) -> float: ...

    def answer(self, sender: SandboxSender, data: bytes) -> tuple[bytes, _OwnUpdates | None]:
        ...

    def connected(self, sender: SandboxSender) -> None: ...

    def disconnected(self, sender: SandboxSender) -> None: ...


class SandboxSender:
    """Answers a ``TelegramClient``'s requests from a sandbox world, in process."""

    def __init__(self, server: Server, auth_key: AuthKey, updates_queue: asyncio.Queue[Any],
                 on_lost: Callable[[], None] | None = None,
                 before_reconnect: Callable[[], Awaitable[None]] | None = None) -> None:
        self.auth_key = auth_key
        self._server = server
        self._updates_queue = updates_queue
        self._on_lost = on_lost
        self._before_reconnect = before_reconnect
        self._generation = 0  # bumped on every lost connection
        self._connection: Connection | None = None
        self._user_connected = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._disconnected_future: asyncio.Future[None] | None = None
        self._pending: set[asyncio.Future[Any]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._thread_lock = threading.Lock()
        self.receives_updates = True  # False once the client asks for InvokeWithoutUpdates
        self.updates_started = False  # Telegram pushes updates after the first authorized call

    def __repr__(self) -> str:
        state = "connected" if self._user_connected else "disconnected"
        return f"<SandboxSender {state}>"

    # The interface TelegramClient uses

    async def connect(self, connection: Connection) -> bool:
        if self._user_connected:
            return False
        if self._before_reconnect is not None:
            await self._before_reconnect()
        self._connection = connection
        self._loop = asyncio.get_running_loop()
        self._disconnected_future = self._loop.create_future()
        self._user_connected = True
        self._server.connected(self)
        return True

    def is_connected(self) -> bool:
        return self._user_connected

    def _transport_connected(self) -> bool:
        return self._user_connected

    async def disconnect(self) -> None:
        self._close(error=None)
        if self._tasks:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def disconnected(self) -> asyncio.Future[None]:
        if self._disconnected_future is None:
            loop = asyncio.get_running_loop()
            self._disconnected_future = loop.create_future()
            self._disconnected_future.set_result(None)
        return asyncio.shield(self._disconnected_future)

    def send(self, request: TLRequest | list[TLRequest], ordered: bool = False) -> Any:
        if not self._user_connected:
            raise ConnectionError("Cannot send requests while disconnected")
        if isinstance(request, list):
            jobs = [(item, bytes(item), self._new_future()) for item in request]
            if ordered:
                self._spawn(self._serve_in_order(jobs))
            else:
                for job in jobs:
                    self._spawn(self._serve(*job))
            return [future for _, _, future in jobs]
        job = (request, bytes(request), self._new_future())
        self._spawn(self._serve(*job))
        return job[2]

    def _keepalive_ping(self, ping_id: int) -> None:
        """Telethon's keepalive loop calls this every minute."""
        from telethon.tl.functions import PingRequest

        self.send(PingRequest(ping_id))

    # Used by the world

    def drop(self, error: BaseException | None = None) -> None:
        """Lose the connection as a network failure would: pending requests fail."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        error = error or ConnectionError("Connection to Telegram lost")
        if _on_loop(loop):
            self._lose(error)
        else:
            loop.call_soon_threadsafe(self._lose, error)

    def push(self, updates: TLObject, delay: float = 0.0) -> None:
        """Deliver an ``Updates`` object to the client's update loop, from any thread.

        Every delivery, including a request's own updates (``reserve_slot``), goes
        through the loop's FIFO of callbacks in the order the world made them, so
        a client sees updates in ``pts`` order as on a real connection. Call it
        while holding the world's lock. A ``delay`` (seconds on the client's loop
        clock) makes it a late push, overtaken by newer ones (see ``shapes``).
        """
        loop = self._loop
        if loop is None or loop.is_closed() or not self._user_connected:
            return
        if delay > 0:
            loop.call_soon_threadsafe(
                self._deliver_later, delay, roundtrip(updates), self._generation
            )
            return
        loop.call_soon_threadsafe(self._deliver, roundtrip(updates), self._generation)

    def _deliver_later(self, delay: float, updates: TLObject, generation: int) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_later(delay, self._deliver, updates, generation)

    def _deliver(self, updates: TLObject, generation: int) -> None:
        # Updates in flight when the connection was lost are lost with it, as on a
        # real network; the client finds the gap and asks for the difference.
        if self._user_connected and generation == self._generation:
            self._updates_queue.put_nowait(updates)

    def reserve_slot(self) -> _OwnUpdates:
        """A place in the delivery order for the updates a request's result carries
        (Telethon's sender queues those itself); filled once the result is read."""
        slot = _OwnUpdates(self._updates_queue)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(slot.deliver)
        return slot

    # Internals

    def _new_future(self) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return future

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve_in_order(self, jobs: list[_Job]) -> None:
        for job in jobs:
            await self._serve(*job)

    async def _serve(self, request: TLRequest, data: bytes, future: asyncio.Future[Any]) -> None:
        latency = self._server.latency
        if latency > 0:
            await asyncio.sleep(latency)
        if future.done():
            return
        try:
            answer, slot = self._server.answer(self, data)
        except RpcFailure as failure:
            error = rpc_message_to_error(types.RpcError(failure.code, failure.message), request)
            if not future.done():
                future.set_exception(error)
            return
        except ConnectionError as error:
            if not future.done():
                future.set_exception(error)
            return
        except Exception as error:  # a sandbox bug must reach the caller, never hang it
            logger.exception("sandbox failed answering %s", type(request).__name__)
            if not future.done():
                future.set_exception(error)
            return
        with BinaryReader(answer) as reader:
            result = request.read_result(reader)
        if slot is not None:
            slot.fill(result)
        if not future.done():
            future.set_result(result)

    def _lose(self, error: BaseException) -> None:
        if not self._user_connected:
            return
        self._generation += 1
        self._close(error)
        if self._on_lost is not None:
            self._on_lost()

    def _close(self, error: BaseException | None) -> None:
        with self._thread_lock:
            was_connected = self._user_connected
            self._user_connected = False
        for future in list(self._pending):
            if not future.done():
                if error is None:
                    future.cancel()
                else:
                    future.set_exception(error)
                    future.exception()  # retrieved: no "never retrieved" warning if unawaited
        done = self._disconnected_future
        if done is not None and not done.done():
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)
                done.exception()
        if was_connected:
            self._server.disconnected(self)


class _OwnUpdates:
    """The updates carried by one request's result, delivered in their turn."""

    __slots__ = ("_queue", "_updates")

    def __init__(self, queue: asyncio.Queue[Any]) -> None:
        self._queue = queue
        self._updates: Any = None

    def fill(self, result: Any) -> None:
        if getattr(result, "CONSTRUCTOR_ID", None) in UPDATES_IDS:
            self._updates = result
        elif isinstance(result, types.messages.InvitedUsers):
            self._updates = result.updates

    def deliver(self) -> None:
        if self._updates is not None:
            self._updates._self_outgoing = True  # processed, not dispatched, as Telethon does
            self._queue.put_nowait(self._updates)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False

