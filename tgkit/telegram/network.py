"""Where a session connects: through which proxy, to which server.

Researchers work behind proxies, in countries that block Telegram, and some
test against Telegram's test servers or a self-hosted MTProto server. The same
four names are taken by ``TelegramSession``, ``SessionConfig``, ``tgkit.connect``,
the ``tgkit`` command (``--proxy``, ``--server``, ``--server-key``,
``--test-dc``) and the config file's ``[network]`` table:

``proxy``
    one URL: ``socks5://[user:pass@]host:port`` (``socks5h`` too),
    ``socks4://host:port``, ``http://[user:pass@]host:port`` (HTTP CONNECT;
    these three through ``python-socks``), or an MTProxy as
    ``mtproxy://SECRET@host:port`` or the ``tg://proxy?server=…&port=…&secret=…``
    / ``https://t.me/proxy?…`` link MTProxy owners share.
``server``
    ``"host:port"`` of another MTProto server; ``server_key`` is the path of
    its RSA public key (PEM), needed unless it uses Telegram's keys.
``test_dc``
    True: Telegram's test servers (DC 2, 149.154.167.40:443).

Passwords and MTProxy secrets never appear in a repr, a log line or an error:
``Proxy`` shows ``socks5://ada:***@host:1080``, and a URL that cannot be read
is quoted with its secrets replaced by ``***``.

Example::

    >>> net = Network.of(proxy="socks5://ada:s3cret@127.0.0.1:1080")
    >>> net
    Network(proxy='socks5://ada:***@127.0.0.1:1080', server=None)
    >>> net.client_options()["proxy"]["proxy_type"]
    'socks5'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["TEST_DC", "Network", "Proxy", "Server", "redact"]

#: Telegram's test data centre 2 (https://core.telegram.org/api/datacenter).
TEST_DC = ("149.154.167.40", 443)

_SOCKS = {"socks5": "socks5", "socks5h": "socks5", "socks4": "socks4", "socks4a": "socks4",
          "http": "http", "https": "http"}
_SECRET_IN_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<userinfo>[^@/\s]*)@", re.I)
_SECRET_IN_QUERY = re.compile(r"(?P<key>secret=)[^&\s]*", re.I)
_HEX = re.compile(r"^(dd)?[0-9a-f]{32}$", re.I)


def redact(text: str) -> str:
    """``text`` with URL passwords and MTProxy secrets replaced by ``***``.

    >>> redact("socks5://ada:pw@h:1 and mtproxy://0123@h:2 and tg://proxy?secret=ab&port=1")
    'socks5://ada:***@h:1 and mtproxy://***@h:2 and tg://proxy?secret=***&port=1'
    """

    def userinfo(match: re.Match[str]) -> str:
        info = match["userinfo"]
        user = info.split(":", 1)[0] if ":" in info else ""
        hidden = f"{user}:***" if user else "***"
        return f"{match['scheme']}{hidden}@"

    return _SECRET_IN_QUERY.sub(r"\g<key>***", _SECRET_IN_URL.sub(userinfo, text))


@dataclass(frozen=True, slots=True)
class Proxy:
    """A proxy parsed from its URL (``Proxy.parse``); the repr hides the secrets."""

    kind: str  # "socks5", "socks4", "http" or "mtproxy"
    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    rdns: bool = True

    def __repr__(self) -> str:
        return f"Proxy({self.url()!r})"

    def url(self) -> str:
        """The proxy as a URL with ``***`` for the password or secret."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.kind == "mtproxy":
            return f"mtproxy://***@{host}:{self.port}"
        user = ""
        if self.username is not None:
            user = f"{self.username}:***@" if self.password is not None else f"{self.username}@"
        return f"{self.kind}://{user}{host}:{self.port}"

    @classmethod
    def parse(cls, url: str) -> Proxy:
        """Read a proxy URL (see the module docstring); ``ValueError`` says what is wrong."""
        if isinstance(url, Proxy):
            return url
        if not isinstance(url, str) or not url.strip():
            raise TypeError(f"proxy must be a URL such as 'socks5://host:1080', got "
                            f"{type(url).__name__}")
        shown = redact(url.strip())
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise ValueError(f"proxy {shown!r} has no valid port: write host:port") from None
        scheme = parts.scheme.lower()
        if scheme in ("tg", "https") and _is_proxy_link(parts):
            return _mtproxy_link(parts, shown)
        if scheme not in (*_SOCKS, "mtproxy"):
            raise ValueError(
                f"proxy {shown!r}: the scheme must be socks5, socks4, http or mtproxy "
                "(e.g. socks5://user:pass@host:1080 or mtproxy://SECRET@host:443)"
            )
        if not parts.hostname or port is None:
            raise ValueError(f"proxy {shown!r} needs a host and a port: {scheme}://host:port")
        if scheme == "mtproxy":
            return cls("mtproxy", parts.hostname, port, secret=_secret(parts.username, shown))
        return cls(
            _SOCKS[scheme], parts.hostname, port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            rdns=scheme not in ("socks4",),
        )

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for ``TelegramClient`` that route it through this proxy."""
        if self.kind == "mtproxy":
            from telethon import connection

            return {
                "connection": connection.ConnectionTcpMTProxyRandomizedIntermediate,
                "proxy": (self.host, self.port, self.secret),
            }
        return {"proxy": {
            "proxy_type": self.kind, "addr": self.host, "port": self.port,
            "username": self.username, "password": self.password, "rdns": self.rdns,
        }}


def _is_proxy_link(parts: Any) -> bool:
    return parts.netloc.lower() in ("proxy", "t.me", "telegram.me") and (
        parts.scheme.lower() == "tg" or parts.path.strip("/") == "proxy"
    )


def _mtproxy_link(parts: Any, shown: str) -> Proxy:
    query = parse_qs(parts.query)
    host = (query.get("server") or [""])[0]
    port = (query.get("port") or [""])[0]
    if not host or not port.isdigit():
        raise ValueError(f"proxy link {shown!r} needs server= and port=")
    return Proxy("mtproxy", host, int(port), secret=_secret((query.get("secret") or [""])[0],
                                                           shown))


def _secret(value: str | None, shown: str) -> str:
    secret = unquote(value or "")
    if not secret:
        raise ValueError(f"MTProxy {shown!r} needs its secret: mtproxy://SECRET@host:port")
    if secret.lower().startswith("ee"):
        raise ValueError(
            f"MTProxy {shown!r} uses a fake-TLS secret (starting 'ee'), which Telethon cannot "
            "speak: ask the proxy's owner for a 'dd' or plain secret"
        )
    if not _HEX.match(secret):
        raise ValueError(
            f"MTProxy {shown!r}: the secret must be 32 hexadecimal characters, optionally "
            "prefixed 'dd' (the secret is not repeated here)"
        )
    return secret


@dataclass(frozen=True, slots=True)
class Server:
    """The MTProto server to talk to: Telegram's test DC, or ``host:port`` with its key."""

    host: str
    port: int
    key_file: Path | None = None
    dc_id: int = 2
    test: bool = False

    @classmethod
    def of(
        cls, server: str | None, server_key: str | os.PathLike[str] | None, test_dc: bool
    ) -> Server | None:
        if not isinstance(test_dc, bool):
            raise TypeError(f"test_dc must be True or False, got {test_dc!r}")
        if server_key is not None and server is None:
            raise ValueError("server_key is the key of a server=\"host:port\": give server too")
        if test_dc:
            if server is not None:
                raise ValueError("pass either server=\"host:port\" or test_dc=True, not both")
            return cls(*TEST_DC, test=True)
        if server is None:
            return None
        host, port = _host_port(server)
        return cls(host, port, _key_file(server_key) if server_key is not None else None)

    def __str__(self) -> str:
        return "Telegram's test DC 2" if self.test else f"{self.host}:{self.port}"

    def apply(self, client: Any) -> None:
        """Point ``client``'s session at this server and teach Telethon its key."""
        if self.key_file is not None:
            from telethon.crypto import rsa

            rsa.add_key(self.key_file.read_text(encoding="ascii"), old=False)
        session = client.session
        if (session.server_address, session.port) != (self.host, self.port):
            session.set_dc(self.dc_id, self.host, self.port)


