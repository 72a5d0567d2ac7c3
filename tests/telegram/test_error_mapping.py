"""Telethon errors → tgkit errors, with real Telethon error instances."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from telethon import errors as tl
from telethon.tl.functions.channels import GetParticipantsRequest, JoinChannelRequest
from telethon.tl.functions.messages import GetHistoryRequest
from telethon.tl.types import ChannelParticipantsRecent, InputChannel, InputPeerEmpty

from tgkit import errors
from tgkit.telegram.errors import TooManyChannels, map_telethon_error, translate_errors

pytestmark = pytest.mark.telethon_compat

JOIN = JoinChannelRequest(InputChannel(1, 2))

CASES = [
    (tl.ChannelPrivateError(request=None), errors.PrivateChat, ["@lab", "private", "t.me/+HASH"]),
    (tl.ChatAdminRequiredError(request=None), errors.AdminRequired, ["@lab", "admins"]),
    (tl.UsernameNotOccupiedError(request=None), errors.ChatNotFound, ["@lab", "spelling"]),
    (tl.UsernameInvalidError(request=None), errors.ChatNotFound, ["@lab"]),
    (tl.PeerIdInvalidError(request=None), errors.ChatNotFound, ["@lab", "numeric id"]),
    (tl.ChannelInvalidError(request=None), errors.ChatNotFound, ["@lab"]),
    (ValueError('Could not find the input entity for PeerUser(user_id=5)'),
     errors.ChatNotFound, ["@lab"]),
    (ValueError('No user has "lab" as username'), errors.ChatNotFound, ["@lab"]),
    (ValueError('Cannot find any entity corresponding to "lab"'), errors.ChatNotFound, ["@lab"]),
    (tl.InviteHashExpiredError(request=None), errors.InviteInvalid, ["@lab", "fresh link"]),
    (tl.InviteHashInvalidError(request=None), errors.InviteInvalid, ["expired"]),
    (tl.InviteRequestSentError(request=None), errors.JoinRequestPending, ["@lab", "approve"]),
    (tl.UserBannedInChannelError(request=None), errors.Banned, ["@lab", "banned"]),
    (tl.UserNotParticipantError(request=None), errors.NotAMember, ["@lab", "join"]),
    (tl.ChannelsTooMuchError(request=JOIN), TooManyChannels, ["@lab", "500"]),
    (tl.AuthKeyUnregisteredError(request=None), errors.NotAuthorized, ["log in"]),
    (tl.SessionRevokedError(request=None), errors.NotAuthorized, ["log in"]),
    (tl.UserDeactivatedBanError(request=None), errors.NotAuthorized, ["banned"]),
    (tl.SessionPasswordNeededError(request=None), errors.NotAuthorized, ["two-step"]),
    (tl.AuthKeyDuplicatedError(request=None), errors.SessionInUse, ["two places"]),
    (sqlite3.OperationalError("database is locked"), errors.SessionInUse, ["database is locked"]),
]


@pytest.mark.parametrize(("original", "expected", "words"), CASES)
def test_mapping(original: BaseException, expected: type, words: list[str]) -> None:
    mapped = map_telethon_error(original, target="@lab")
    assert type(mapped) is expected
    assert isinstance(mapped, errors.TgkitError)
    assert mapped.__cause__ is original
    for word in words:
        assert word in str(mapped)


def test_without_a_target_the_message_says_this_chat() -> None:
    mapped = map_telethon_error(tl.ChannelPrivateError(request=None))
    assert str(mapped).startswith("this chat is private")


def test_flood_waits_carry_seconds_and_request_type() -> None:
    request = GetHistoryRequest(InputPeerEmpty(), 0, None, 0, 100, 0, 0, 0)
    mapped = map_telethon_error(tl.FloodWaitError(request=request, capture=420), target="@lab")
    assert isinstance(mapped, errors.FloodWait)
    assert (mapped.seconds, mapped.request_type) == (420.0, "messages.GetHistory")
    assert "420 s on messages.GetHistory" in str(mapped)
    participants = GetParticipantsRequest(
        InputChannel(1, 2), ChannelParticipantsRecent(), 0, 200, 0
    )
    slow = map_telethon_error(tl.SlowModeWaitError(request=participants, capture=30))
    assert (slow.seconds, slow.request_type) == (30.0, "channels.GetParticipants")
    premium = map_telethon_error(tl.FloodPremiumWaitError(request=None, capture=5))
    assert (premium.seconds, premium.request_type) == (5.0, None)


@pytest.mark.parametrize(
    "original",
    [
        tl.UserAlreadyParticipantError(request=None),
        tl.ChannelBannedError(request=None),
        tl.ChatWriteForbiddenError(request=None),
        ValueError("something else"),
        sqlite3.OperationalError("no such table: x"),
        RuntimeError("boom"),
        KeyboardInterrupt(),
    ],
)
def test_unknown_errors_come_back_unchanged(original: BaseException) -> None:
    assert map_telethon_error(original, target="@lab") is original


def test_tgkit_errors_come_back_unchanged() -> None:
    original = errors.PrivateChat("already mapped")
    assert map_telethon_error(original) is original


def test_context_manager_raises_from_the_original() -> None:
    original = tl.ChannelPrivateError(request=None)
    with pytest.raises(errors.PrivateChat) as caught, translate_errors(target="@lab"):
        raise original
    assert caught.value.__cause__ is original
    assert "@lab" in str(caught.value)


def test_context_manager_passes_unknown_errors_and_success_through() -> None:
    with pytest.raises(RuntimeError, match="boom"), translate_errors(target="@lab"):
        raise RuntimeError("boom")
    with translate_errors(target="@lab") as block:
        value = 1
    assert value == 1 and block.target == "@lab"


def test_decorator_on_a_function() -> None:
    @translate_errors(target="@lab")
    def lookup(name: str) -> str:
        if name == "bad":
            raise tl.UsernameNotOccupiedError(request=None)
        return name

    assert lookup("ok") == "ok"
    assert lookup.__name__ == "lookup"
    with pytest.raises(errors.ChatNotFound):
        lookup("bad")


async def test_decorator_on_a_coroutine_function() -> None:
    @translate_errors(target="t.me/+AbCdEfGh12")
    async def join(fail: bool) -> str:
        await asyncio.sleep(0)
        if fail:
            raise tl.InviteHashExpiredError(request=None)
        return "joined"

    assert await join(False) == "joined"
    with pytest.raises(errors.InviteInvalid, match=r"t\.me/\+AbCdEfGh12") as caught:
        await join(True)
    assert isinstance(caught.value.__cause__, tl.InviteHashExpiredError)


async def test_async_context_manager_and_cancellation_untouched() -> None:
    async with translate_errors(target="@lab"):
        pass
    with pytest.raises(errors.AdminRequired):
        async with translate_errors(target="@lab"):
            raise tl.ChatAdminRequiredError(request=None)
    with pytest.raises(asyncio.CancelledError):
        async with translate_errors(target="@lab"):
            raise asyncio.CancelledError


def test_messages_name_no_secret() -> None:
    # The request of a login error may carry a phone number; tgkit never echoes it.
    from telethon.tl.functions.auth import SignInRequest

    request = SignInRequest(phone_number="+447700900123", phone_code_hash="h4sh", phone_code="12")
    mapped = map_telethon_error(tl.SessionPasswordNeededError(request=request))
    assert "900123" not in str(mapped) and "h4sh" not in str(mapped)
    assert "900123" not in repr(mapped)


def test_admin_required_for_a_group_does_not_speak_of_a_channel() -> None:
    err = map_telethon_error(tl.ChatAdminRequiredError(request=None), target="@lab_group")
    assert "subscriber" not in str(err) and "channel's" not in str(err)
    assert "only admins of @lab_group" in str(err) and "CHAT_ADMIN_REQUIRED" in str(err)


def test_a_chat_named_by_id_is_not_called_chat_chat() -> None:
    from tgkit.telegram.targets import parse_target

    shown = parse_target(1234567890).display  # "chat (id 1234567890)"
    err = map_telethon_error(tl.ChannelInvalidError(request=None), target=shown)
    assert "chat chat" not in str(err)
    assert str(err).startswith(f"{shown} was not found")
