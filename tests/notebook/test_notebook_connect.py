"""connect(): where sessions come from, idempotence, notices, secrets kept out of messages."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from notebook_helpers import eventually, on_loop, refreshers

from tgkit.core import SessionConfig
from tgkit.notebook.connect import SandboxNotice, _choose_mode, connect, open_sessions
from tgkit.notebook.loop import background_loop
from tgkit.sandbox import demo_world


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TG_API_ID", raising=False)
    monkeypatch.delenv("TG_API_HASH", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


def test_rerunning_the_setup_cell_reuses_session_loop_and_refresher() -> None:
    first = connect("rerun", sandbox=True)
    try:
        first_dash = first.dashboard()
        again = connect("rerun", sandbox=True)  # the same cell, run again
        assert again is first
        assert again.dashboard() is first_dash
        loop_threads = [t for t in threading.enumerate() if t.name == "tgkit-loop"]
        assert len(loop_threads) == 1
        assert refreshers("rerun") == ["tgkit-dashboard:rerun"]
        assert open_sessions()["rerun"] is first
    finally:
        first.close()
    assert refreshers("rerun") == []
    assert "rerun" not in open_sessions()
    reopened = connect("rerun", sandbox=True)
    try:
        assert reopened is not first and not reopened.closed
    finally:
        reopened.close()


def test_no_credentials_anywhere_gives_the_sandbox_with_a_notice(no_credentials: None) -> None:
    with pytest.warns(SandboxNotice, match="SANDBOX"):
        tg = connect("fallback")
    try:
        assert tg.world is not None
        assert "sandbox" in repr(tg)
    finally:
        tg.close()


def test_credentials_are_found_in_the_environment_and_config_file(
    no_credentials: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = "0123456789abcdef0123456789abcdef"
    config = tmp_path / "tgkit" / "config.toml"
    config.parent.mkdir()
    config.write_text(f'[telegram]\napi_id = 77\napi_hash = "{secret}"\n')
    mode, creds = _choose_mode(False, None, None, None, None)
    assert mode == "credentials" and creds is not None and creds.api_id == 77
    monkeypatch.setenv("TG_API_ID", "12345")
    monkeypatch.setenv("TG_API_HASH", secret)
    mode, creds = _choose_mode(False, None, None, None, None)
    assert creds is not None and creds.api_id == 12345 and secret not in repr(creds)


def test_a_bad_api_hash_is_refused_without_repeating_it(no_credentials: None) -> None:
    with pytest.raises(ValueError, match="api_hash") as caught:
        connect("bad", api_id=123, api_hash="not-a-hash-but-secret")
    assert "not-a-hash-but-secret" not in str(caught.value)


@pytest.fixture(scope="module")
def demo() -> tuple[Any, Any]:
    """One demo world for the tests that bring their own client (each gets a new client)."""
    return demo_world()


def test_the_same_name_for_a_different_kind_of_session_is_refused(demo: tuple[Any, Any]) -> None:
    tg = connect("taken", sandbox=True)
    try:
        world, me = demo
        with pytest.raises(ValueError, match="already open"):
            connect("taken", client=world.client(me))
    finally:
        tg.close()


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="loop"):
        connect(sandbox=True, loop="main")
    with pytest.raises(TypeError, match="SessionConfig"):
        connect(sandbox=True, config={"pacing": False})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="client"):
        connect(sandbox=True, client=object())


def test_a_client_of_your_own_runs_on_tgkits_loop(demo: tuple[Any, Any]) -> None:
    world, me = demo
    tg = connect("own-client", client=world.client(me), store=False)
    try:
        df = tg.members("@small_group", progress=False)
        assert len(df) > 100
        assert tg.session.client is not None
    finally:
        tg.close()


async def test_a_client_connected_on_another_loop_needs_loop_kernel(
    demo: tuple[Any, Any],
) -> None:
    world, me = demo
    client = world.client(me)
    await client.connect()  # connected on this (the "kernel's") loop
    try:
        with pytest.raises(ValueError, match='loop="kernel"'):
            connect("kernel-client", client=client)
    finally:
        await client.disconnect()


def test_one_dashboard_over_several_sessions() -> None:
    from tgkit.notebook import dashboard_for

    alice, bob = connect("alice", sandbox=True), connect("bob", sandbox=True)
    try:
        watch = bob.monitor("@small_group", duration="1min")
        queued = bob.members("@small_group", background=True)
        dash = dashboard_for(alice, bob, name="both")
        try:
            dash.refresh_now()
            assert list(dash.panels) == ["alice", "bob"]
            assert "free" in dash.panels["alice"].lock.get_state()["value"]
            assert f"held by {watch.id}" in dash.panels["bob"].lock.get_state()["value"]
            assert dash.panels["bob"].queue_ids == (queued.id,)
            dash.cancel(queued.id)  # the button of bob's queued scrape
            eventually(lambda: queued.done())
            assert queued.state.name == "CANCELLED"
            assert watch.state.name == "RUNNING"
        finally:
            dash.stop()
            watch.stop()
    finally:
        alice.close()
        bob.close()


def test_first_login_asks_phone_code_and_password_with_getpass_and_never_logs_them(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from tgkit.sandbox import World

    phone, password = "+15550009876", "correct horse battery staple"
    world = World(seed=3)
    world.add_user("Lena", username="lena_lab", phone=phone, password=password)
    asked: list[str] = []
    given: list[str] = []

    def fake_getpass(question: str = "") -> str:
        asked.append(question)
        if "Phone" in question:
            answer = phone
        elif "code" in question:
            answer = world.login_code(phone)
        else:
            answer = password
        given.append(answer)
        return answer

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    caplog.set_level("DEBUG")
    tg = connect("first-login", client=world.login_client(), store=False)
    try:
        assert ["Phone" in q for q in asked] == [True, False, False]
        assert "code" in asked[1] and "password" in asked[2]
        assert tg.session.is_connected
        logged = caplog.text + repr(tg) + repr(tg.session)
        assert all(secret not in logged for secret in given)
    finally:
        tg.close()


def test_a_manager_gets_the_same_dashboard_across_its_sessions(demo: tuple[Any, Any]) -> None:
    from tgkit.manager.limits import ManagerLimits
    from tgkit.manager.manager import SessionManager
    from tgkit.notebook import dashboard_for
    from tgkit.session import TelegramSession

    world, me = demo
    runner = background_loop()
    colleague = world.add_user("Sam", username="sam_colleague")

    async def start() -> SessionManager:
        sessions = [
            TelegramSession.sandbox(world, user, name=name, config=SessionConfig(pacing=False))
            for name, user in (("acc0", me), ("acc1", colleague))
        ]
        return await SessionManager(sessions, limits=ManagerLimits(max_running=1)).start()

    manager = runner.run(start())
    try:
        running = on_loop(runner, lambda: manager.monitor("@small_group", 60))
        waiting = on_loop(runner, lambda: manager.scrape_messages("@small_group", days_back=1))
        dash = dashboard_for(manager, name="managed")
        try:
            eventually(lambda: dash.refresh_now() or "acc1" in dash.panels)
            assert list(dash.panels) == ["manager queue", "acc0", "acc1"]
            held = [p for p in ("acc0", "acc1") if "held by" in dash.panels[p].lock.value]
            assert len(held) == 1  # the monitor, on one of the two accounts
            assert dash.panels["manager queue"].queue_ids == (waiting.id,)
            dash.cancel(waiting.id)  # the manager queue's cancel button
            eventually(lambda: waiting.done())
            assert waiting.state.name == "CANCELLED"
        finally:
            dash.stop()
            on_loop(runner, running.stop)
    finally:
        runner.run(manager.close())
