"""Logging in on the sandbox: codes, wrong codes, and two-step passwords checked by SRP."""

from __future__ import annotations

import pytest
from telethon import errors

from tgkit.sandbox import User, World

pytestmark = pytest.mark.telethon_compat

PHONE = "+44 7700 900001"


async def test_not_logged_in_client(world: World, connect) -> None:
    client = await connect(None)
    assert not await client.is_user_authorized()
    assert await client.get_me() is None
    with pytest.raises(errors.AuthKeyUnregisteredError):
        await client.get_entity("anyone_at_all")


async def test_code_login(world: World, me: User, connect) -> None:
    client = await connect(None)
    await client.send_code_request(PHONE)
    with pytest.raises(errors.PhoneCodeInvalidError):
        await client.sign_in(PHONE, "00000" if world.login_code(PHONE) != "00000" else "11111")
    await client.send_code_request(PHONE, force_sms=False)
    signed_in = await client.sign_in(PHONE, world.login_code(PHONE))
    assert signed_in.id == me.id
    assert await client.is_user_authorized()
    assert (await client.get_me()).id == me.id


async def test_unknown_phone_is_unoccupied(world: World, connect) -> None:
    client = await connect(None)
    await client.send_code_request("+15550009999")
    with pytest.raises(errors.PhoneNumberUnoccupiedError):
        await client.sign_in("+15550009999", world.login_code("+15550009999"))


async def test_two_step_password(world: World, connect) -> None:
    world.add_user("Grace", phone="+1 555 000 7777", password="correct horse")
    client = await connect(None)
    await client.send_code_request("+15550007777")
    with pytest.raises(errors.SessionPasswordNeededError):
        await client.sign_in("+15550007777", world.login_code("+15550007777"))
    assert not await client.is_user_authorized()
    with pytest.raises(errors.PasswordHashInvalidError):
        await client.sign_in(password="wrong horse")
    user = await client.sign_in(password="correct horse")
    assert user.first_name == "Grace"
    assert (await client.get_me()).first_name == "Grace"


async def test_log_out(world: World, me: User, connect) -> None:
    client = world.client(me)
    await client.connect()
    assert await client.log_out()
    assert world.stats().count("auth.LogOut", user=me) == 1


def test_login_code_for_unknown_phone_is_a_clear_error(world: World) -> None:
    with pytest.raises(KeyError, match="send_code_request"):
        world.login_code("+15550000000")


def test_secrets_stay_out_of_reprs(world: World) -> None:
    user = world.add_user("Sec", phone="+15550001111", password="hunter2")
    assert "15550001111" not in repr(user) and "hunter2" not in repr(user)
    assert "15550001111" not in repr(world)
