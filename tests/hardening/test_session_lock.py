"""One Telethon session file, one client, across processes (issue 14, defect 5).

A second process opening a session another one holds gets ``SessionInUse``
naming the holder's pid, whether or not the holder is inside a write; the
lock goes with the holder's process, SIGKILL included. A damaged session file
is refused naming the file, and left as it was.
"""

from __future__ import annotations

import signal
import stat
from pathlib import Path

import pytest
from hardening_helpers import CANARY_HASH, assert_no_secret, start_python

from tgkit.errors import NotAuthorized, SessionInUse
from tgkit.session import TelegramSession

HOLDER = """
import sys
from tgkit.session import TelegramSession
session = TelegramSession("acct", api_id=1, api_hash=sys.argv[2], session_dir=sys.argv[1])
assert session.client is not None
print("holding", flush=True)
sys.stdin.readline()
"""


def _open(folder: Path) -> TelegramSession:
    session = TelegramSession("acct", api_id=1, api_hash=CANARY_HASH, session_dir=folder)
    _ = session.client
    return session


@pytest.mark.parametrize("how", ["exit", "sigkill"])
async def test_a_second_process_is_refused_naming_the_holder(tmp_path: Path, how: str) -> None:
    holder = start_python("-c", HOLDER, str(tmp_path), CANARY_HASH)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        with pytest.raises(SessionInUse) as caught:
            _open(tmp_path)
        message = str(caught.value)
        assert f"process {holder.pid}" in message and "acct.session" in message
        assert_no_secret(message)
    finally:
        if how == "sigkill":
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=30)
        else:
            holder.communicate("bye\n", timeout=30)
    session = _open(tmp_path)  # the OS let the lock go with the process
    await session.disconnect()
    lock = tmp_path / "acct.session.lock"
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


async def test_the_lock_is_released_on_disconnect_and_taken_again(tmp_path: Path) -> None:
    first = _open(tmp_path)
    await first.disconnect()
    second = _open(tmp_path)
    await second.disconnect()


@pytest.mark.parametrize(
    "content", [b"this is not a database, just text\n" * 20, b"SQLite format 3\x00" + b"\xff" * 200]
)
async def test_a_damaged_session_file_is_refused_naming_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "acct.session"
    path.write_bytes(content)
    with pytest.raises(NotAuthorized) as caught:
        _open(tmp_path)
    message = str(caught.value)
    assert str(path) in message and "tgkit login" in message
    assert path.read_bytes() == content
    again = pytest.raises(NotAuthorized)  # the lock was let go: the same answer, not "in use"
    with again:
        _open(tmp_path)
