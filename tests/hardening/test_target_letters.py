"""Targets are ASCII, as Telegram's usernames and ids are (issue 14, defects 4 and 10).

Unicode case folding (``ſ`` U+017F, the Kelvin sign U+212A) must not turn a
look-alike into a username, other scripts' digits must not make an id, and
any integral number (NumPy's too) is an id.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgkit.errors import InvalidTarget
from tgkit.telegram.targets import TargetKind, parse_target

pytestmark = pytest.mark.telethon_compat

LOOK_ALIKES = (
    "\u017fome_group",  # ſ folds to s
    "@\u017fome_group",
    "t.me/\u017fome_group",
    "\u212aelvin_group",  # the Kelvin sign folds to k
    "https://t.me/\u212aelvin_group",
    "research_\u0131d",  # dotless i
    "\u0130stanbul_chat",  # capital I with dot
    "tg://resolve?domain=\u017fome_group",
    "t.me/+\u017fomeInviteHash",
    "\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic digits
    "-100\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660",
    "\uff11\uff12\uff13\uff14\uff15",  # full-width digits
    "t.me/c/\u0661\u0662\u0663\u0664\u0665/7",
)


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alike_letters_and_digits_are_refused(text: str) -> None:
    with pytest.raises(InvalidTarget, match="ASCII"):
        parse_target(text)


@given(st.text())
def test_any_text_parses_to_ascii_or_is_refused(text: str) -> None:
    try:
        target = parse_target(text)
    except InvalidTarget:
        return
    for part in (target.username, target.invite_hash):
        assert part is None or part.isascii()
    assert target.key.isascii()
    assert text.strip().isascii()


@given(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,31}", fullmatch=True), st.integers(0, 31))
def test_one_non_ascii_letter_anywhere_spoils_a_username(name: str, at: int) -> None:
    at = min(at, len(name) - 1)
    for odd in ("\u017f", "\u212a", "\u0131", "\u00e9", "\u0430"):  # … and Cyrillic a
        with pytest.raises(InvalidTarget):
            parse_target(name[:at] + odd + name[at + 1 :])


@pytest.mark.parametrize("text", ["12345678901234567890", "-1234567890123456789012", "9" * 25])
def test_a_long_number_is_called_an_id_not_a_username(text: str) -> None:
    with pytest.raises(InvalidTarget, match="64-bit") as caught:
        parse_target(text)
    assert "username" not in str(caught.value).split("Pass")[0]


@pytest.mark.parametrize("number", [np.int64(-1001234567890), np.int32(424242), np.uint64(77)])
def test_numpy_integers_are_ids(number: object) -> None:
    target = parse_target(number)
    assert target.kind is TargetKind.ID
    assert target.key == parse_target(int(number)).key  # type: ignore[call-overload]


@pytest.mark.parametrize("value", [np.float64(5.0), 5.0, np.bool_(True), True])
def test_non_integral_numbers_are_refused(value: object) -> None:
    with pytest.raises(InvalidTarget):
        parse_target(value)
