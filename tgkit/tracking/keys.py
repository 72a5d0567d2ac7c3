"""The key a tracking dataset is pseudonymised with: checked once, never shown.

``track(..., pseudonymize_key=key)`` writes every frame of the dataset through
``tgkit.privacy.pseudonymize`` with ``key``, so a person has one token in
every run, file and frame of the study (``sender_id``, ``fwd_from_id``,
``via_bot_id``, usernames and mentions tokenised; ``post_author``,
``fwd_post_author`` and ``fwd_from_name`` dropped; a chat's ``username`` in
``chat_info`` tokenised like the usernames people mention; the numbers of
``observations`` name nobody). The key is wrapped in ``DatasetKey``, whose
repr, str and provenance say only that a key was given.

The dataset's marker keeps a check value (the first 16 hex characters of an
HMAC-SHA256, under the key, of a fixed tag) so that a later run with another
key, or with none, is refused before any request: tokens of two keys never
match, and a study's dataset must not mix them. The check value reveals
neither the key nor any token.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pandas as pd

from tgkit import privacy

__all__ = ["DatasetKey", "check_dataset_key"]

_CHECK_TAG = b"tgkit/tracking-dataset/key-check"


class DatasetKey:
    """A pseudonymisation key (``tgkit.privacy.check_key``) that never shows itself."""

    __slots__ = ("_secret",)

    #: What provenance and argument lists show for it.
    display = "(a key; not recorded)"

    def __init__(self, key: str | bytes) -> None:
        self._secret = privacy.check_key(key)

    def __repr__(self) -> str:
        return "DatasetKey(<hidden>)"

    __str__ = __repr__

    @property
    def check_value(self) -> str:
        """The value the dataset's marker keeps to know the key again (see the module)."""
        return hmac.new(self._secret, _CHECK_TAG, hashlib.sha256).hexdigest()[:16]

    def pseudonymize(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with people replaced by this key's tokens (``tgkit.privacy``)."""
        return privacy.pseudonymize(frame, self._secret)


def check_dataset_key(value: Any, name: str = "pseudonymize_key") -> DatasetKey:
    """A ``DatasetKey`` from a key (str or bytes, 32 bytes or more), errors naming ``name``."""
    if isinstance(value, DatasetKey):
        return value
    try:
        return DatasetKey(value)
    except (TypeError, ValueError) as error:  # the message never holds the key itself
        raise type(error)(f"{name}: {error}") from None
