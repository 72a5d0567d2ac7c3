"""The ``tgkit`` command routed through a proxy to a ``host:port`` server, and ``tgkit doctor``.

The proxy (SOCKS5 with a canary password) and the fake DC run on 127.0.0.1 in this test's
event loop while the command runs as a subprocess; nothing reaches the internet.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from loopback_servers import FakeDC, Socks5Proxy

from tgkit.cli.parser import build_parser

PASSWORD = "CANARY-cli-pw-91"
SUBCOMMANDS = {
    "login": [], "members": ["@small_group"], "messages": ["@small_group"],
    "monitor": ["@small_group", "--duration", "60"], "collections": [],
    "export": ["1", "-o", "x.csv"], "demo": [], "doctor": [],
}


async def tgkit(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ, "PYTHONUNBUFFERED": "1", "TG_API_ID": "5",
        "TG_API_HASH": "0123456789abcdef0123456789abcdef",
        "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tgkit", *args, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


def test_every_subcommand_takes_the_route_options() -> None:
    parser = build_parser()
    for command, rest in SUBCOMMANDS.items():
        args = parser.parse_args([command, *rest, "--proxy", "socks5://h:1", "--server",
                                  "10.0.0.1:443", "--server-key", "k.pem", "--test-dc"])
        assert (args.proxy, args.server, str(args.server_key), args.test_dc) == (
            "socks5://h:1", "10.0.0.1:443", "k.pem", True), command
        assert parser.parse_args([command, *rest]).test_dc is None  # unset: env/config decide


async def test_members_and_login_go_through_the_proxy_to_the_server(tmp_path: Path):
    async with FakeDC() as dc, Socks5Proxy("ada", PASSWORD) as proxy:
        route = ["--proxy", f"socks5://ada:{PASSWORD}@{proxy.url_host}", "--server", dc.address]
        members = await tgkit(tmp_path, "members", "@small_group", *route)
        login = await tgkit(tmp_path, "login", "--phone", "+447700900123", *route)
    assert [(r.host, r.port, r.password) for r in proxy.requests[:2]] == [
        ("127.0.0.1", dc.port, PASSWORD)
    ] * 2
    for code, out, err in (members, login):
        assert code == 5, err  # could not connect: ConnectionLost
        assert f"via socks5://ada:***@{proxy.url_host}" in err
        assert PASSWORD not in out + err


async def test_doctor_reports_each_step_and_fails_with_exit_1(tmp_path: Path):
    async with FakeDC() as dc, Socks5Proxy("ada", PASSWORD) as proxy:
        route = ["--proxy", f"socks5://ada:{PASSWORD}@{proxy.url_host}", "--server", dc.address]
        code, out, err = await tgkit(tmp_path, "doctor", "--step-timeout", "5", *route)
        json_code, json_out, _ = await tgkit(tmp_path, "doctor", "--json", *route)
    assert code == json_code == 1
    assert f"✔ proxy: socks5://ada:***@{proxy.url_host} forwards to {dc.address}" in out
    assert "✔ credentials: api_id 5 from the environment" in out
    assert "✘ session file" in out and "tgkit login --name default" in out
    assert "✘ server" in out
    steps = {step["name"]: step["status"] for step in json.loads(json_out)["steps"]}
    assert steps["proxy"] == "ok" and steps["server"] == "failed"
    assert PASSWORD not in out + err + json_out


async def test_doctor_on_the_sandbox_and_routes_refused_there(tmp_path: Path):
    code, out, _ = await tgkit(tmp_path, "doctor", "--sandbox")
    assert code == 0 and "✔ account: logged in as id" in out
    code, _, err = await tgkit(tmp_path, "members", "@small_group", "--sandbox",
                               "--proxy", f"socks5://ada:{PASSWORD}@127.0.0.1:1")
    assert code == 2 and "do not apply to --sandbox" in err and PASSWORD not in err


pytestmark = pytest.mark.telethon_compat
