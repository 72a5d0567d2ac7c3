"""Errors the scheduler raises. They need nothing from Telegram.

``tgkit.errors`` re-exports them inside the full hierarchy.
"""

from __future__ import annotations


class TgkitError(Exception):
    """Base class of every error tgkit raises on purpose."""


class SessionClosed(TgkitError):
    """The session (its scheduler) is stopped or stopping; the operation did not run."""


class QueueTimeout(TgkitError):
    """An operation waited in the queue longer than its ``queue_timeout``.

    ``waited`` is how long it waited, in seconds.
    """

    def __init__(self, message: str, *, waited: float) -> None:
        super().__init__(message)
        self.waited = waited


class OperationTimeout(TgkitError):
    """An operation ran longer than its ``timeout`` and was cancelled.

    ``timeout`` is the limit that was exceeded, in seconds.
    """

    def __init__(self, message: str, *, timeout: float) -> None:
        super().__init__(message)
        self.timeout = timeout
