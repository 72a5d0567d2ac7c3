"""The interactive login: phone, the code Telegram sends, and the 2FA password if set.

``login(client, phone, code_callback, password_callback)`` asks Telegram for a
code, asks ``code_callback()`` for it (a notebook passes ``input``, a script
``getpass``; sync or async), signs in, and when the account has two-step
verification asks ``password_callback()``. A wrong code or password is asked
again up to ``attempts`` times. The phone number, code and password never
appear in logs, reprs or error messages.

Example::

    await login(client, "+44 7700 900123", lambda: input("code: "),
                lambda: getpass.getpass("2FA password: "))
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from telethon import TelegramClient, errors

from tgkit.errors import NotAuthorized

log = logging.getLogger(__name__)

__all__ = ["Prompt", "check_phone", "login"]

Prompt = Callable[[], str | int | Awaitable[str | int]]

_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,20}")


def check_phone(phone: object) -> str:
    """``phone`` if it looks like a phone number; the error never repeats it.

    >>> check_phone("12")
    Traceback (most recent call last):
    ...
    ValueError: phone must be a phone number in international form, e.g. '+44 7700 900123'
    """
    if not isinstance(phone, str) or not _PHONE.fullmatch(phone.strip()):
        raise ValueError(
            "phone must be a phone number in international form, e.g. '+44 7700 900123'"
        )
    return phone.strip()


async def _ask(prompt: Prompt, what: str) -> str:
    answer: Any = prompt()
    if inspect.isawaitable(answer):
        answer = await answer
    text = str(answer).strip() if answer is not None else ""
    if not text:
        raise NotAuthorized(f"no {what} was given; the login stopped")
    return text


async def login(
    client: TelegramClient,
    phone: str,
    code_callback: Prompt,
    password_callback: Prompt | None = None,
    *,
    attempts: int = 3,
) -> Any:
    """Log ``client`` in interactively; return the logged-in user."""
    phone = check_phone(phone)
    if not callable(code_callback):
        raise TypeError("code_callback must be a function returning the code Telegram sent")
    if password_callback is not None and not callable(password_callback):
        raise TypeError("password_callback must be a function returning the 2FA password")
    if not client.is_connected():
        await client.connect()
    if await client.is_user_authorized():
        return await client.get_me()
    try:
        sent = await client.send_code_request(phone)
    except errors.PhoneNumberInvalidError:
        raise ValueError("Telegram says this phone number is not valid") from None
    for _ in range(attempts):
        code = await _ask(code_callback, "login code")
        try:
            return await client.sign_in(
                phone=phone, code=code, phone_code_hash=sent.phone_code_hash
            )
        except errors.PhoneCodeInvalidError:
            log.warning("the login code was wrong; asking again")
        except errors.PhoneCodeExpiredError:
            raise NotAuthorized("the login code expired; call login again for a new one") from None
        except errors.SessionPasswordNeededError:
            return await _two_step(client, password_callback, attempts)
    raise NotAuthorized(f"the login code was wrong {attempts} times; call login again")


async def _two_step(client: TelegramClient, password_callback: Prompt | None, attempts: int) -> Any:
    if password_callback is None:
        raise NotAuthorized(
            "this account has two-step verification: pass password_callback "
            "(e.g. lambda: getpass.getpass('2FA password: '))"
        )
    for _ in range(attempts):
        password = await _ask(password_callback, "2FA password")
        try:
            return await client.sign_in(password=password)
        except errors.PasswordHashInvalidError:
            log.warning("the 2FA password was wrong; asking again")
    raise NotAuthorized(f"the 2FA password was wrong {attempts} times; call login again")
