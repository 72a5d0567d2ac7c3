"""TelegramSession itself: login, connect/disconnect, session files, secrets, views, send."""

from __future__ import annotations

import logging
import sqlite3
import stat

import pytest
from session_worlds import FAST, Small

from tgkit.core import OperationState
from tgkit.errors import NotAuthorized, SessionClosed, SessionInUse
from tgkit.sandbox import World
from tgkit.session import TelegramSession
from tgkit.store import Store

pytestmark = pytest.mark.telethon_compat

API_HASH = "0123456789abcdef0123456789abcdef"
PHONE = "+44 7700 900123"


def _login_world(password: str | None = None):
    world = World(seed=5)
    user = world.add_user("Grace", "Hopper", phone=PHONE, password=password)
    group = world.add_supergroup("Lab", username="lab_group", members=30)
    world.join(group, user)
    return world, user


async def test_connect_without_login_says_how_to_log_in():
    world, _ = _login_world()
    session = TelegramSession.sandbox(world, None, config=FAST)
    with pytest.raises(NotAuthorized, match=r"session\.login\(phone, code_callback\)"):
        await session.connect()
    assert not session.is_connected
    assert not session.client.is_connected()
    with pytest.raises(SessionClosed, match="connect"):
        session.scrape_group_members("@lab_group")


async def test_login_with_a_code_then_work(caplog):
    caplog.set_level(logging.DEBUG)
    world, user = _login_world()
    session = TelegramSession.sandbox(world, None, config=FAST)
    codes = iter(["00000", None])  # a wrong code first, then the real one

    def code_callback():
        wrong = next(codes)
        return wrong if wrong is not None else world.login_code(PHONE)

    await session.login(PHONE, code_callback)
    try:
        assert session.account == str(user.id)
        df = await session.scrape_group_members("@lab_group")
        assert user.id in set(df["user_id"])
    finally:
        await session.disconnect()
    assert not session.client.is_connected()
    assert "7700" not in caplog.text and "900123" not in caplog.text


async def test_login_with_two_step_verification():
    world, user = _login_world(password="correct horse")
    session = TelegramSession.sandbox(world, None, config=FAST)
    passwords = iter(["wrong", "correct horse"])
    with pytest.raises(NotAuthorized, match="password_callback"):
        await session.login(PHONE, lambda: world.login_code(PHONE))

    async def ask_password():
        return next(passwords)

    await session.login(PHONE, lambda: world.login_code(PHONE), ask_password)
    assert session.account == str(user.id)
    await session.disconnect()


async def test_bad_phone_is_refused_without_repeating_it():
    world, _ = _login_world()
    session = TelegramSession.sandbox(world, None, config=FAST)
    with pytest.raises(ValueError, match="international form") as caught:
        await session.login("call me maybe 555", lambda: "1")
    assert "555" not in str(caught.value)


def test_credentials_are_checked_and_never_shown():
    with pytest.raises(ValueError, match="api_id"):
        TelegramSession("research", api_id="abc", api_hash=API_HASH)
    with pytest.raises(ValueError, match="api_hash") as caught:
        TelegramSession("research", api_id=1, api_hash="secret-but-malformed")
    assert "secret-but-malformed" not in str(caught.value)
    with pytest.raises(ValueError, match="name"):
        TelegramSession("../escape", api_id=1, api_hash=API_HASH)
    session = TelegramSession("research", api_id=1, api_hash=API_HASH, store=False)
    assert API_HASH not in repr(session) and "research" in repr(session)


async def test_session_file_is_private_and_used_by_one_client_at_a_time(tmp_path):
    first = TelegramSession("acct", api_id=1, api_hash=API_HASH, session_dir=tmp_path)
    path = tmp_path / "acct.session"
    assert first.client is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    twin = TelegramSession("acct", api_id=1, api_hash=API_HASH, session_dir=tmp_path)
    with pytest.raises(SessionInUse, match="already open"):
        _ = twin.client
    await first.disconnect()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's client writing to it
    try:
        with pytest.raises(SessionInUse, match="in use by another process"):
            _ = twin.client
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert twin.client is not None
    await twin.disconnect()


async def test_default_store_lives_in_the_session_dir(small: Small, tmp_path):
    session = TelegramSession.sandbox(
        small.world, small.me, config=FAST, store=True, session_dir=tmp_path
    )
    async with session:
        await session.scrape_group_members("@small_group", max_members=5)
        assert session.store.path == tmp_path / "tgkit.db"
        assert session.store.collections()["status"].tolist() == ["complete"]
        entities = session.entities()
        assert "small_group" in entities["username"].tolist()
    assert session.store is None  # closed with the session


async def test_send_message_returns_the_sent_id_and_date(small: Small, session):
    sent = await session.send_message("@small_group", "Thanks, all!")
    message = small.group.messages[-1]
    assert (sent.message_id, sent.date, message.text) == (message.id, message.date, "Thanks, all!")
    assert sent.chat_id == -1_000_000_000_000 - small.group.id
    with pytest.raises(ValueError, match="empty"):
        session.send_message("@small_group", "  ")


async def test_history_queue_snapshot_and_cancel(small: Small, session):
    await session.scrape_messages("@small_group", limit=5)
    monitor = session.monitor("@small_group", duration=30)
    queued = session.scrape_group_members("@small_group")
    send = session.send_message("@small_group", "hello")
    queue = session.queue()
    assert queue["id"].tolist() == [monitor.id, queued.id, send.id]
    assert queue["state"].tolist() == ["RUNNING", "QUEUED", "QUEUED"]
    snapshot = session.snapshot()
    assert snapshot.scheduler.running.id == monitor.id
    assert snapshot.pacing is not None and snapshot.account == session.account

    assert session.cancel(queued.id)
    assert queued.state is OperationState.CANCELLED
    monitor.stop()
    await monitor
    await send
    history = session.history()
    assert history["id"].tolist() == [history["id"][0], queued.id, monitor.id, send.id]
    assert history["state"].tolist() == ["DONE", "CANCELLED", "DONE", "DONE"]
    first = history.iloc[0]
    assert first["requests"] == 2 and first["requests_by_type"] == {
        "contacts.ResolveUsername": 1,
        "messages.GetHistory": 1,
    }
    assert str(history["finished_at"].dtype) == "datetime64[ns, UTC]"


async def test_disconnect_fails_queued_work_with_session_closed(small: Small):
    session = TelegramSession.sandbox(small.world, small.me, config=FAST)
    await session.connect()
    assert await session.connect() is session  # idempotent
    monitor = session.monitor("@small_group", duration=30)
    queued = session.scrape_messages("@small_group", limit=5)
    await session.disconnect()
    assert queued.state is OperationState.CANCELLED
    with pytest.raises(SessionClosed):
        await queued
    assert monitor.done()
    assert not session.client.is_connected()
    with pytest.raises(SessionClosed):
        session.scrape_messages("@small_group")


async def test_a_store_passed_in_stays_open(small: Small, tmp_path):
    with Store(tmp_path / "mine.db") as store:
        async with TelegramSession.sandbox(small.world, small.me, config=FAST, store=store) as s:
            await s.scrape_messages("@small_group", limit=3)
        assert len(store.collections()) == 1  # still usable after the session closed
