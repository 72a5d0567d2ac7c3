"""QR login in the sandbox, driven by Telethon's own ``client.qr_login()``."""

from __future__ import annotations

import asyncio

import pytest
from telethon import errors

from tgkit.sandbox import World


@pytest.mark.parametrize("password", [None, "a two-step password"])
async def test_a_scanned_token_logs_the_waiting_client_in(password: str | None) -> None:
    world = World(seed=11)
    user = world.add_user("Qi", username="qi_lab", phone="+15550001111", password=password)
    client = world.login_client()
    await client.connect()
    try:
        qr = await client.qr_login()
        assert qr.url.startswith("tg://login?token=")
        assert 25 <= (qr.expires - world.now()).total_seconds() <= 30
        waiter = asyncio.ensure_future(qr.wait(10))
        await asyncio.sleep(0.05)
        assert not await client.is_user_authorized()
        world.scan_login_token(qr.url, user)
        if password is None:
            me = await waiter
        else:
            with pytest.raises(errors.SessionPasswordNeededError):
                await waiter
            with pytest.raises(errors.PasswordHashInvalidError):
                await client.sign_in(password="wrong")
            me = await client.sign_in(password=password)
        assert me.username == "qi_lab" and await client.is_user_authorized()
        with pytest.raises(Exception, match="AUTH_TOKEN"):  # a token is used once
            world.scan_login_token(qr.url, user)
    finally:
        await client.disconnect()


async def test_an_unknown_token_is_refused() -> None:
    world = World(seed=12)
    user = world.add_user("Ro", username="ro_lab", phone="+15550001112")
    with pytest.raises(Exception, match="AUTH_TOKEN_INVALID"):
        world.scan_login_token(b"not a token", user)
