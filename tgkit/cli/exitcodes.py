"""Exit codes of the ``tgkit`` command, and which errors lead to which."""

from __future__ import annotations

import enum

from tgkit import errors
from tgkit.store._records import CollectionInUse


class ExitCode(enum.IntEnum):
    """What the process tells a shell or a scheduler about the run."""

    OK = 0
    FAILED = 1
    BAD_INPUT = 2
    REFUSED = 3
    FLOOD_WAIT = 4
    INTERRUPTED = 5


_REFUSED = (
    errors.PrivateChat,
    errors.NotAMember,
    errors.AdminRequired,
    errors.JoinRequestPending,
    errors.InviteInvalid,
    errors.Banned,
    errors.NotAuthorized,
    errors.SessionInUse,
    CollectionInUse,  # another run holds it (a collection, a tracked watchlist)
)
_BAD_INPUT = (errors.InvalidTarget, errors.ChatNotFound, ValueError, TypeError)
_INTERRUPTED = (
    errors.OperationTimeout,
    errors.QueueTimeout,
    errors.SessionClosed,
    errors.ConnectionLost,
)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code a failed command ends with."""
    if isinstance(error, errors.FloodWait):
        return ExitCode.FLOOD_WAIT
    if isinstance(error, _REFUSED):
        return ExitCode.REFUSED
    if isinstance(error, _BAD_INPUT):
        return ExitCode.BAD_INPUT
    if isinstance(error, (*_INTERRUPTED, KeyboardInterrupt)):
        return ExitCode.INTERRUPTED
    return ExitCode.FAILED
