"""Proxies and servers: parsed once into Telethon's own arguments, and used by Telethon's
real connection classes (through a SOCKS5 proxy on 127.0.0.1 to a fake DC that records
what arrives). Secrets are canaries: none may show in a repr, a log line or an error."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path

import pytest
import rsa
from loopback_servers import FakeDC, HttpConnectProxy, Socks5Proxy
from telethon import TelegramClient, connection
from telethon.crypto import AESModeCTR
from telethon.crypto import rsa as telethon_rsa
from telethon.sessions import StringSession

from tgkit.core import SessionConfig
from tgkit.credentials import load_network_settings
from tgkit.errors import ConnectionLost
from tgkit.session import TelegramSession
from tgkit.telegram.network import TEST_DC, Network, Proxy, redact
from tgkit.telethon_compat import new_client

# Telethon's own connection classes under proxies and servers: checked on 1.39 and 1.45.
pytestmark = pytest.mark.telethon_compat

PASSWORD = "CANARY-pw-7f3e"
SECRET = "dd" + "c0ffee00" * 4
SECRET_BODY = SECRET[2:]
API_HASH = "0123456789abcdef0123456789abcdef"
REQ_PQ_MULTI = bytes.fromhex("f18e7ebe")  # req_pq_multi's constructor, little endian


def _clean(text: str) -> None:
    assert PASSWORD not in text and SECRET_BODY not in text, text


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("socks5://127.0.0.1:1080", {"proxy_type": "socks5", "addr": "127.0.0.1",
                                     "port": 1080, "username": None, "password": None,
                                     "rdns": True}),
        (f"socks5h://ada:{PASSWORD}@proxy.example:1080",
         {"proxy_type": "socks5", "addr": "proxy.example", "port": 1080, "username": "ada",
          "password": PASSWORD, "rdns": True}),
        ("socks4://10.0.0.1:1081", {"proxy_type": "socks4", "addr": "10.0.0.1", "port": 1081,
                                    "username": None, "password": None, "rdns": False}),
        (f"http://ada:{PASSWORD}@[2001:db8::1]:3128",
         {"proxy_type": "http", "addr": "2001:db8::1", "port": 3128, "username": "ada",
          "password": PASSWORD, "rdns": True}),
    ],
)
def test_proxy_urls_become_telethon_proxy_arguments(url: str, options: dict) -> None:
    proxy = Proxy.parse(url)
    assert proxy.client_options() == {"proxy": options}
    _clean(repr(proxy))
    _clean(repr(Network.of(proxy=url)))


@pytest.mark.parametrize(
    "url",
    [
        f"mtproxy://{SECRET}@mt.example:443",
        f"tg://proxy?server=mt.example&port=443&secret={SECRET}",
        f"https://t.me/proxy?server=mt.example&port=443&secret={SECRET}",
    ],
)
def test_mtproxy_forms_use_telethons_mtproxy_connection(url: str) -> None:
    options = Proxy.parse(url).client_options()
    assert options == {
        "connection": connection.ConnectionTcpMTProxyRandomizedIntermediate,
        "proxy": ("mt.example", 443, SECRET),
    }
    assert repr(Proxy.parse(url)) == "Proxy('mtproxy://***@mt.example:443')"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"socks5://ada:{PASSWORD}@host", "needs a host and a port"),
        (f"socks5://ada:{PASSWORD}@host:99999", "no valid port"),
        (f"ftp://ada:{PASSWORD}@host:21", "scheme must be socks5, socks4, http or mtproxy"),
        ("mtproxy://mt.example:443", "needs its secret"),
        (f"mtproxy://ee{SECRET_BODY}@mt.example:443", "fake-TLS"),
        (f"mtproxy://zz{SECRET_BODY}@mt.example:443", "32 hexadecimal"),
        (f"tg://proxy?secret={SECRET}", "needs server= and port="),
    ],
)
def test_bad_proxy_urls_say_what_is_wrong_without_the_secret(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        Network.of(proxy=url)
    _clean(str(caught.value))


def test_redact_hides_every_secret_form() -> None:
    text = (f"socks5://ada:{PASSWORD}@h:1 mtproxy://{SECRET}@h:2 "
            f"tg://proxy?server=h&port=3&secret={SECRET}")
    _clean(redact(text))


def test_servers_and_the_test_dc(tmp_path: Path) -> None:
    client = new_client(StringSession(), 1, API_HASH)
    Network.of(test_dc=True).apply(client)
    assert (client.session.server_address, client.session.port) == TEST_DC
    with pytest.raises(ValueError, match="either server"):
        Network.of(server="127.0.0.1:443", test_dc=True)
    with pytest.raises(ValueError, match="host:port"):
        Network.of(server="127.0.0.1")
    with pytest.raises(ValueError, match="give server too"):
        Network.of(server_key=tmp_path / "k.pem")
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(ValueError, match="not an RSA public key"):
        Network.of(server="127.0.0.1:443", server_key=tmp_path / "bad.pem")
    with pytest.raises(ValueError, match="cannot read the server key"):
        Network.of(server="127.0.0.1:443", server_key=tmp_path / "missing.pem")


def _client(network: Network) -> TelegramClient:
    client = new_client(StringSession(), 1, API_HASH, connection_retries=0,
                            retry_delay=0, **network.client_options())
    network.apply(client)
    return client


async def _connect_once(client: TelegramClient, dc: FakeDC) -> None:
    """Connect: the fake DC takes the first packet and hangs up, so connect() fails."""
    with pytest.raises((ConnectionError, OSError, asyncio.IncompleteReadError)):
        await asyncio.wait_for(client.connect(), 5)
    await asyncio.wait_for(dc.got_data.wait(), 5)
    await client.disconnect()


async def test_telethon_goes_through_the_socks5_proxy_to_the_server(caplog, tmp_path: Path):
    caplog.set_level(logging.DEBUG)
    public, _ = rsa.newkeys(512)
    key_file = tmp_path / "server.pem"
    key_file.write_bytes(public.save_pkcs1())
    async with FakeDC() as dc, Socks5Proxy("ada", PASSWORD) as proxy:
        network = Network.of(proxy=f"socks5://ada:{PASSWORD}@{proxy.url_host}",
                             server=dc.address, server_key=key_file)
        client = _client(network)
        await _connect_once(client, dc)
    assert [(r.host, r.port, r.username, r.password) for r in proxy.requests] == [
        ("127.0.0.1", dc.port, "ada", PASSWORD)
    ]
    assert REQ_PQ_MULTI in dc.received[0]  # Telethon's first MTProto request, untouched
    assert telethon_rsa._compute_fingerprint(public) in telethon_rsa._server_keys
    for record in caplog.records:
        _clean(record.getMessage())


@pytest.mark.parametrize("kind", ["socks4", "http"])
async def test_telethon_goes_through_socks4_and_http_connect(kind: str, caplog):
    caplog.set_level(logging.DEBUG)
    proxy_class = HttpConnectProxy if kind == "http" else Socks5Proxy
    credentials = ("ada", PASSWORD) if kind == "http" else (None, None)
    async with FakeDC() as dc, proxy_class(*credentials) as proxy:
        auth = f"ada:{PASSWORD}@" if kind == "http" else ""
        client = _client(Network.of(proxy=f"{kind}://{auth}{proxy.url_host}", server=dc.address))
        await _connect_once(client, dc)
    assert [(r.host, r.port) for r in proxy.requests] == [("127.0.0.1", dc.port)]
    if kind == "http":
        assert (proxy.requests[0].username, proxy.requests[0].password) == ("ada", PASSWORD)
    assert REQ_PQ_MULTI in dc.received[0]
    for record in caplog.records:
        _clean(record.getMessage())


async def test_telethon_speaks_mtproxy_with_the_secret():
    async with FakeDC() as dc:
        client = _client(Network.of(proxy=f"mtproxy://{SECRET}@{dc.address}"))
        await _connect_once(client, dc)
    header = dc.received[0][:64]
    key = hashlib.sha256(header[8:40] + bytes.fromhex(SECRET_BODY)).digest()
    decrypted = AESModeCTR(key, header[40:56]).decrypt(header)
    assert decrypted[56:60] == b"\xdd" * 4  # the padded intermediate protocol's tag


async def test_a_session_routes_its_own_client_and_hides_the_password(tmp_path: Path, caplog):
    caplog.set_level(logging.DEBUG)
    async with FakeDC() as dc, Socks5Proxy("ada", PASSWORD) as proxy:
        session = TelegramSession(
            "via_proxy", 1, API_HASH, session_dir=tmp_path, store=False,
            proxy=f"socks5://ada:{PASSWORD}@{proxy.url_host}", server=dc.address,
        )
        session.client._connection_retries = 0  # one attempt is enough to see the route
        with pytest.raises(ConnectionLost) as caught:
            await asyncio.wait_for(session.connect(), 10)
        await session.disconnect()
    assert isinstance(caught.value, ConnectionLost)
    assert f"via socks5://ada:***@{proxy.url_host}" in str(caught.value)
    assert "tgkit doctor" in str(caught.value)
    assert proxy.requests and proxy.requests[0].port == dc.port
    _clean(repr(session))
    _clean(str(caught.value))
    for record in caplog.records:
        _clean(record.getMessage())
    with pytest.raises(ValueError, match="client="):
        TelegramSession("x", client=new_client(StringSession(), 1, API_HASH),
                        proxy="socks5://h:1")


def test_network_settings_from_arguments_environment_and_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[network]\nproxy = "socks5://ada:{PASSWORD}@h:1080"\ntest_dc = true\n'
    )
    assert load_network_settings(env={}, config_path=config) == {
        "proxy": f"socks5://ada:{PASSWORD}@h:1080", "test_dc": True,
    }
    env = {"TG_PROXY": "http://h:3128", "TG_TEST_DC": "0"}
    assert load_network_settings(env=env, config_path=config) == {
        "proxy": "http://h:3128", "test_dc": False,
    }
    given = {"proxy": "socks4://h:1", "server": None}
    assert load_network_settings(given, env=env, config_path=config)["proxy"] == "socks4://h:1"
    config.write_text('[network]\nproxxy = "socks5://h:1"\n')
    with pytest.raises(ValueError, match="proxxy"):
        load_network_settings(env={}, config_path=config)


# -- SessionConfig takes the route too: one place, checked, secrets hidden -------------------


def test_session_config_takes_and_checks_the_route(tmp_path: Path) -> None:
    config = SessionConfig(proxy=f"socks5://ada:{PASSWORD}@127.0.0.1:1080")
    assert config.network == Network.of(proxy=f"socks5://ada:{PASSWORD}@127.0.0.1:1080")
    assert config.proxy == Proxy.parse(f"socks5://ada:{PASSWORD}@127.0.0.1:1080")
    assert config.replace(pacing=False).network == config.network
    assert config.replace(proxy=None).network.is_default
    assert SessionConfig().network.is_default
    assert SessionConfig(test_dc=True).network.server == Network.of(test_dc=True).server
    mtproxy = SessionConfig(proxy=f"tg://proxy?server=h.example&port=443&secret={SECRET}")
    assert mtproxy.network.client_options()["proxy"] == ("h.example", 443, SECRET)
    for shown in (repr(config), str(config), repr(mtproxy), str(mtproxy),
                  repr(config.network), config.network.describe()):
        _clean(shown)
    assert "socks5://ada:***@127.0.0.1:1080" in repr(config)
    public, _ = rsa.newkeys(512)
    (tmp_path / "server.pem").write_bytes(public.save_pkcs1())
    routed = SessionConfig(server="203.0.113.5:443", server_key=tmp_path / "server.pem")
    assert str(routed.network.server) == "203.0.113.5:443"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"proxy": f"ftp://ada:{PASSWORD}@h:1"}, "SessionConfig: proxy .*scheme must be"),
        ({"proxy": f"socks5://ada:{PASSWORD}@h"}, "SessionConfig: proxy .*host and a port"),
        ({"proxy": f"mtproxy://ee{SECRET_BODY}@h:443"}, "SessionConfig: MTProxy .*fake-TLS"),
        ({"proxy": 1080}, "SessionConfig: proxy must be a URL"),
        ({"server": "h", "test_dc": False}, "SessionConfig: server must be host:port"),
        ({"server": "h:1", "test_dc": True}, "SessionConfig: pass either server"),
        ({"server_key": "k.pem"}, "SessionConfig: server_key .* give server too"),
        ({"test_dc": "yes"}, "SessionConfig: test_dc must be True or False"),
    ],
)
def test_session_config_names_a_bad_route_without_its_secret(settings: dict, message: str):
    with pytest.raises((TypeError, ValueError), match=message) as caught:
        SessionConfig(**settings)
    _clean(str(caught.value))


async def test_a_session_takes_its_route_from_session_config(tmp_path: Path, caplog):
    caplog.set_level(logging.DEBUG)
    async with FakeDC() as dc, Socks5Proxy("ada", PASSWORD) as proxy:
        config = SessionConfig(proxy=f"socks5://ada:{PASSWORD}@{proxy.url_host}",
                               server=dc.address)
        session = TelegramSession("routed_by_config", 1, API_HASH, config=config,
                                  session_dir=tmp_path, store=False)
        session.client._connection_retries = 0
        with pytest.raises(ConnectionLost) as caught:
            await asyncio.wait_for(session.connect(), 10)
        await session.disconnect()
    assert [(r.port, r.username, r.password) for r in proxy.requests] == [
        (dc.port, "ada", PASSWORD)
    ]
    assert REQ_PQ_MULTI in dc.received[0]
    assert f"via socks5://ada:***@{proxy.url_host}" in str(caught.value)
    for shown in (repr(session), repr(session.config), str(caught.value)):
        _clean(shown)
    for record in caplog.records:
        _clean(record.getMessage())


async def test_the_route_is_given_in_one_place(tmp_path: Path) -> None:  # async: Telethon 1.39
    config = SessionConfig(proxy=f"socks5://ada:{PASSWORD}@127.0.0.1:1080")
    with pytest.raises(ValueError, match="given twice") as caught:
        TelegramSession("twice", 1, API_HASH, config=config, session_dir=tmp_path,
                        store=False, server="127.0.0.1:443")
    _clean(str(caught.value))
    with pytest.raises(ValueError, match="client="):
        TelegramSession("own_client", client=new_client(StringSession(), 1, API_HASH),
                        config=config)
