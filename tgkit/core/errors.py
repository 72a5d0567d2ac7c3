"""Errors the scheduler raises. They need nothing from Telegram.

``tgkit.errors`` re-exports them inside the full hierarchy.
"""

from __future__ import annotations

from collections.abc import Callable

#: How IPython shows a TgkitError: set by tgkit.notebook (a short block); None: as any error.
render_in_ipython: Callable[[BaseException], list[str]] | None = None


class TgkitError(Exception):
    """Base class of every error tgkit raises on purpose."""

    @property
    def _render_traceback_(self) -> Callable[[], list[str]]:
        """IPython/Jupyter call this if present; only once tgkit.notebook set a renderer."""
        render = render_in_ipython
        if render is None:
            raise AttributeError("_render_traceback_")
        return lambda: render(self)


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


class LockTimeout(QueueTimeout):
    """An operation due to start could not get the session lock within ``lock_timeout``.

    Raised when code outside the scheduler (``async with scheduler.lock:``)
    holds the lock for too long, which is usually a deadlock: for example
    awaiting an operation on the same scheduler inside that block. ``holder``
    describes who held the lock; ``waited`` is how long the operation waited.
    """

    def __init__(self, message: str, *, waited: float, holder: str) -> None:
        super().__init__(message, waited=waited)
        self.holder = holder
