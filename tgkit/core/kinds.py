"""What an operation is, and the priority and timeout that kind gets by default."""

from __future__ import annotations

import enum
from types import MappingProxyType


class OperationKind(enum.Enum):
    """The kind of an operation: it sets the default priority and timeout.

    =========  ========  ==========
    kind       priority  timeout
    =========  ========  ==========
    MONITOR    10        3600 s
    SCRAPE     5         300 s
    SEND       1         60 s
    =========  ========  ==========

    A higher priority runs first. Joining and message history are SCRAPE.
    ``SchedulerConfig.priorities`` / ``.timeouts`` (or a ``SessionConfig``'s) override these.

    >>> OperationKind.SCRAPE.default_priority, OperationKind.SCRAPE.default_timeout
    (5, 300.0)
    >>> OperationKind.of("send")
    <OperationKind.SEND: 'send'>
    """

    MONITOR = "monitor"
    SCRAPE = "scrape"
    SEND = "send"

    # Members are singletons compared by identity; hashing by identity keeps
    # dict lookups keyed by kind in C (Enum's own __hash__ is Python code).
    __hash__ = object.__hash__

    @property
    def default_priority(self) -> int:
        """The priority this kind gets unless the config or the call says otherwise."""
        return _DEFAULTS[self][0]

    @property
    def default_timeout(self) -> float:
        """The run timeout in seconds this kind gets unless overridden."""
        return _DEFAULTS[self][1]

    @classmethod
    def of(cls, kind: OperationKind | str, *, argument: str = "kind") -> OperationKind:
        """``kind`` as an OperationKind; accepts a member or its name in any case.

        Raises ``ValueError`` naming ``argument`` for anything else.
        """
        if isinstance(kind, cls):
            return kind
        if isinstance(kind, str):
            member = cls.__members__.get(kind.strip().upper())
            if member is not None:
                return member
        names = ", ".join(cls.__members__)
        raise ValueError(f"{argument} must be one of OperationKind.{{{names}}}, got {kind!r}")


_DEFAULTS: MappingProxyType[OperationKind, tuple[int, float]] = MappingProxyType(
    {
        OperationKind.MONITOR: (10, 3600.0),
        OperationKind.SCRAPE: (5, 300.0),
        OperationKind.SEND: (1, 60.0),
    }
)
