"""The errors tgkit raises, with messages a researcher can act on.

::

    TgkitError
     ├── InvalidTarget        the target string or object is not a chat tgkit understands
     ├── ChatNotFound         no chat has that username, id or link
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
 ├── ConnectionLost       the connection dropped and reconnecting failed (also a ConnectionError)
     ├── NotAuthorized        the account is not logged in
     ├── SessionClosed        the session is stopped; the operation did not run
     ├── OperationTimeout     the operation ran past its ``timeout`` and was cancelled
     └── QueueTimeout         the operation waited in the queue past its ``queue_timeout``
      └── LockTimeout      it was due to start but the session lock stayed taken (a deadlock guard)

Errors mapped from Telethon keep the original as ``__cause__``.
"""

from __future__ import annotations

from tgkit.core.errors import (
    LockTimeout,
    OperationTimeout,
    QueueTimeout,
    SessionClosed,
    TgkitError,
)

__all__ = [
    "AdminRequired",
    "Banned",
    "ChatNotFound",
    "ConnectionLost",
    "FloodWait",
    "InvalidTarget",
    "InviteInvalid",
    "JoinRequestPending",
    "LockTimeout",
    "NoSessionAvailable",
    "NotAMember",
    "NotAuthorized",
    "OperationTimeout",
    "PrivateChat",
    "QueueTimeout",
    "SessionClosed",
    "SessionInUse",
    "TgkitError",
    "TooManyChannels",
]


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
