"""Every error tgkit raises, in one tree, with messages a researcher can act on.

::

    TgkitError
     ├── InvalidTarget        the target is not a chat tgkit understands (also a ValueError)
     ├── ChatNotFound         no chat has that username, id or link
     ├── NotAChat             the target is a user where a group or channel is needed
     ├── NotAChannel          comments were asked of a group, not a broadcast channel
     ├── PrivateChat          the chat is private and this account is not in it
     ├── NotAMember           the operation needs membership this account lacks
     ├── AdminRequired        only admins may do this (e.g. list a channel's subscribers)
     ├── JoinRequestPending   the group approves joins; a request was sent
     ├── InviteInvalid        the invite link is invalid or expired
     ├── Banned               this account is banned from the chat
     ├── TooManyChannels      the account is already in 500 channels and supergroups
     ├── FloodWait            Telegram asked to wait ``seconds`` longer than tgkit may sleep
     ├── SessionInUse         another process holds this session file
     ├── NoSessionAvailable   a SessionManager has no session left that can take the operation
     ├── ConnectionLost       the connection dropped, reconnecting failed (also a ConnectionError)
     ├── NotAuthorized        the account is not logged in
     ├── StoreError           the result store cannot do what was asked
     │    └── CollectionInUse another live process collects into that collection now
     ├── Cancelled            it was cancelled; ``by`` says who (also an asyncio.CancelledError)
     ├── SessionClosed        the session is stopped; the operation did not run
     ├── OperationTimeout     the operation ran past its ``timeout`` and was cancelled
     └── QueueTimeout         the operation waited in the queue past its ``queue_timeout``
          └── LockTimeout     it was due to start but the session lock stayed taken

Errors mapped from Telethon keep the original as ``__cause__``. This module
imports the standard library only, so that ``tgkit.core`` may use it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = [
    "AdminRequired",
    "Banned",
    "Cancelled",
    "ChatNotFound",
    "CollectionInUse",
    "ConnectionLost",
    "FloodWait",
    "InvalidTarget",
    "InviteInvalid",
    "JoinRequestPending",
    "LockTimeout",
    "NoSessionAvailable",
    "NotAChannel",
    "NotAChat",
    "NotAMember",
    "NotAuthorized",
    "OperationTimeout",
    "PrivateChat",
    "QueueTimeout",
    "SessionClosed",
    "SessionInUse",
    "StoreError",
    "TgkitError",
    "TooManyChannels",
]

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

    ``timeout`` is the limit that was exceeded, in seconds; ``by`` is
    "timeout", naming what stopped it as ``Cancelled.by`` does.
    """

    by = "timeout"

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


class InvalidTarget(TgkitError, ValueError):
    """Raised before any request when a target is not a username, link, id or entity."""


class ChatNotFound(TgkitError):
    """Raised when Telegram knows no chat by that username, id or link."""


class PrivateChat(TgkitError):
    """Raised when the chat is private and this account is not a member."""


class NotAMember(TgkitError):
    """Raised when the operation needs this account to be a member of the chat."""


class AdminRequired(TgkitError):
    """Raised when only the chat's admins may do this."""


class JoinRequestPending(TgkitError):
    """Raised when joining needs an admin's approval; the request has been sent."""


class InviteInvalid(TgkitError):
    """Raised when an invite link is malformed, revoked or expired."""


class Banned(TgkitError):
    """Raised when this account is banned from the chat."""


class TooManyChannels(TgkitError):
    """Raised when joining fails because the account is already in 500 channels/supergroups."""


class FloodWait(TgkitError):
    """Raised when Telegram asks to wait longer than ``SessionConfig.flood_sleep_max``.

    ``seconds`` is the wait Telegram asked for; ``request_type`` names the
    request that earned it (waits are per request type, not per chat).
    """

    def __init__(self, seconds: float, request_type: str | None = None) -> None:
        what = f" on {request_type}" if request_type else ""
        super().__init__(
            f"Telegram asked this account to wait {seconds:.0f} s{what} before retrying; "
            "that is longer than SessionConfig.flood_sleep_max allows, so the operation "
            "stopped. What was collected so far is kept."
        )
        self.seconds = seconds
        self.request_type = request_type


class SessionInUse(TgkitError):
    """Raised when another process or client holds this session file open."""


class ConnectionLost(TgkitError, ConnectionError):
    """Raised when the connection to Telegram dropped and could not be re-established.

    What was collected before it dropped is kept (in the store and ``handle.partial``).
    """


class NoSessionAvailable(TgkitError):
    """Raised when no session of a SessionManager can take the operation.

    None is left (all removed or closed), or none can reach the target.
    """


class NotAuthorized(TgkitError):
    """Raised when the account behind a session is not logged in."""


class NotAChat(TgkitError):
    """The target is a user, where a group or channel is needed."""


class NotAChannel(TgkitError):
    """Comments were asked of a group: only broadcast channels have comment threads."""


class StoreError(TgkitError):
    """The result store cannot do what was asked: the file is corrupted, belongs to a
    newer tgkit, is not a tgkit store, stayed locked by another process past the
    busy timeout, or the collection asked for does not exist."""


class CollectionInUse(StoreError):
    """Another live process is collecting into this collection right now."""


#: Who can cancel an operation, as ``Cancelled.by`` names them.
CANCELLED_BY = (
    "handle",  # handle.cancel(), Scheduler.cancel(op_id), tg.cancel(op_id), job.cancel()
    "task",  # the task awaiting the handle was cancelled (asyncio.timeout, TaskGroup, ...)
    "dashboard",  # a cancel button
    "ctrl-c",  # the notebook's stop button, Ctrl-C in a terminal
    "timeout",  # a deadline of the caller's (the operation's own timeout is OperationTimeout)
    "session closing",  # the session stopped while it was running
    "manager",  # a SessionManager moved or withdrew it
    "parent",  # the operation it ran inside ended first
)

#: How messages name each canceller: "... was cancelled while running by <this>".
_CANCELLER_TEXT = {
    "handle": "cancel() on its handle, job or id",
    "task": "task cancellation",
    "dashboard": "the dashboard's cancel button",
    "ctrl-c": "Ctrl-C / the stop button",
    "timeout": "its timeout",
    "session closing": "its session closing",
    "manager": "its SessionManager",
    "parent": "its parent operation ending first",
}


def canceller_text(by: str) -> str:
    """Who ``by`` (a ``Cancelled.by``) is, in words for a message.

    >>> canceller_text("dashboard")
    "the dashboard's cancel button"
    """
    return _CANCELLER_TEXT.get(by, by)


class Cancelled(TgkitError, asyncio.CancelledError):
    """The operation was cancelled before it ended; what it gathered is in ``handle.partial``.

    ``by`` says who cancelled it (one of ``CANCELLED_BY``). It is also an
    ``asyncio.CancelledError``, because asyncio knows cancellation only by that
    class: a task that awaits a cancelled operation ends cancelled,
    ``asyncio.timeout`` turns it into ``TimeoutError`` and a ``TaskGroup``
    treats it as cancellation, as for any awaited future. Being a TgkitError as
    well, ``except TgkitError`` (and ``except Exception``) catch it too.

    >>> error = Cancelled("op-7 was cancelled while running", by="dashboard")
    >>> error.by, isinstance(error, asyncio.CancelledError)
    ('dashboard', True)
    """

    def __init__(self, message: str = "the operation was cancelled", *, by: str = "handle") -> None:
        super().__init__(message)
        self.by = by
