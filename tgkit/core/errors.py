"""The errors the scheduler raises: defined in ``tgkit.errors`` (one tree), named here too.

``tgkit.errors`` imports the standard library only, so the core may use it.
"""

from __future__ import annotations

from tgkit.errors import (
    Cancelled,
    LockTimeout,
    OperationTimeout,
    QueueTimeout,
    SessionClosed,
    TgkitError,
)

__all__ = [
    "Cancelled",
    "LockTimeout",
    "OperationTimeout",
    "QueueTimeout",
    "SessionClosed",
    "TgkitError",
]
