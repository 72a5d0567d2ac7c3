"""The login widget against the sandbox's real login (codes, SRP two-step passwords)."""

from __future__ import annotations

import json

import pytest
from notebook_helpers import eventually

from tgkit.errors import NotAuthorized
from tgkit.notebook.login_widget import LoginWidget
from tgkit.notebook.loop import background_loop
from tgkit.session import TelegramSession


def _state(login: LoginWidget) -> str:
    return json.dumps([w.get_state() for w in (login.phone, login.code, login.password)])


def test_phone_code_and_password_log_in_and_no_secret_stays_in_the_widgets() -> None:
    from tgkit.sandbox import World

    phone, password = "+15550004321", "correct horse battery staple"
    world = World(seed=5)
    world.add_user("Mia", username="mia_lab", phone=phone, password=password)
    runner = background_loop()

    async def build() -> TelegramSession:
        return TelegramSession("widget-login", client=world.login_client(), store=False)

    session = runner.run(build())
    with pytest.raises(NotAuthorized):
        runner.run(session.connect())
    login = LoginWidget(session, runner)
    try:
        login.phone.value = phone
        login.button.click()
        eventually(lambda: login.code.layout.display is None, within=10)
        assert login.phone.value == "" and login.phone.disabled
        code = world.login_code(phone)
        login.code.value = code
        login.button.click()
        eventually(lambda: login.password.layout.display is None, within=10)
        assert isinstance(login.password.get_state().get("value"), str)
        login.password.value = password
        login.button.click()
        login.wait(timeout=10)
        assert session.is_connected
        assert "Logged in" in login.status.value
        shown = _state(login) + login.status.value + repr(login)
        assert phone not in shown and code not in shown and password not in shown
    finally:
        runner.run(session.disconnect())


def test_a_wrong_code_is_asked_again_then_the_right_one_logs_in() -> None:
    from tgkit.sandbox import World

    phone = "+15550004322"
    world = World(seed=6)
    world.add_user("Noa", username="noa_lab", phone=phone)
    runner = background_loop()

    async def build() -> TelegramSession:
        return TelegramSession("widget-login-wrong", client=world.login_client(), store=False)

    session = runner.run(build())
    login = LoginWidget(session, runner)
    try:
        login.phone.value = phone
        login.button.click()
        eventually(lambda: login.code.layout.display is None, within=10)
        login.code.value = "00000" if world.login_code(phone) != "00000" else "11111"
        login.button.click()
        eventually(lambda: "not right" in login.status.value, within=10)
        login.code.value = world.login_code(phone)
        login.button.click()
        login.wait(timeout=10)
        assert session.is_connected and "Logged in" in login.status.value
    finally:
        runner.run(session.disconnect())


@pytest.mark.parametrize("password", [None, "two step pw"])
def test_a_qr_code_scanned_in_the_phone_app_logs_in(password: str | None) -> None:
    from tgkit.sandbox import World

    world = World(seed=7)
    user = world.add_user("Ola", username="ola_lab", phone="+15550004323", password=password)
    runner = background_loop()

    async def build() -> TelegramSession:
        return TelegramSession("widget-qr", client=world.login_client(), store=False)

    session = runner.run(build())
    login = LoginWidget(session, runner)
    try:
        login.qr_button.click()
        eventually(lambda: login._qr_url is not None, within=10)
        assert login.qr.value.startswith("<svg") and "Link Desktop Device" in login.status.value
        url = login._qr_url
        assert url is not None and url.startswith("tg://login?token=")
        world.scan_login_token(url, user)
        if password is not None:
            eventually(lambda: login.password.layout.display is None, within=10)
            login.password.value = "wrong"
            login.button.click()
            eventually(lambda: "not right" in login.status.value, within=10)
            login.password.value = password
            login.button.click()
        login.wait(timeout=10)
        assert session.is_connected and "Logged in" in login.status.value
        assert login.qr.value == "" and login._qr_url is None  # the token is not kept
        with pytest.raises(Exception, match="AUTH_TOKEN"):  # used once: scanning again fails
            world.scan_login_token(url, user)
    finally:
        runner.run(session.disconnect())
