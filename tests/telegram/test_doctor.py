"""doctor(): each step on a real setup (files, a SOCKS5 proxy and a fake DC on 127.0.0.1,
a sandbox account), each failure saying what to do, and no secret in the report."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from loopback_servers import FakeDC, HttpConnectProxy, Socks5Proxy

from tgkit.diagnose import doctor
from tgkit.sandbox import World
from tgkit.store import Store

PASSWORD = "CANARY-doctor-pw"
API = {"api_id": 12345, "api_hash": "0123456789abcdef0123456789abcdef"}


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch, tmp_path: Path) -> None:
    for name in ("TG_API_ID", "TG_API_HASH", "TG_PROXY", "TG_SERVER", "TG_SERVER_KEY",
                 "TG_TEST_DC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


async def test_a_fresh_machine_is_told_each_thing_to_do(tmp_path: Path):
    async with FakeDC() as dc:
        report = await doctor("research", server=dc.address, session_dir=tmp_path, step_timeout=5)
    assert not report.ok
    status = {step.name: step.status for step in report.steps}
    assert status == {"credentials": "failed", "network": "ok", "session file": "failed",
                      "proxy": "skipped", "server": "failed", "account": "skipped",
                      "flood waits": "skipped"}
    assert "TG_API_ID" in report.step("credentials").fix
    assert "tgkit login --name research" in report.step("session file").fix
    assert "server address" in report.step("server").fix
    assert "✘ credentials" in str(report)


async def test_a_session_file_others_can_read_is_refused(tmp_path: Path):
    path = tmp_path / "research.session"
    path.write_bytes(b"")
    os.chmod(path, 0o644)
    async with FakeDC() as dc:
        report = await doctor("research", server=dc.address, session_dir=tmp_path, step_timeout=5,
                              **API)
    step = report.step("session file")
    assert step.status == "failed" and step.fix == f"chmod 600 {path}"
    assert report.step("credentials").detail == "api_id 12345 from the arguments"


async def test_the_proxy_step_reaches_and_forwards_without_showing_the_password(tmp_path):
    async with FakeDC() as dc, Socks5Proxy("ada", PASSWORD) as proxy:
        url = f"socks5://ada:{PASSWORD}@{proxy.url_host}"
        good = await doctor("r", proxy=url, server=dc.address, session_dir=tmp_path, step_timeout=5)
        wrong = await doctor("r", proxy=url.replace(PASSWORD, "nope"), server=dc.address,
                             session_dir=tmp_path, step_timeout=5)
    assert good.step("proxy").status == "ok"
    assert good.step("proxy").detail == (
        f"socks5://ada:***@{proxy.url_host} forwards to 127.0.0.1:{dc.port}"
    )
    assert wrong.step("proxy").status == "failed"
    assert "user name and password" in wrong.step("proxy").fix
    for report in (good, wrong):
        assert PASSWORD not in str(report) and PASSWORD not in str(report.to_dict())


async def test_an_unreachable_proxy_says_so(tmp_path: Path, unused_tcp_port: int):
    report = await doctor("r", proxy=f"socks5://127.0.0.1:{unused_tcp_port}",
                          session_dir=tmp_path, step_timeout=5)
    step = report.step("proxy")
    assert step.status == "failed" and "cannot reach" in step.detail
    assert report.step("server").status == "failed"  # not tried past a dead proxy


async def test_bad_network_settings_fail_their_step(tmp_path: Path):
    report = await doctor("r", proxy=f"ftp://ada:{PASSWORD}@h:21", session_dir=tmp_path)
    assert report.step("network").status == "failed" and PASSWORD not in str(report)


async def test_an_open_sessions_client_account_and_flood_waits(tmp_path: Path):
    world = World(seed=3)
    me = world.add_user("Ada", username="ada_research")
    client = world.client(me)
    await client.connect()
    try:
        with Store(tmp_path / "tgkit.db") as store:
            calm = await doctor(client=client, store=store)
            store.save_flood_wait(str(me.id), "messages.GetHistory", time.time() + 120)
            waiting = await doctor(client=client, store=store)
    finally:
        await client.disconnect()
    assert calm.ok and calm.step("account").detail == f"logged in as id {me.id} (@ada_research)"
    assert calm.step("flood waits").detail == "none running"
    step = waiting.step("flood waits")
    assert step.status == "warning" and "messages.GetHistory 1" in step.detail
    assert waiting.ok  # a flood wait is a state, not a fault


async def test_the_proxy_step_with_http_connect(tmp_path: Path):
    async with FakeDC() as dc, HttpConnectProxy("ada", PASSWORD) as proxy:
        url = f"http://ada:{PASSWORD}@{proxy.url_host}"
        report = await doctor("r", proxy=url, server=dc.address, session_dir=tmp_path,
                              step_timeout=5)
    assert report.step("proxy").detail == (
        f"http://ada:***@{proxy.url_host} forwards to 127.0.0.1:{dc.port}"
    )
    assert PASSWORD not in str(report)
