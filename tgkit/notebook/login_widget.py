"""Logging a real account in from a notebook: a widget that never echoes a secret.

``tgkit.connect("me")`` on a session that is not logged in shows this widget
in the cell (when the kernel can answer widget events while the cell waits,
see :mod:`tgkit.notebook.comms`; otherwise it asks with ``getpass``)::

    Phone  [+44 7700 900123 ]  [send code]  [QR code instead]
    Code   [               ]   [log in]        (after the code was sent)
    2FA    [•••••••••••••••]   [log in]        (only if the account has one)

or, with "QR code instead", a QR code (``auth.exportLoginToken``, drawn with
``segno``, renewed when it expires) to scan in the phone's Telegram app
(Settings → Devices → Link Desktop Device); an account with a two-step
password is then asked for it.

The login itself runs on tgkit's loop (``TelegramSession.login``); each
answer goes straight to it and every field is emptied as soon as it is read,
so neither the phone number, the code nor the password stays in the widget's
state (which a saved notebook keeps) or reaches an output or a log. The
password field is an ``ipywidgets.Password``. The session file is written by
Telethon and made 0600 by tgkit's session-file handling.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import ipywidgets as widgets

from tgkit.notebook.comms import answer_while_blocked
from tgkit.notebook.loop import LoopCall, Runner

__all__ = ["LoginWidget"]


class LoginWidget:
    """Phone, code and two-step password fields driving ``session.login`` on ``runner``.

    Example::

        login = LoginWidget(session, runner)
        display(login.widget)
        login.wait()        # blocks until logged in (or raises what the login raised)
    """

    def __init__(self, session: Any, runner: Runner) -> None:
        self.session = session
        self.runner = runner
        self.phone = widgets.Text(description="Phone", placeholder="+44 7700 900123")
        self.code = widgets.Text(description="Code", placeholder="the code Telegram sent")
        self.password = widgets.Password(description="2FA password")
        self.status = widgets.HTML("Enter the account's phone number (international form).")
        self.button = widgets.Button(description="send code", button_style="primary")
        self.button.on_click(lambda _: self._next())
        self.qr_button = widgets.Button(description="QR code instead")
        self.qr_button.on_click(lambda _: self._start(self._qr_login()))
        self.qr = widgets.HTML("")
        self._qr_url: str | None = None
        self.code.layout.display = "none"
        self.password.layout.display = "none"
        self.widget = widgets.VBox(
            [
                self.status,
                widgets.HBox(
                    [self.phone, self.code, self.password, self.button, self.qr_button]
                ),
                self.qr,
            ]
        )
        for each in (self.phone, self.code, self.password, self.button, self.qr_button):
            answer_while_blocked(each)
        self._asking: tuple[widgets.Text, asyncio.Future[str]] | None = None
        self._call: LoopCall[None] | None = None
        self._finished = threading.Event()

    def __repr__(self) -> str:
        return f"<LoginWidget for {self.session.name!r}>"

    # --- clicks (kernel or subshell thread) --------------------------------------

    def _next(self) -> None:
        if self._call is None:
            phone = self.phone.value.strip()
            self.phone.value = ""
            if not phone:
                self.status.value = "Enter the phone number first."
                return
            self.status.value = "Sending the login code…"
            self._start(self._login(phone))
            return
        if self._asking is not None:
            field, answer = self._asking
            text = field.value
            field.value = ""  # never kept in the widget's state
            self._asking = None
            self.runner.call_soon(_settle, answer, text)

    def _start(self, login: Any) -> None:
        if self._call is not None:
            login.close()
            return
        self.phone.disabled = True
        self.qr_button.layout.display = "none"
        self._call = self.runner.spawn(login)
        self._call.outcome.add_done_callback(lambda _: self._finished.set())

    # --- the login (loop thread) ----------------------------------------------------

    async def _login(self, phone: str) -> None:
        try:
            await self.session.login(
                phone,
                self._ask(self.code, "Enter the code Telegram just sent you.", "log in"),
                self._ask(self.password, "This account has a two-step password.", "log in"),
            )
        except BaseException as error:
            self.status.value = f"Login failed: {type(error).__name__}. Run the cell again."
            raise
        self._logged_in()

    def _logged_in(self) -> None:
        self.status.value = f"Logged in; the session {self.session.name!r} is ready."
        for each in (self.phone, self.code, self.password, self.button, self.qr_button):
            each.layout.display = "none"

    async def _qr_login(self) -> None:
        from telethon import errors

        client = self.session.client
        try:
            if not client.is_connected():
                await client.connect()
            while True:
                qr = await client.qr_login()
                self._show_qr(qr.url)
                try:
                    await qr.wait()
                    break
                except TimeoutError:  # the code expired unscanned: a new one
                    continue
                except errors.SessionPasswordNeededError:
                    self._show_qr(None)
                    await self._two_step(client)
                    break
        except BaseException as error:
            self._show_qr(None)
            self.status.value = f"Login failed: {type(error).__name__}. Run the cell again."
            raise
        self._show_qr(None)
        await self.session.connect()
        self._logged_in()

    def _show_qr(self, url: str | None) -> None:
        if url is None:
            self.qr.value = ""
            self._qr_url = None
            return
        import segno

        self.qr.value = segno.make(url, error="m").svg_inline(scale=5)
        self.status.value = (
            "Scan this code in Telegram on your phone: Settings → Devices → Link Desktop "
            "Device (a new code appears every 30 s)."
        )
        self._qr_url = url

    async def _two_step(self, client: Any) -> None:
        from telethon import errors

        ask = self._ask(self.password, "This account has a two-step password.", "log in")
        while True:
            try:
                await client.sign_in(password=await ask())
                return
            except errors.PasswordHashInvalidError:
                continue

    def _ask(
        self, field: widgets.Text, text: str, button: str
    ) -> Callable[[], Awaitable[str]]:
        times = [0]

        async def ask() -> str:
            answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._asking = (field, answer)
            self.code.layout.display = "none"
            field.layout.display = None
            times[0] += 1
            again = "That was not right; try again. " if times[0] > 1 else ""
            self.status.value = again + text
            self.button.description = button
            return await answer

        return ask

    # --- waiting (the cell's thread) ----------------------------------------------------

    def wait(self, timeout: float | None = None) -> None:
        """Block until the login ended; raise what it raised. Ctrl-C cancels it."""
        try:
            if not self._finished.wait(timeout):
                raise TimeoutError("the login did not finish in time")
        except KeyboardInterrupt:
            if self._call is not None:
                self._call.cancel()
            raise
        assert self._call is not None
        self._call.result()

    def started(self) -> bool:
        """True once the phone number was sent."""
        return self._call is not None


def _settle(answer: asyncio.Future[str], text: str) -> None:
    if not answer.done():
        answer.set_result(text)
