"""connect() takes the route to Telegram (proxy, server), and tg.doctor() checks a session."""

from __future__ import annotations

from pathlib import Path

import pytest
from loopback_servers import FakeDC, Socks5Proxy

from tgkit.core import SessionConfig
from tgkit.errors import ConnectionLost
from tgkit.notebook.connect import connect
from tgkit.notebook.loop import background_loop

PASSWORD = "CANARY-notebook-pw"


@pytest.fixture
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("TG_API_ID", "TG_API_HASH", "TG_PROXY", "TG_SERVER", "TG_TEST_DC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_connect_goes_through_the_proxy_of_the_config_file(no_settings, tmp_path: Path) -> None:
    loop = background_loop()
    dc, proxy = FakeDC(), Socks5Proxy("ada", PASSWORD)
    loop.run(dc.__aenter__())
    loop.run(proxy.__aenter__())
    config = tmp_path / "config.toml"
    config.write_text(
        '[telegram]\napi_id = 5\napi_hash = "0123456789abcdef0123456789abcdef"\n'
        f'[network]\nproxy = "socks5://ada:{PASSWORD}@{proxy.url_host}"\n'
    )
    try:
        with pytest.raises(ConnectionLost) as caught:
            connect("routed", config_file=config, server=dc.address, session_dir=tmp_path)
    finally:
        loop.run(proxy.__aexit__())
        loop.run(dc.__aexit__())
    assert [(r.port, r.password) for r in proxy.requests][:1] == [(dc.port, PASSWORD)]
    assert PASSWORD not in str(caught.value) and "***" in str(caught.value)


def test_the_sandbox_takes_no_route() -> None:
    with pytest.raises(ValueError, match="sandbox runs in process"):
        connect("nowhere", sandbox=True, proxy="socks5://127.0.0.1:1080")


def test_doctor_checks_the_open_session() -> None:
    tg = connect("checked", sandbox=True)
    try:
        report = tg.doctor()
    finally:
        tg.close()
    assert report.ok
    assert report.step("account").detail.startswith("logged in as id")
    assert report.step("server").status == "ok"


def test_connect_takes_the_route_of_session_config_over_the_environment(
    no_settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TG_PROXY", "socks5://elsewhere:CANARY-env-pw@127.0.0.1:9")
    loop = background_loop()
    dc, proxy = FakeDC(), Socks5Proxy("ada", PASSWORD)
    loop.run(dc.__aenter__())
    loop.run(proxy.__aenter__())
    config = SessionConfig(proxy=f"socks5://ada:{PASSWORD}@{proxy.url_host}", server=dc.address)
    try:
        with pytest.raises(ConnectionLost) as caught:
            connect("routed_by_config", api_id=5, api_hash="0123456789abcdef0123456789abcdef",
                    config=config, session_dir=tmp_path)
        with pytest.raises(ValueError, match="given twice"):
            connect("routed_twice", api_id=5, api_hash="0123456789abcdef0123456789abcdef",
                    config=config, session_dir=tmp_path, test_dc=True)
    finally:
        loop.run(proxy.__aexit__())
        loop.run(dc.__aexit__())
    assert [(r.port, r.password) for r in proxy.requests][:1] == [(dc.port, PASSWORD)]
    assert PASSWORD not in str(caught.value) and "***" in str(caught.value)
