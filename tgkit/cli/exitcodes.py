"""Exit codes of the ``tgkit`` command, and which errors lead to which.

Anything a user can cause ends in one clear line and one of these codes;
only a bug in tgkit ends in ``FAILED`` (1), with a traceback and a request to
report it. README's exit-code table lists the same codes.
"""

from __future__ import annotations

import enum

from tgkit import errors
from tgkit.store import CollectionInUse, StoreError


class ExitCode(enum.IntEnum):
    """What the process tells a shell or a scheduler about the run."""

    OK = 0
    FAILED = 1  # a bug in tgkit: please report it
    BAD_INPUT = 2
    REFUSED = 3
    FLOOD_WAIT = 4
    INTERRUPTED = 5  # partial data saved: run the same command again to resume
    IN_USE = 6  # another process (or session) holds the session file or the collection
    STORE = 7  # the result store is damaged, foreign, read-only, locked or its disk full
    FILE = 8  # a file or folder could not be read or written (full disk, permissions, ...)


_REFUSED = (
    errors.PrivateChat,
    errors.NotAMember,
    errors.AdminRequired,
    errors.JoinRequestPending,
    errors.InviteInvalid,
    errors.Banned,
    errors.NotAuthorized,
)
_BAD_INPUT = (errors.InvalidTarget, errors.ChatNotFound, ValueError, TypeError)
_INTERRUPTED = (
    errors.OperationTimeout,
    errors.QueueTimeout,
    errors.SessionClosed,
    errors.ConnectionLost,
    ConnectionError,  # a dropped connection Telethon gave up on: what was saved resumes
)
_IN_USE = (errors.SessionInUse, CollectionInUse)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code a failed command ends with."""
    if isinstance(error, errors.FloodWait):
        return ExitCode.FLOOD_WAIT
    if isinstance(error, _IN_USE):
        return ExitCode.IN_USE
    if isinstance(error, StoreError):
        return ExitCode.STORE
    if isinstance(error, _REFUSED):
        return ExitCode.REFUSED
    if isinstance(error, _BAD_INPUT):
        return ExitCode.BAD_INPUT
    if isinstance(error, (*_INTERRUPTED, KeyboardInterrupt)):
        return ExitCode.INTERRUPTED
    if isinstance(error, OSError):  # after ConnectionError, which is an OSError too
        return ExitCode.FILE
    return ExitCode.FAILED
