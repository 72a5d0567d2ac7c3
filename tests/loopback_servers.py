"""Tiny servers on 127.0.0.1 for the network tests: SOCKS and HTTP proxies and a fake DC.

``Socks5Proxy`` speaks RFC 1928 CONNECT with no auth or RFC 1929 username/password
(and SOCKS4/4a CONNECT), records each request (target, credentials) and relays bytes;
``HttpConnectProxy`` tunnels ``CONNECT host:port`` with optional Basic auth. ``FakeDC`` accepts a
connection, keeps the first bytes it receives and closes: enough to see what
Telethon's real connection classes send, without speaking MTProto.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import struct
from dataclasses import dataclass, field


@dataclass
class Request:
    host: str
    port: int
    username: str | None
    password: str | None


@dataclass
class Socks5Proxy:
    username: str | None = None
    password: str | None = None
    requests: list[Request] = field(default_factory=list)
    port: int = 0
    _server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> Socks5Proxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url_host(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._handshake(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def _handshake(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await reader.readexactly(2)
        if version == 4:  # SOCKS4(a): CONNECT, port, address, user id, [host]
            await self._socks4(count, reader, writer)
            return
        methods = await reader.readexactly(count)
        wants_auth = self.username is not None
        method = 0x02 if wants_auth else 0x00
        if version != 5 or method not in methods:
            writer.write(b"\x05\xff")
            writer.close()
            return
        writer.write(bytes([5, method]))
        username = password = None
        if wants_auth:
            _, length = await reader.readexactly(2)
            username = (await reader.readexactly(length)).decode()
            (length,) = await reader.readexactly(1)
            password = (await reader.readexactly(length)).decode()
            ok = (username, password) == (self.username, self.password)
            writer.write(b"\x01\x00" if ok else b"\x01\x01")
            if not ok:
                writer.close()
                return
        _, _command, _, kind = await reader.readexactly(4)
        if kind == 1:
            host = socket.inet_ntoa(await reader.readexactly(4))
        elif kind == 3:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
        (port,) = struct.unpack(">H", await reader.readexactly(2))
        self.requests.append(Request(host, port, username, password))
        try:
            up_reader, up_writer = await asyncio.open_connection(host, port)
        except OSError:
            writer.write(b"\x05\x05\x00\x01" + bytes(6))  # connection refused
            writer.close()
            return
        writer.write(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", 0))
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


    async def _socks4(
        self, command: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        (port,) = struct.unpack(">H", await reader.readexactly(2))
        address = await reader.readexactly(4)
        user = (await reader.readuntil(b"\0"))[:-1].decode()
        host = socket.inet_ntoa(address)
        if address.startswith(b"\0\0\0") and address != b"\0\0\0\0":
            host = (await reader.readuntil(b"\0"))[:-1].decode()
        self.requests.append(Request(host, port, user or None, None))
        up_reader, up_writer = await asyncio.open_connection(host, port)
        writer.write(b"\0\x5a" + bytes(6))
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


@dataclass
class HttpConnectProxy:
    """An HTTP proxy that only tunnels (``CONNECT host:port``), with optional Basic auth."""

    username: str | None = None
    password: str | None = None
    requests: list[Request] = field(default_factory=list)
    port: int = 0
    _server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> HttpConnectProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url_host(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, target, _ = head[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
        credentials = headers.get("Proxy-Authorization", "").removeprefix("Basic ")
        user, _, password = base64.b64decode(credentials).decode().partition(":")
        host, _, port = target.rpartition(":")
        self.requests.append(Request(host, int(port), user or None, password or None))
        if method != "CONNECT" or (self.username, self.password) != (user or None,
                                                                      password or None):
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@dataclass
class FakeDC:
    """Takes one packet per connection and hangs up (nothing speaks MTProto back)."""

    received: list[bytes] = field(default_factory=list)
    port: int = 0
    got_data: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> FakeDC:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = await reader.read(4096)
        self.received.append(data)
        self.got_data.set()
        writer.close()
