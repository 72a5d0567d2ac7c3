"""Bad input to ``tgkit.connect([...])``: a clear error before anything connects, nothing held."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from notebook_helpers import kernel_env

import tgkit
from tgkit.errors import SessionInUse
from tgkit.notebook.connect import open_sessions
from tgkit.notebook.pool_connect import open_pools
from tgkit.session import TelegramSession

FAKE_HASH = "fedcba9876543210fedcba9876543210"
HOLDER = """
import sys
from tgkit.session import TelegramSession
session = TelegramSession(sys.argv[2], api_id=1, api_hash=sys.argv[3], session_dir=sys.argv[1])
assert session.client is not None
print("holding", flush=True)
sys.stdin.readline()
"""


def _nothing_open() -> bool:
    return not open_pools()


def test_duplicate_account_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'lab1' is named twice"):
        tgkit.connect(["lab1", "lab2", "lab1"], api_id=12345, api_hash=FAKE_HASH,
                      session_dir=tmp_path)
    assert list(tmp_path.iterdir()) == [] and _nothing_open()


def test_an_account_held_by_another_process_is_refused_and_nothing_is_left_held(
    tmp_path: Path,
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), "lab2", FAKE_HASH],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=kernel_env(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        with pytest.raises(SessionInUse) as caught:
            tgkit.connect(["lab1", "lab2", "lab3"], api_id=12345, api_hash=FAKE_HASH,
                          session_dir=tmp_path)
        message = str(caught.value)
        assert f"process {holder.pid}" in message and "lab2.session" in message
        assert FAKE_HASH not in message
    finally:
        holder.communicate("bye\n", timeout=30)
    assert not (tmp_path / "lab3.session").exists()  # refused before reaching lab3
    assert _nothing_open()
    # lab1's file was let go: a client here takes it at once
    session = TelegramSession("lab1", api_id=12345, api_hash=FAKE_HASH, session_dir=tmp_path)
    assert session.client is not None
    asyncio.run(session.disconnect())


def test_sandbox_and_real_accounts_do_not_mix() -> None:
    with pytest.raises(ValueError, match="cannot mix sandbox and real accounts"):
        tgkit.connect(["lab1", "lab2"], sandbox=True, api_id=12345, api_hash=FAKE_HASH)
    sandbox = tgkit.connect("mix-sandbox", sandbox=True)
    world = tgkit.connect("mix-world", sandbox=True)
    # a client the researcher made: to the pool it is an account of its own, not the sandbox
    researcher = sandbox.world.user("demo_researcher")
    own_client = tgkit.connect("mix-client", client=sandbox.world.client(researcher))
    try:
        with pytest.raises(ValueError, match="cannot mix sandbox and real accounts"):
            tgkit.connect([sandbox, own_client])
        with pytest.raises(ValueError, match="different simulated worlds"):
            tgkit.connect([sandbox, world])
        with pytest.raises(TypeError, match="not both"):
            tgkit.connect([sandbox, "lab1"])
        assert _nothing_open()
        assert not sandbox.closed and not own_client.closed  # left as they were
    finally:
        for notebook in (sandbox, world, own_client):
            notebook.close()


def test_open_notebooks_of_one_world_make_a_pool_that_leaves_them_open() -> None:
    solo = tgkit.connect("solo-one", sandbox=True)
    try:
        pool = tgkit.connect([solo])
        assert pool.accounts == ("solo-one",)
        assert len(pool.members("@small_group", progress=False)) > 100
        pool.close()
        assert not solo.closed and len(solo.messages("@small_group", limit=5, progress=False))
    finally:
        solo.close()


def test_an_account_already_open_in_this_kernel_is_named() -> None:
    solo = tgkit.connect("already", sandbox=True)
    try:
        with pytest.raises(ValueError, match="'already' is already open in this kernel"):
            tgkit.connect(["already", "another"], sandbox=True)
        assert "another" not in open_sessions() and _nothing_open()
    finally:
        solo.close()


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: tgkit.connect([]), ValueError, "at least one account"),
        (lambda: tgkit.connect(accounts=3), ValueError, "sandbox=True"),
        (lambda: tgkit.connect(sandbox=True, accounts=0), ValueError, "1 or more"),
        (lambda: tgkit.connect(["a1", "b2"], sandbox=True, accounts=3), ValueError, "one or"),
        (lambda: tgkit.connect(["has space"], sandbox=True), ValueError, "names the session file"),
        (lambda: tgkit.connect(["lab1"], sandbox=True, loop="kernel"), ValueError, "loop="),
        (lambda: tgkit.connect(["lab1"], sandbox=True, phone="+1555"), ValueError, "phone="),
        (lambda: tgkit.connect(["lab1"], sandbox=True, proxy="socks5://h:1"), ValueError, "proxy"),
        (lambda: tgkit.connect("lab1,lab2", accounts=2, sandbox=True), TypeError, "list"),
    ],
)
def test_bad_arguments_say_what_to_do(call, error, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=words):
        call()
    assert _nothing_open()


def test_a_sandbox_pool_names_its_accounts_and_hands_out_distinct_researchers() -> None:
    pool = tgkit.connect(sandbox=True, accounts=2)
    try:
        assert pool.accounts == ("sandbox1", "sandbox2")
        assert pool.name == "sandbox1+sandbox2"
        me = {name: pool.session(name).account for name in pool.accounts}
        assert me == {n: str(u.id) for n, u in zip(pool.accounts, pool.researchers, strict=True)}
        assert len(set(me.values())) == 2
        assert tgkit.connect(sandbox=True, accounts=2) is pool
    finally:
        pool.close()
    assert _nothing_open()


def test_an_account_that_fails_to_connect_leaves_no_account_connected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tgkit.sandbox.researchers as researchers

    made: dict[str, object] = {}
    real = researchers.demo_pool_world

    def refusing_the_second(accounts: int, seed: int = 0):  # type: ignore[no-untyped-def]
        world, users = real(accounts, seed)
        world.fail_next("help.GetConfig", "CONNECTION_SYSTEM_EMPTY", user=users[1])
        made.update(world=world, users=users)
        return world, users

    monkeypatch.setattr(researchers, "demo_pool_world", refusing_the_second)
    with pytest.raises(Exception, match="Connection system empty"):
        tgkit.connect(["fail1", "fail2", "fail3"], sandbox=True)
    world, users = made["world"], made["users"]
    assert [len(world.delivery.senders_of(user.id)) for user in users] == [0, 0, 0]  # type: ignore[attr-defined]
    assert _nothing_open()
