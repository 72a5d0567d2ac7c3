"""Logging in: codes sent to a phone, QR login tokens, and two-step passwords with real SRP.

QR login as Telegram runs it: a client that is not logged in asks
``auth.exportLoginToken`` for a token (shown as ``tg://login?token=…``, valid
30 s); the phone app of a logged-in account accepts it
(``auth.acceptLoginToken``; in the sandbox ``World.scan_login_token``); the
server pushes ``updateLoginToken`` to the waiting client, whose next
``auth.exportLoginToken`` returns ``auth.loginTokenSuccess`` (or
``SESSION_PASSWORD_NEEDED`` for an account with a two-step password, which
the client then checks with ``auth.checkPassword``).

The server side of Telegram's SRP-2048 password check (the client side is
``telethon.password.compute_check``): the world stores only the verifier
``v = g^x mod p`` of a password, offers ``B = k*v + g^b``, and checks the
client's proof ``M1`` without ever seeing the password.

    >>> import random
    >>> logins = Logins(random.Random(0))
    >>> sent = logins.send_code("15550001234")
    >>> logins.code_for("15550001234") == sent.code
    True
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from telethon import password as srp
from telethon.tl import types

__all__ = ["LoginToken", "Logins", "PasswordCheck", "SentCode"]

TOKEN_SECONDS = 30

_G = 3
_PRIME = bytes.fromhex(
    "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F"
    "48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37"
    "20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64"
    "2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4"
    "A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754"
    "FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4"
    "E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F"
    "0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B"
)
_P = int.from_bytes(_PRIME, "big")


def _sha256(*parts: bytes) -> bytes:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.digest()


def _pad(number: int) -> bytes:
    return number.to_bytes(256, "big")


@dataclass(frozen=True, slots=True)
class SentCode:
    """A login code sent to ``phone``; ``phone_code_hash`` ties sign-in to this sending."""

    phone: str
    code: str = field(repr=False)
    phone_code_hash: str


@dataclass(slots=True)
class LoginToken:
    """A QR login token issued to one authorization key; ``user_id`` once accepted."""

    token: bytes = field(repr=False)
    auth_key_id: int
    expires: float
    waiting: object = field(default=None, repr=False)  # the client to notify on acceptance
    user_id: int | None = None


@dataclass(slots=True)
class PasswordCheck:
    """One offered SRP challenge (``srp_id``) for one user."""

    user_id: int
    secret_b: int = field(repr=False)
    public_b: int
    verifier: int = field(repr=False)
    algo: types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow


class Logins:
    """Codes sent, sign-ins waiting for a password, SRP challenges and verifiers."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._codes: dict[str, SentCode] = {}
        self._waiting_password: dict[int, int] = {}  # auth key id -> user id
        self._checks: dict[int, PasswordCheck] = {}
        self._verifiers: dict[int, tuple[object, int]] = {}  # user id -> (algo, v)
        self._tokens: dict[bytes, LoginToken] = {}

    def send_code(self, phone: str) -> SentCode:
        sent = SentCode(phone, f"{self._rng.randrange(100_000):05d}",
                        f"{self._rng.getrandbits(64):016x}")
        self._codes[phone] = sent
        return sent

    def resend_code(self, phone: str, phone_code_hash: str) -> SentCode | None:
        """A new code for the same sign-in, or None if ``phone_code_hash`` is stale."""
        sent = self._codes.get(phone)
        if sent is None or sent.phone_code_hash != phone_code_hash:
            return None
        again = SentCode(phone, f"{self._rng.randrange(100_000):05d}", phone_code_hash)
        self._codes[phone] = again
        return again

    def code_for(self, phone: str) -> str:
        """The last code sent to ``phone`` (what the user would read in their app)."""
        digits = "".join(char for char in phone if char.isdigit())
        if digits not in self._codes:
            raise KeyError(f"no login code was sent to {phone!r}; call send_code_request first")
        return self._codes[digits].code

    def check_code(self, phone: str, phone_code_hash: str, code: str | None) -> str | None:
        """None if right, else the Telegram error message."""
        sent = self._codes.get(phone)
        if sent is None or sent.phone_code_hash != phone_code_hash:
            return "PHONE_CODE_EXPIRED"
        if code != sent.code:
            return "PHONE_CODE_INVALID"
        del self._codes[phone]
        return None

    # QR login tokens

    def export_token(self, auth_key_id: int, now: float, waiting: object) -> LoginToken:
        """The accepted token of this key if there is one, else a new token (30 s)."""
        for token in list(self._tokens.values()):
            if token.auth_key_id == auth_key_id and token.user_id is not None:
                del self._tokens[token.token]
                return token
            if token.expires <= now:
                del self._tokens[token.token]
        issued = LoginToken(self._rng.randbytes(32), auth_key_id, now + TOKEN_SECONDS, waiting)
        self._tokens[issued.token] = issued
        return issued

    def accept_token(self, token: bytes, user_id: int, now: float) -> LoginToken:
        """The phone app of ``user_id`` accepts ``token``; raises ValueError with the RPC error."""
        found = self._tokens.get(token)
        if found is None:
            raise ValueError("AUTH_TOKEN_INVALID")
        if found.expires <= now:
            del self._tokens[token]
            raise ValueError("AUTH_TOKEN_EXPIRED")
        if found.user_id is not None:
            raise ValueError("AUTH_TOKEN_ALREADY_ACCEPTED")
        found.user_id = user_id
        return found

    def wait_for_password(self, auth_key_id: int, user_id: int) -> None:
        self._waiting_password[auth_key_id] = user_id

    def waiting_user(self, auth_key_id: int) -> int | None:
        return self._waiting_password.get(auth_key_id)

    def done(self, auth_key_id: int) -> None:
        self._waiting_password.pop(auth_key_id, None)

    # SRP

    def challenge(self, user_id: int, password: str) -> tuple[int, PasswordCheck]:
        """A new ``srp_id`` and challenge for a user whose password is ``password``."""
        algo, verifier = self._verifier(user_id, password)
        secret_b = int.from_bytes(self._rng.randbytes(256), "big") % _P
        k = int.from_bytes(_sha256(_PRIME, _pad(_G)), "big")
        public_b = (k * verifier + pow(_G, secret_b, _P)) % _P
        srp_id = self._rng.getrandbits(63)
        check = PasswordCheck(user_id, secret_b, public_b, verifier, algo)
        self._checks[srp_id] = check
        return srp_id, check

    def _verifier(self, user_id: int, password: str) -> tuple[object, int]:
        if user_id not in self._verifiers:
            algo = types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
                salt1=self._rng.randbytes(8), salt2=self._rng.randbytes(16), g=_G, p=_PRIME)
            x = int.from_bytes(srp.compute_hash(algo, password), "big")
            self._verifiers[user_id] = (algo, pow(_G, x, _P))
        return self._verifiers[user_id]

    def verify(self, srp_id: int, public_a: bytes, proof: bytes) -> int | None:
        """The user id if the client's proof ``M1`` is right, else None."""
        check = self._checks.pop(srp_id, None)
        if check is None:
            return None
        a = int.from_bytes(public_a, "big")
        if not 0 < a < _P:
            return None
        a_bytes, b_bytes = _pad(a), _pad(check.public_b)
        u = int.from_bytes(_sha256(a_bytes, b_bytes), "big")
        shared = pow(a * pow(check.verifier, u, _P) % _P, check.secret_b, _P)
        key = _sha256(_pad(shared))
        expected = _sha256(
            bytes(x ^ y for x, y in zip(_sha256(_PRIME), _sha256(_pad(_G)), strict=True)),
            _sha256(check.algo.salt1), _sha256(check.algo.salt2), a_bytes, b_bytes, key,
        )
        return check.user_id if expected == proof else None
