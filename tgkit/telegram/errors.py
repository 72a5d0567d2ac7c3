"""Telethon's errors → tgkit's errors, in words a researcher can act on.

:func:`map_telethon_error` returns the tgkit error for a Telethon error (with
the original as ``__cause__``) or the original when tgkit has nothing better
to say. :func:`translate_errors` raises the mapped error around a block, a
function or a coroutine function.

=============================================  ======================================
Telethon                                       tgkit
=============================================  ======================================
ChannelPrivateError                            PrivateChat
ChatAdminRequiredError                         AdminRequired
UsernameNotOccupied / UsernameInvalid,         ChatNotFound
PeerIdInvalid, ChannelInvalid, ChatIdInvalid,
ValueError "Could not find the input entity"
InviteHashExpired / Invalid / Empty            InviteInvalid
InviteRequestSentError                         JoinRequestPending
UserBannedInChannelError                       Banned
UserNotParticipantError                        NotAMember
ChannelsTooMuchError                           TooManyChannels
FloodWait / FloodPremiumWait / SlowModeWait    FloodWait(seconds, request_type)
AuthKeyUnregistered and other 401 errors       NotAuthorized
UserDeactivated / UserDeactivatedBan           NotAuthorized (the account is gone)
SessionPasswordNeededError                     NotAuthorized (2FA password needed)
AuthKeyDuplicatedError,                        SessionInUse
sqlite3 "database is locked"
=============================================  ======================================

``ChannelBannedError`` (Telegram banned the channel itself) and
``ChatWriteForbiddenError`` are left as they are: no tgkit error says more.

Example::

    >>> from telethon import errors
    >>> err = map_telethon_error(errors.ChannelPrivateError(request=None), target="@lab")
    >>> type(err).__name__, isinstance(err.__cause__, errors.ChannelPrivateError)
    ('PrivateChat', True)
"""

from __future__ import annotations

import functools
import inspect
import logging
import sqlite3
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal, TypeVar

from telethon import errors as tl

from tgkit.errors import (
    AdminRequired,
    Banned,
    ChatNotFound,
    FloodWait,
    InviteInvalid,
    JoinRequestPending,
    NotAMember,
    NotAuthorized,
    PrivateChat,
    SessionInUse,
    TgkitError,
    TooManyChannels,
)

__all__ = ["TooManyChannels", "map_telethon_error", "translate_errors"]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def _classes(*names: str) -> tuple[type[BaseException], ...]:
    # Look names up so an error class missing from an older Telethon is just skipped.
    return tuple(cls for name in names if (cls := getattr(tl, name, None)) is not None)


_NOT_FOUND_TEXTS = (
    "Could not find the input entity",
    "Cannot find any entity corresponding to",
    "No user has",
)


def _private(chat: str, exc: BaseException) -> TgkitError:
    return PrivateChat(
        f"{chat} is private and this account is not a member (or was removed from it): "
        "pass an invite link (t.me/+HASH) with join_and_scrape_members, or join it in the "
        "Telegram app first"
    )


def _admin_required(chat: str, exc: BaseException) -> TgkitError:
    return AdminRequired(
        f"only admins of {chat} may do this (Telegram answered CHAT_ADMIN_REQUIRED): use "
        "an account that is an admin there, or collect what members can read, such as its "
        "messages with scrape_messages"
    )


def _not_found(chat: str, exc: BaseException) -> TgkitError:
    return ChatNotFound(
        f"{chat} was not found: Telegram shows this account no such chat; check the spelling; "
        "a numeric id works only for chats this account has met before, so pass the "
        "@username or an invite link instead"
    )


def _invite_invalid(chat: str, exc: BaseException) -> TgkitError:
    return InviteInvalid(
        f"the invite link for {chat} is invalid, revoked or expired: ask the group for a "
        "fresh link"
    )


def _join_pending(chat: str, exc: BaseException) -> TgkitError:
    return JoinRequestPending(
        f"{chat} approves new members: a join request was sent; run the operation again "
        "once an admin has approved it"
    )


def _banned(chat: str, exc: BaseException) -> TgkitError:
    return Banned(
        f"this account is banned or restricted in {chat} (an account limited for spam gets "
        "this everywhere; @SpamBot in the Telegram app says which): use another account"
    )


def _not_member(chat: str, exc: BaseException) -> TgkitError:
    return NotAMember(
        f"this account is not a member of {chat}: join it first, e.g. with "
        "join_and_scrape_members"
    )


def _too_many_channels(chat: str, exc: BaseException) -> TgkitError:
    return TooManyChannels(
        f"could not join {chat}: this account is already in 500 channels and supergroups, "
        "Telegram's maximum; leave some in the Telegram app, or use another account"
    )


def _flood_wait(chat: str, exc: BaseException) -> TgkitError:
    seconds = float(getattr(exc, "seconds", 0) or 0)
    return FloodWait(seconds, _request_type(getattr(exc, "request", None)))


