"""Logging in: ``auth.sendCode``, ``auth.signIn``, ``account.getPassword``,
``auth.checkPassword`` (real SRP, see ``tgkit.sandbox.login``), QR login
(``auth.exportLoginToken``, ``auth.acceptLoginToken``), ``auth.logOut``."""

from __future__ import annotations

import base64
from typing import Any

from telethon.tl import functions, types
from telethon.tl.types import account, auth

from tgkit.sandbox.model import User
from tgkit.sandbox.rpc.context import Call
from tgkit.sandbox.rpcerror import RpcFailure
from tgkit.sandbox.views import Viewer

__all__ = ["HANDLERS"]


def send_code(call: Call, request: functions.auth.SendCodeRequest) -> auth.SentCode:
    phone = "".join(char for char in request.phone_number if char.isdigit())
    if len(phone) < 7:
        raise RpcFailure.of("PHONE_NUMBER_INVALID")
    sent = call.world.logins.send_code(phone)
    return auth.SentCode(type=auth.SentCodeTypeApp(length=5),
                         phone_code_hash=sent.phone_code_hash)


def resend_code(call: Call, request: functions.auth.ResendCodeRequest) -> auth.SentCode:
    phone = "".join(char for char in request.phone_number if char.isdigit())
    sent = call.world.logins.resend_code(phone, request.phone_code_hash)
    if sent is None:
        raise RpcFailure.of("PHONE_CODE_EXPIRED")
    return auth.SentCode(type=auth.SentCodeTypeApp(length=5),
                         phone_code_hash=sent.phone_code_hash)


def sign_in(call: Call, request: functions.auth.SignInRequest) -> auth.Authorization:
    phone = "".join(char for char in request.phone_number if char.isdigit())
    logins = call.world.logins
    problem = logins.check_code(phone, request.phone_code_hash, request.phone_code)
    if problem:
        raise RpcFailure.of(problem)
    user = call.world.user_by_phone(phone)
    if user is None:
        raise RpcFailure.of("PHONE_NUMBER_UNOCCUPIED")
    if user.password:
        logins.wait_for_password(call.sender.auth_key.key_id, user.id)
        raise RpcFailure.of("SESSION_PASSWORD_NEEDED")
    return _logged_in(call, user)


def get_password(call: Call, request: functions.account.GetPasswordRequest) -> account.Password:
    user = call.account or call.world.users.get(
        call.world.logins.waiting_user(call.sender.auth_key.key_id) or 0)
    if user is None:
        raise RpcFailure(401, "AUTH_KEY_UNREGISTERED")
    fields: dict[str, object] = {
        "new_algo": types.PasswordKdfAlgoUnknown(),
        "new_secure_algo": types.SecurePasswordKdfAlgoUnknown(),
        "secure_random": call.world.random_bytes(32),
    }
    if not user.password:
        return account.Password(has_password=False, **fields)
    srp_id, check = call.world.logins.challenge(user.id, user.password)
    return account.Password(
        has_password=True, current_algo=check.algo, srp_B=check.public_b.to_bytes(256, "big"),
        srp_id=srp_id, **fields,
    )


def check_password(call: Call, request: functions.auth.CheckPasswordRequest) -> auth.Authorization:
    proof = request.password
    if not isinstance(proof, types.InputCheckPasswordSRP):
        raise RpcFailure.of("PASSWORD_HASH_INVALID")
    logins = call.world.logins
    waiting = logins.waiting_user(call.sender.auth_key.key_id)
    user_id = logins.verify(proof.srp_id, proof.A, proof.M1)
    if user_id is None or (waiting is not None and user_id != waiting):
        raise RpcFailure.of("PASSWORD_HASH_INVALID")
    return _logged_in(call, call.world.users[user_id])


def export_login_token(
    call: Call, request: functions.auth.ExportLoginTokenRequest
) -> auth.LoginToken | auth.LoginTokenSuccess:
    logins = call.world.logins
    key_id = call.sender.auth_key.key_id
    token = logins.export_token(key_id, call.world.now().timestamp(), call.sender)
    if token.user_id is None:
        expires = int(token.expires)
        return auth.LoginToken(expires=_date(expires), token=token.token)
    user = call.world.users[token.user_id]
    if user.password:
        logins.wait_for_password(key_id, user.id)
        raise RpcFailure.of("SESSION_PASSWORD_NEEDED")
    return auth.LoginTokenSuccess(authorization=_logged_in(call, user))


def accept_login_token(
    call: Call, request: functions.auth.AcceptLoginTokenRequest
) -> types.Authorization:
    if call.account is None:
        raise RpcFailure(401, "AUTH_KEY_UNREGISTERED")
    accept(call.world, request.token, call.account)
    now = call.world.now()
    return types.Authorization(
        hash=0, device_model="tgkit", platform="sandbox", system_version="1",
        api_id=0, app_name="tgkit", app_version="1", date_created=now, date_active=now,
        ip="127.0.0.1", country="", region="",
    )


def accept(world: Any, token: bytes | str, user: User) -> None:
    """``user``'s phone app accepts a login token (bytes, or the ``tg://login?token=`` URL).

    The waiting client gets ``updateLoginToken`` and logs in on its next export.
    """
    if isinstance(token, str):
        text = token.split("token=", 1)[-1]
        token = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    try:
        accepted = world.logins.accept_token(token, user.id, world.now().timestamp())
    except ValueError as error:
        raise RpcFailure.of(str(error)) from None
    waiting = accepted.waiting
    if waiting is not None:
        waiting.push(types.UpdateShort(update=types.UpdateLoginToken(), date=world.now()))


def _date(epoch: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC)


def log_out(call: Call, request: functions.auth.LogOutRequest) -> auth.LoggedOut:
    call.world.authorize(call.sender, None)
    return auth.LoggedOut()


def _logged_in(call: Call, user: User) -> auth.Authorization:
    call.world.logins.done(call.sender.auth_key.key_id)
    call.world.authorize(call.sender, user)
    viewer = Viewer(user.id, call.world.hashes, call.viewer.now)
    return auth.Authorization(user=viewer.user(user))


HANDLERS = {
    functions.auth.SendCodeRequest: send_code,
    functions.auth.ResendCodeRequest: resend_code,
    functions.auth.SignInRequest: sign_in,
    functions.account.GetPasswordRequest: get_password,
    functions.auth.CheckPasswordRequest: check_password,
    functions.auth.LogOutRequest: log_out,
    functions.auth.ExportLoginTokenRequest: export_login_token,
    functions.auth.AcceptLoginTokenRequest: accept_login_token,
}