def _host_port(server: object) -> tuple[str, int]:
    if not isinstance(server, str):
        raise TypeError(f"server must be text such as '203.0.113.5:443', got "
                        f"{type(server).__name__}")
    host, _, port = server.strip().rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"server must be host:port such as '203.0.113.5:443', got {server!r}")
    return host, int(port)


def _key_file(path: str | os.PathLike[str]) -> Path:
    key = Path(path).expanduser()
    try:
        text = key.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the server key file {key}: {exc.__class__.__name__}; "
                         "give the path of the server's RSA public key (PEM)") from None
    try:
        import rsa

        rsa.PublicKey.load_pkcs1(text.encode("ascii"))
    except Exception:
        raise ValueError(
            f"{key} is not an RSA public key in PEM form ('-----BEGIN RSA PUBLIC KEY-----'): "
            "ask the server's operator for its public key file"
        ) from None
    return key


@dataclass(frozen=True, slots=True)
class Network:
    """A proxy and a server (either may be None: direct, to Telegram's production DCs)."""

    proxy: Proxy | None = None
    server: Server | None = None

    def __repr__(self) -> str:
        proxy = None if self.proxy is None else self.proxy.url()
        server = None if self.server is None else str(self.server)
        return f"Network(proxy={proxy!r}, server={server!r})"

    @classmethod
    def of(
        cls,
        *,
        proxy: str | Proxy | None = None,
        server: str | None = None,
        server_key: str | os.PathLike[str] | None = None,
        test_dc: bool = False,
    ) -> Network:
        """Check and combine the four settings; errors name what is wrong (not secrets)."""
        parsed = None if proxy is None else Proxy.parse(proxy)  # type: ignore[arg-type]
        return cls(parsed, Server.of(server, server_key, test_dc))

    def describe(self) -> str:
        """Where this goes, secrets hidden: ``"Telegram via socks5://ada:***@h:1080"``."""
        where = "Telegram" if self.server is None else str(self.server)
        return where if self.proxy is None else f"{where} via {self.proxy.url()}"

    @property
    def is_default(self) -> bool:
        return self.proxy is None and self.server is None

    def client_options(self) -> dict[str, Any]:
        return {} if self.proxy is None else self.proxy.client_options()

    def apply(self, client: Any) -> None:
        """Point a freshly made client at the server (the proxy goes in at creation)."""
        if self.server is not None:
            self.server.apply(client)
