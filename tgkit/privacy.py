"""Pseudonymise frames before sharing them: keyed hashes for people, no phones or names.

:func:`pseudonymize` replaces

- user ids (``user_id``, ``sender_id``, ``fwd_from_id``, ``via_bot_id``) with
  keyed tokens derived from the id, so one person has one token in every
  column and every frame pseudonymised with the same key;
- usernames (``username``, ``sender_username``) with tokens derived from the
  lowercased username (Telegram usernames ignore case);
- each item of ``mentions`` (a list column): a username like the username
  columns, a user id (digits) like the id columns, so a mention's token equals
  the mentioned person's ``sender_id`` or ``sender_username`` token;

and drops ``phone``, ``first_name``, ``last_name`` and the names shown on
messages (``fwd_from_name`` of hidden forward senders, the signatures
``post_author`` and ``fwd_post_author``) unless asked to keep names. With
``chats=True`` it also tokenises ``chat_id``, ``post_chat_id`` and a network's
``source_chat_id``/``target_chat_id``, and drops ``chat_title``. In a
network's frames (``discover``'s nodes and edges) ``target`` names what a
post cited, which may be a person's ``@username``: each ``@name`` there
becomes the token of the username ``name`` (so it matches the ``username``
and ``mentions`` tokens); invite links (``+hash``) and channel ids
(``id:N``, tokenised with ``chats=True``) stay. Message ``text`` is left as
it is: it may name people, so review it before sharing.

Tokens are HMAC-SHA256 over a domain tag and the value, truncated to 128 bits
(32 hex characters; collisions are negligible for any number of Telegram
accounts). Without the key nobody can map a token back to an id, even by
trying every possible id, which is why the key must be secret and long: at
least 32 bytes, the size of SHA-256's output, as RFC 2104 recommends. Use
:func:`generate_key` and keep the key like a password; anyone holding it can
re-identify people by hashing candidate ids.

Token columns have dtype ``string``. ``df.attrs["pseudonymized"]`` records
what was done; the key and anything derived from it are never stored.

Example::

    >>> key = generate_key()
    >>> import pandas as pd
    >>> df = pd.DataFrame({"user_id": pd.array([42, None], dtype="Int64"),
    ...                    "phone": pd.array(["441234", None], dtype="string")})
    >>> safe = pseudonymize(df, key)
    >>> list(safe.columns), len(safe.loc[0, "user_id"]), pd.isna(safe.loc[1, "user_id"])
    (['user_id'], 32, True)
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MIN_KEY_BYTES", "check_key", "generate_key", "pseudonymize"]

logger = logging.getLogger(__name__)

MIN_KEY_BYTES = 32
TOKEN_HEX_CHARS = 32

ID_COLUMNS = ("user_id", "sender_id", "fwd_from_id", "via_bot_id")
USERNAME_COLUMNS = ("username", "sender_username")
MENTION_COLUMNS = ("mentions",)
NAME_COLUMNS = ("first_name", "last_name", "fwd_from_name", "post_author", "fwd_post_author")
PHONE_COLUMNS = ("phone",)
CHAT_ID_COLUMNS = ("chat_id", "post_chat_id", "source_chat_id", "target_chat_id")
#: ``target`` holds cited @usernames in a network's frames, which have these columns.
REF_COLUMNS = ("target",)
_NETWORK_MARKS = ("source_chat_id", "first_found_via")
CHAT_NAME_COLUMNS = ("chat_title",)

_ID_DOMAIN = b"tgkit/id/"
_USERNAME_DOMAIN = b"tgkit/username/"


def generate_key() -> str:
    """A new random key (64 hex characters, 32 bytes of entropy) for :func:`pseudonymize`.

    Example::

        >>> len(generate_key())
        64
    """
    return secrets.token_hex(MIN_KEY_BYTES)


def pseudonymize(
    df: pd.DataFrame,
    key: str | bytes,
    *,
    keep_names: bool = False,
    keep_phone: bool = False,
    chats: bool = False,
) -> pd.DataFrame:
    """A copy of ``df`` with people replaced by keyed tokens; ``df`` is not changed.

    ``key`` (str or bytes, at least 32 bytes; see :func:`generate_key`) must be
    the same for every frame whose tokens should match. ``keep_names`` keeps
    first and last names, ``keep_phone`` keeps phone numbers, ``chats``
    tokenises ``chat_id`` and drops ``chat_title``.

    Example: see the module docstring.
    """
    secret = check_key(key)
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, not {type(df).__name__}")
    if "pseudonymized" in df.attrs:
        raise ValueError("df is already pseudonymised (attrs['pseudonymized'] is set)")
    plan = _plan(df, keep_names=keep_names, keep_phone=keep_phone, chats=chats)
    result = df.drop(columns=plan["dropped"])
    for column in plan["id_columns"]:
        result[column] = _tokens(df[column], lambda value: _id_token(secret, value))
    for column in plan["username_columns"]:
        result[column] = _tokens(
            df[column].astype("string").str.lower(), lambda value: _username_token(secret, value)
        )
    for column in plan["mention_columns"]:
        result[column] = _mention_tokens(df[column], secret)
    for column in plan["ref_columns"]:
        result[column] = _ref_tokens(df[column], secret, chats=chats)
    result.attrs = copy.deepcopy(df.attrs)
    result.attrs["pseudonymized"] = _record(df, plan)
    logger.info("pseudonymised %d rows: %s", len(df), plan)
    return result


def check_key(key: str | bytes) -> bytes:
    """The key as bytes, or a ValueError/TypeError saying why it is not fit to use."""
    if isinstance(key, str):
        secret = key.encode("utf-8")
    elif isinstance(key, bytes | bytearray):
        secret = bytes(key)
    else:
        raise TypeError(f"key must be str or bytes, not {type(key).__name__}")
    if len(secret) < MIN_KEY_BYTES:
        raise ValueError(
            f"key is too short ({len(secret)} bytes; at least {MIN_KEY_BYTES} needed): "
            "create one with tgkit.privacy.generate_key() and keep it secret"
        )
    if len(set(secret)) < 8:
        raise ValueError(
            "key repeats too few characters to be secret: create one with "
            "tgkit.privacy.generate_key()"
        )
    return secret


def _plan(df: pd.DataFrame, *, keep_names: bool, keep_phone: bool, chats: bool) -> dict:
    ids = ID_COLUMNS + (CHAT_ID_COLUMNS if chats else ())
    dropped = (
        (() if keep_names else NAME_COLUMNS)
        + (() if keep_phone else PHONE_COLUMNS)
        + (CHAT_NAME_COLUMNS if chats else ())
    )
    present = set(df.columns)
    return {
        "id_columns": [column for column in ids if column in present],
        "username_columns": [column for column in USERNAME_COLUMNS if column in present],
        "mention_columns": [column for column in MENTION_COLUMNS if column in present],
        "ref_columns": [column for column in REF_COLUMNS if column in present]
        if present & set(_NETWORK_MARKS) else [],
        "dropped": [column for column in dropped if column in present],
    }


def _record(df: pd.DataFrame, plan: dict) -> dict[str, Any]:
    tokenised = plan["id_columns"] + plan["username_columns"] + plan["ref_columns"]
    return {
        "method": f"HMAC-SHA256, first {TOKEN_HEX_CHARS} hex characters",
        "id_columns": plan["id_columns"],
        "username_columns": plan["username_columns"],
        "mention_columns": plan["mention_columns"],
        "ref_columns": plan["ref_columns"],
        "dropped_columns": plan["dropped"],
        "dtype_changes": {column: [str(df[column].dtype), "string"] for column in tokenised},
        "note": "same key, same person, same token; the key is not stored",
    }


def _tokens(values: pd.Series, token: Callable[[Any], str]) -> pd.Series:
    # Hash each distinct value once; rows pick their token by code (-1 = missing).
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array([token(value) for value in uniques] + [None], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype="string")


def _mention_tokens(values: pd.Series, secret: bytes) -> pd.Series:
    """Each list item tokenised: digits as a user id, anything else as a username."""
    cache: dict[str, str] = {}

    def token(item: str) -> str:
        if item not in cache:
            cache[item] = (
                _id_token(secret, item) if item.isdigit()
                else _username_token(secret, item.lower())
            )
        return cache[item]

    items = [
        None if row is None or row is pd.NA else [token(str(item)) for item in row]
        for row in values.tolist()
    ]
    return pd.Series(pd.array(items, dtype=values.dtype), index=values.index)


def _ref_tokens(values: pd.Series, secret: bytes, *, chats: bool) -> pd.Series:
    """A network's cited refs: ``@name`` as the username's token; ``id:N`` as the chat's
    id token with ``chats=True``; anything else (invite links) as it is."""

    def token(ref: Any) -> str:
        text = str(ref)
        if text.startswith("@"):
            return _username_token(secret, text[1:].lower())
        if chats and text.startswith("id:") and text[3:].isdigit():
            return _id_token(secret, _marked_channel(int(text[3:])))
        return text

    return _tokens(values.astype("string"), token)


def _marked_channel(plain_id: int) -> int:
    """A channel's marked id (``-100…``), as the ``chat_id`` columns hold it."""
    return -(10**12) - plain_id


def _id_token(secret: bytes, value: Any) -> str:
    return _hmac(secret, _ID_DOMAIN + str(int(value)).encode())


def _username_token(secret: bytes, value: Any) -> str:
    return _hmac(secret, _USERNAME_DOMAIN + str(value).encode("utf-8"))


def _hmac(secret: bytes, message: bytes) -> str:
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:TOKEN_HEX_CHARS]
