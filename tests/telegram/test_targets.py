"""Target parsing: every accepted form, one key per chat, clear errors for the rest."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from telethon.tl import types

from tgkit.errors import InvalidTarget
from tgkit.telegram.targets import PeerType, Target, TargetKind, parse_target

pytestmark = pytest.mark.telethon_compat

usernames = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,31}", fullmatch=True)
hashes = st.from_regex(r"[A-Za-z0-9_-]{8,40}", fullmatch=True)

USERNAME_FORMS = (
    "{}",
    "@{}",
    "t.me/{}",
    "https://t.me/{}",
    "http://t.me/{}",
    "https://t.me/s/{}",
    "https://www.t.me/{}",
    "https://telegram.me/{}",
    "https://t.me/{}/",
    "https://t.me/{}/123",
    "tg://resolve?domain={}",
    "  @{}  ",
)
INVITE_FORMS = (
    "https://t.me/+{}",
    "t.me/+{}",
    "t.me/joinchat/{}",
    "https://t.me/joinchat/{}/",
    "tg://join?invite={}",
)


@given(usernames, st.sampled_from(USERNAME_FORMS), st.sampled_from(USERNAME_FORMS))
def test_every_username_form_gives_the_same_key(name: str, form_a: str, form_b: str) -> None:
    a = parse_target(form_a.format(name))
    b = parse_target(form_b.format(name.swapcase()))
    assert a.kind is TargetKind.USERNAME
    assert a.username == name
    assert a.key == b.key == f"@{name.lower()}"


@given(hashes, st.sampled_from(INVITE_FORMS), st.sampled_from(INVITE_FORMS))
def test_every_invite_form_gives_the_same_key(invite: str, form_a: str, form_b: str) -> None:
    a = parse_target(form_a.format(invite))
    b = parse_target(form_b.format(invite))
    assert a.kind is TargetKind.INVITE
    assert a.invite_hash == invite
    assert a.key == b.key == f"invite:{invite}"


def test_invite_hashes_keep_their_case() -> None:
    assert parse_target("t.me/+AbCdEfGh12").key != parse_target("t.me/+abcdefgh12").key


def test_all_digit_joinchat_hash_is_an_invite() -> None:
    assert parse_target("t.me/joinchat/12345678").invite_hash == "12345678"


@pytest.mark.parametrize(
    ("value", "peer_id", "peer_type", "key"),
    [
        (123456, 123456, None, "id:123456"),
        ("123456", 123456, None, "id:123456"),
        (-123456, 123456, PeerType.CHAT, "id:-123456"),
        ("-1001234567890", 1234567890, PeerType.CHANNEL, "id:-1001234567890"),
        (-1001234567890, 1234567890, PeerType.CHANNEL, "id:-1001234567890"),
        ("https://t.me/c/1234567890/55", 1234567890, PeerType.CHANNEL, "id:-1001234567890"),
    ],
)
def test_numeric_ids(value: object, peer_id: int, peer_type: PeerType | None, key: str) -> None:
    target = parse_target(value)
    assert target.kind is TargetKind.ID
    assert (target.peer_id, target.peer_type, target.key) == (peer_id, peer_type, key)


@given(st.integers(1, 2**40))
def test_channel_ids_in_every_form_share_a_key(channel_id: int) -> None:
    marked = -(1_000_000_000_000 + channel_id)
    keys = {
        parse_target(marked).key,
        parse_target(str(marked)).key,
        parse_target(f"t.me/c/{channel_id}").key,
        parse_target(types.PeerChannel(channel_id)).key,
        parse_target(types.InputPeerChannel(channel_id, 0)).key,
    }
    assert keys == {f"id:{marked}"}
    assert parse_target(marked).marked_id == marked


def test_channel_entity() -> None:
    channel = types.Channel(
        id=777, title="Research", photo=types.ChatPhotoEmpty(), date=None,
        username="research_chan", access_hash=5,
    )
    target = parse_target(channel)
    assert target.kind is TargetKind.ENTITY
    assert target.entity is channel
    assert (target.peer_id, target.peer_type) == (777, PeerType.CHANNEL)
    assert target.username == "research_chan"
    assert target.key == "id:-1000000000777"
    assert target.display == "channel 'Research' (id -1000000000777)"
    assert target.resolvable is channel


def test_user_and_chat_entities() -> None:
    user = types.User(id=42, username="someone_x")
    assert parse_target(user).key == "id:42"
    assert parse_target(user).peer_type is PeerType.USER
    assert parse_target(user).display == "user @someone_x (id 42)"
    chat = types.Chat(id=99, title="Old group", photo=types.ChatPhotoEmpty(),
                      participants_count=3, date=None, version=1)
    assert parse_target(chat).key == "id:-99"


def test_target_passes_through_and_is_hashable() -> None:
    target = parse_target("@research_group")
    assert parse_target(target) is target
    assert {target, parse_target("@research_group")} == {target}


def test_display_and_resolvable() -> None:
    assert parse_target("t.me/Research_Group").display == "@Research_Group"
    assert parse_target("t.me/Research_Group").resolvable == "Research_Group"
    assert parse_target("t.me/+AbCdEfGh12").display == "invite link t.me/+AbCdEfGh12"
    assert parse_target("-1001234567890").display == "channel (id -1001234567890)"
    assert parse_target("-1001234567890").resolvable == -1001234567890
    with pytest.raises(ValueError, match="invite"):
        _ = parse_target("t.me/+AbCdEfGh12").resolvable


def test_target_is_frozen() -> None:
    target = parse_target("@research_group")
    with pytest.raises(AttributeError):
        target.username = "x"  # type: ignore[misc]
    assert isinstance(target, Target)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "at least 5"),
        ("@abcd", "at least 5"),
        ("1abcde", "start with a letter"),
        ("_abcde", "start with a letter"),
        ("a" * 33, "at most 32"),
        ("research group", "spaces"),
        ("abc-def", "not a username"),
        ("https://example.com/research_group", "not a t.me link"),
        ("https://t.me/", "not a t.me link"),
        ("https://t.me/+short", "not a t.me link"),
        ("https://t.me/proxy?server=1", "Telegram page"),
        ("0", "non-zero"),
        ("99999999999999999999", "64-bit"),
    ],
)
def test_garbage_is_refused_with_the_input_and_the_accepted_forms(
    value: str, reason: str
) -> None:
    with pytest.raises(InvalidTarget) as caught:
        parse_target(value)
    message = str(caught.value)
    assert repr(value) in message
    assert reason in message
    assert "t.me/+INVITE_HASH" in message and "@username" in message


@pytest.mark.parametrize("value", [None, 3.5, True, ["@abcde"], b"@abcde", types.InputPeerSelf()])
def test_other_types_are_refused(value: object) -> None:
    with pytest.raises(InvalidTarget, match="Pass @username"):
        parse_target(value)


def test_invalid_target_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_target("no way")


def test_a_phone_number_is_never_echoed() -> None:
    with pytest.raises(InvalidTarget) as caught:
        parse_target("+44 7700 900123")
    assert "900123" not in str(caught.value)
    assert "phone number" in str(caught.value)


@given(
    st.one_of(
        st.text(alphabet=" !$%^&*()=[]{};:'\",<>|\\é中", min_size=1, max_size=20),
        usernames.map(lambda n: n[:2] + " " + n[2:]),
        usernames.map(lambda n: "https://example.org/" + n),
        usernames.map(lambda n: "t.me/" + n + "!"),
        st.from_regex(r"@?[A-Za-z][A-Za-z0-9_]{0,3}", fullmatch=True),
        st.from_regex(r"@?[0-9_][A-Za-z0-9_]{4,31}", fullmatch=True).filter(
            lambda s: not s.lstrip("@").isdigit()
        ),
    )
)
def test_garbage_never_parses(value: str) -> None:
    assume(value.strip())
    with pytest.raises(InvalidTarget) as caught:
        parse_target(value)
    assert "Pass @username" in str(caught.value)