def _not_authorized(chat: str, exc: BaseException) -> TgkitError:
    return NotAuthorized(
        "this session is not logged in (it was logged out, revoked or expired): log in "
        "again to create a new session"
    )


def _account_gone(chat: str, exc: BaseException) -> TgkitError:
    return NotAuthorized(
        "Telegram deactivated or banned the account behind this session: it can no longer "
        "be used; log in with another account"
    )


def _password_needed(chat: str, exc: BaseException) -> TgkitError:
    return NotAuthorized(
        "this account has two-step verification: finish logging in with its password "
        "(asked for interactively, never stored by tgkit)"
    )


def _session_duplicated(chat: str, exc: BaseException) -> TgkitError:
    return SessionInUse(
        "Telegram saw this session used from two places at once and revoked it: log in "
        "again, and never use one session file or string in two processes"
    )


def _session_locked(chat: str, exc: BaseException) -> TgkitError:
    return SessionInUse(
        "another process or client has this session file open (\"database is locked\"): "
        "close the other notebook or script, or use a different session"
    )


# Order matters: specific classes before their bases (UnauthorizedError last).
_RULES: tuple[tuple[tuple[type[BaseException], ...], Callable[[str, BaseException], Any]], ...] = (
    (_classes("ChannelPrivateError"), _private),
    (_classes("ChatAdminRequiredError"), _admin_required),
    (
        _classes(
            "UsernameNotOccupiedError",
            "UsernameInvalidError",
            "PeerIdInvalidError",
            "ChannelInvalidError",
            "ChatIdInvalidError",
        ),
        _not_found,
    ),
    (
        _classes("InviteHashExpiredError", "InviteHashInvalidError", "InviteHashEmptyError"),
        _invite_invalid,
    ),
    (_classes("InviteRequestSentError"), _join_pending),
    (_classes("UserBannedInChannelError"), _banned),
    (_classes("UserNotParticipantError"), _not_member),
    (_classes("ChannelsTooMuchError"), _too_many_channels),
    (_classes("FloodWaitError", "FloodPremiumWaitError", "SlowModeWaitError"), _flood_wait),
    (_classes("AuthKeyDuplicatedError"), _session_duplicated),
    (_classes("SessionPasswordNeededError"), _password_needed),
    (_classes("UserDeactivatedError", "UserDeactivatedBanError"), _account_gone),
    (_classes("UnauthorizedError", "AuthKeyUnregisteredError"), _not_authorized),
)


def map_telethon_error(exc: BaseException, *, target: str | None = None) -> BaseException:
    """The tgkit error for a Telethon error, or ``exc`` itself when there is none.

    ``target`` names the chat in the message (e.g. ``"@lab"``; a
    :class:`~tgkit.telegram.targets.Target`'s ``display``). The returned error
    has ``exc`` as its ``__cause__``. tgkit errors come back unchanged.

    Example::

        >>> from telethon import errors
        >>> err = map_telethon_error(errors.FloodWaitError(request=None, capture=120))
        >>> type(err).__name__, err.seconds
        ('FloodWait', 120.0)
    """
    if isinstance(exc, TgkitError):
        return exc
    build = _builder(exc)
    if build is None:
        return exc
    mapped = build(target or "this chat", exc)
    mapped.__cause__ = exc
    return mapped


def _builder(exc: BaseException) -> Callable[[str, BaseException], TgkitError] | None:
    for classes, build in _RULES:
        if isinstance(exc, classes):
            return build
    if isinstance(exc, ValueError) and any(text in str(exc) for text in _NOT_FOUND_TEXTS):
        return _not_found
    if isinstance(exc, sqlite3.OperationalError) and "database is locked" in str(exc):
        return _session_locked
    return None


def _request_type(request: Any) -> str | None:
    """Name a request as tgkit's pacing does (``"channels.GetParticipants"``)."""
    if request is None:
        return None
    cls = type(request)
    name = cls.__name__.removesuffix("Request")
    namespace = cls.__module__.rpartition("telethon.tl.functions")[2].lstrip(".")
    return f"{namespace}.{name}" if namespace else name


class translate_errors:  # lowercase: used like a function, ``with translate_errors(...)``
    """Raise tgkit's error ``from`` Telethon's, around a block or a (coroutine) function.

    Example::

        with translate_errors(target="@lab"):
            await client.get_entity("lab")

        @translate_errors(target="@lab")
        async def fetch(): ...
    """

    __slots__ = ("target",)

    def __init__(self, target: str | None = None) -> None:
        self.target = target

    def __enter__(self) -> translate_errors:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        if exc is None or not isinstance(exc, Exception):
            return False  # cancellation and KeyboardInterrupt pass untouched
        mapped = map_telethon_error(exc, target=self.target)
        if mapped is exc:
            return False
        raise mapped from exc

    async def __aenter__(self) -> translate_errors:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        return self.__exit__(exc_type, exc, traceback)

    def __call__(self, func: F) -> F:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"translate_errors(target={self.target!r})"
