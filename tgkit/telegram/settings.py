"""A session's settings: ``SessionConfig`` composes the scheduler's, pacing's and the connection's.

Each layer owns its settings: ``tgkit.core.SchedulerConfig`` (queue and run
timeouts, priorities, history), ``tgkit.pacing.settings.PacingSettings``
(budgets, flood waits) and ``ConnectionSettings`` here (reconnects, the
entity cache). ``SessionConfig`` is all of them at once, with flat fields
(``SessionConfig(queue_timeout=120, pacing=False)``), so the scheduler takes
it as its ``SchedulerConfig`` and the pacer as its ``PacingSettings``. A new
Telegram-side setting is one field (and its check) in ``ConnectionSettings``
or ``PacingSettings``: ``SessionConfig`` picks it up.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Self

from tgkit.core.config import (
    SchedulerConfig,
    non_negative_int,
    non_negative_seconds,
    positive_seconds,
    set_field,
)
from tgkit.pacing.settings import PacingSettings
from tgkit.telegram.network import Network, Proxy

__all__ = ["ConnectionSettings", "SessionConfig"]


@dataclass(frozen=True)
class ConnectionSettings:
    """How a session keeps its connection and its entity cache; validated when created.

    - ``reconnect_retries`` (5) and ``reconnect_backoff`` (0.5 s): how often
      and how patiently (first delay, doubling) a dropped connection is retried.
    - ``entity_max_age`` (7 days): how long a cached entity (id, access hash,
      username) is trusted before it is resolved again.
    - ``proxy``, ``server``, ``server_key``, ``test_dc`` (none: direct, to
      Telegram): the route of a client tgkit creates, in the names and forms
      ``TelegramSession``, ``tgkit.connect`` and ``tgkit --proxy`` take
      (``tgkit.telegram.network``), checked as one ``Network`` kept in
      ``network``. The proxy is kept parsed: its password or MTProxy secret
      shows as ``***`` in a repr.

    >>> ConnectionSettings(reconnect_retries=2).reconnect_backoff
    0.5
    >>> ConnectionSettings(proxy="socks5://ada:s3cret@127.0.0.1:1080").network
    Network(proxy='socks5://ada:***@127.0.0.1:1080', server=None)
    """

    reconnect_retries: int = 5
    reconnect_backoff: float = 0.5
    entity_max_age: float = 7 * 24 * 3600.0
    proxy: str | Proxy | None = None  # kept as a Proxy (its repr hides the secrets)
    server: str | None = None
    server_key: str | os.PathLike[str] | None = None
    test_dc: bool = False
    network: Network = field(init=False, repr=False, compare=False)  # the four, checked

    def __post_init__(self) -> None:
        owner = type(self).__name__
        non_negative_int(self.reconnect_retries, f"{owner}.reconnect_retries")
        backoff = non_negative_seconds(self.reconnect_backoff, f"{owner}.reconnect_backoff")
        set_field(self, "reconnect_backoff", backoff)
        max_age = positive_seconds(self.entity_max_age, f"{owner}.entity_max_age")
        set_field(self, "entity_max_age", max_age)
        set_field(self, "network", _route(self, owner))
        set_field(self, "proxy", self.network.proxy)

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)


def _route(settings: ConnectionSettings, owner: str) -> Network:
    """The four route settings as one ``Network``; an error names the setting, not secrets."""
    try:
        return Network.of(
            proxy=settings.proxy, server=settings.server,
            server_key=settings.server_key, test_dc=settings.test_dc,
        )
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{owner}: {exc}") from None


_PARTS = (SchedulerConfig, PacingSettings, ConnectionSettings)


@dataclass(frozen=True)
class SessionConfig(ConnectionSettings, PacingSettings, SchedulerConfig):
    """All defaults of a session in one place; validated when created.

    Its fields are those of its parts, in this order (times in seconds;
    ``math.inf`` means "no limit" where noted):

    - the scheduler's (``tgkit.core.SchedulerConfig``): ``queue_timeout``
      (60), ``lock_timeout`` (30), ``drain_timeout`` (10), ``timeouts`` and
      ``priorities`` per ``OperationKind``, ``history_size`` (1000);
    - pacing's (``PacingSettings``): ``flood_sleep_max`` (60), ``pacing``
      (True), ``budgets`` (``DEFAULT_BUDGETS``);
    - the connection's (``ConnectionSettings``): ``reconnect_retries`` (5),
      ``reconnect_backoff`` (0.5), ``entity_max_age`` (7 days), the route
      (``proxy``, ``server``, ``server_key``, ``test_dc``; none by default).

    Each part's docstring says what its fields mean.

    >>> from tgkit.core import OperationKind
    >>> config = SessionConfig(queue_timeout=120, timeouts={OperationKind.SCRAPE: 900})
    >>> config.timeout_for(OperationKind.SCRAPE), config.timeout_for(OperationKind.SEND)
    (900.0, 60.0)
    >>> config.replace(pacing=False).pacing
    False
    >>> isinstance(config, SchedulerConfig) and isinstance(config, PacingSettings)
    True
    """

    def __post_init__(self) -> None:
        for part in _PARTS:
            part.__post_init__(self)
