"""The one place every Telegram request passes through.

``Rpc(client, pacer=..., config=...)`` sends a raw Telethon request and, on the
way, does everything tgkit promises about requests:

- **pacing**: ``pacer.acquire(request_type)`` waits for the request type's
  budget and for any flood wait recorded on it (visible in the pacer's
  snapshot, never a silent sleep);
- **flood waits**: Telethon's own ``flood_sleep_threshold`` is 0, so every
  ``FloodWaitError`` reaches tgkit. It is recorded in the pacer; a wait up to
  ``SessionConfig.flood_sleep_max`` is slept through (by the pacer, visibly)
  and the request retried; a longer one raises ``tgkit.errors.FloodWait``;
- **reconnects**: a ``ConnectionError`` reconnects the client with bounded
  retries and exponential backoff (``reconnect_retries``,
  ``reconnect_backoff``) and sends the same request again, so a pager
  continues from the offset it had;
- **error translation**: Telethon's RPC errors become tgkit's errors
  (``tgkit.telegram.errors.map_telethon_error``), the original kept as
  ``__cause__``;
- **counting**: the running operation's ``report["requests"]`` counts requests
  by type (the pacer does it as it lets each one through),
  ``report["flood_waits"]`` the flood waits by type and ``report["reconnects"]``
  the reconnects.

Request types are named as the sandbox and the budgets name them: the request
class's TL namespace and name without ``Request``, e.g.
``"channels.GetParticipants"``.

Example::

    rpc = Rpc(client, pacer=pacer, config=SessionConfig())
    full = await rpc(functions.channels.GetFullChannelRequest(channel), target="@x")
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from telethon import TelegramClient, errors
from telethon.tl.tlobject import TLRequest

from tgkit.core import current_operation
from tgkit.errors import ConnectionLost, FloodWait
from tgkit.telegram.errors import map_telethon_error
from tgkit.telegram.settings import SessionConfig

log = logging.getLogger(__name__)

__all__ = ["ConnectionLost", "RequestPacer", "Rpc", "count_in_report", "request_type"]

_FLOOD_ERRORS = (errors.FloodWaitError, errors.FloodPremiumWaitError)


class RequestPacer(Protocol):
    """What ``Rpc`` needs from ``tgkit.pacing.Pacer``."""

    async def acquire(self, request_type: str) -> None: ...

    def record_flood_wait(self, request_type: str, seconds: float) -> None: ...


def request_type(request: TLRequest) -> str:
    """The request's type name, e.g. ``"channels.GetParticipants"``.

    >>> from telethon.tl.functions.channels import GetParticipantsRequest
    >>> request_type(GetParticipantsRequest(None, None, 0, 0, 0))
    'channels.GetParticipants'
    """
    cls = type(request)
    name = cls.__name__.removesuffix("Request")
    namespace = cls.__module__.rpartition("telethon.tl.functions")[2].lstrip(".")
    return f"{namespace}.{name}" if namespace else name


def count_in_report(key: str, request_kind: str | None = None, amount: float = 1) -> None:
    """Add ``amount`` to the running operation's report (nothing outside operations).

    With ``request_kind`` the count goes into the mapping ``report[key]``.
    """
    op = current_operation()
    if op is None:
        return
    if request_kind is None:
        op.report[key] = op.report.get(key, 0) + amount
        return
    counts = op.report.setdefault(key, {})
    counts[request_kind] = counts.get(request_kind, 0) + amount


class Rpc:
    """Sends raw requests paced, counted, flood-handled, reconnected and translated."""

    def __init__(
        self,
        client: TelegramClient,
        *,
        pacer: RequestPacer,
        config: SessionConfig,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._pacer = pacer
        self._config = config
        self._sleep = sleep
        # tgkit decides about every flood wait (recorded, slept through or raised).
        client.flood_sleep_threshold = 0

    @property
    def client(self) -> TelegramClient:
        """The Telethon client requests are sent through."""
        return self._client

    async def __call__(self, request: TLRequest, *, target: str | None = None) -> Any:
        """Send ``request``; ``target`` names the chat in translated errors."""
        kind = request_type(request)
        failures = 0
        while True:
            await self._pacer.acquire(kind)  # also counts it in report["requests"]
            try:
                return await self._client(request)
            except _FLOOD_ERRORS as exc:
                self._on_flood_wait(kind, exc)
            except ConnectionError as exc:
                failures += 1
                await self._reconnect(failures, exc)
            except errors.RPCError as exc:
                mapped = map_telethon_error(exc, target=target)
                if mapped is exc:
                    raise
                raise mapped from exc

    def _on_flood_wait(self, kind: str, exc: errors.RPCError) -> None:
        seconds = float(getattr(exc, "seconds", 0) or 1)
        self._pacer.record_flood_wait(kind, seconds)
        count_in_report("flood_waits", kind)
        if seconds > self._config.flood_sleep_max:
            raise FloodWait(seconds, kind) from exc
        # The next acquire() sleeps the wait out, visibly.

    async def _reconnect(self, failures: int, cause: BaseException) -> None:
        retries = self._config.reconnect_retries
        if failures > retries:
            raise ConnectionLost(
                f"lost the connection to Telegram and {retries} reconnect attempts failed; "
                "check the network and run the operation again (with resume=True it "
                "continues where it stopped)"
            ) from cause
        delay = self._config.reconnect_backoff * 2 ** (failures - 1)
        log.warning("connection lost (%s); reconnecting in %.2f s", type(cause).__name__, delay)
        count_in_report("reconnects")
        await self._sleep(delay)
        try:
            if not self._client.is_connected():
                await self._client.connect()
        except (ConnectionError, OSError) as exc:
            log.warning("reconnect attempt %d failed: %s", failures, type(exc).__name__)

    async def ensure_connected(self) -> None:
        """Reconnect if the client lost its connection (bounded retries with backoff).

        Raises ``ConnectionLost`` when every attempt fails.
        """
        failures = 0
        while not self._client.is_connected():
            failures += 1
            await self._reconnect(failures, ConnectionError("the client is disconnected"))
