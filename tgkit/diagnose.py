"""``doctor``: check a setup step by step, and say what to do at the first thing wrong.

Steps, in order (a step that cannot run because an earlier one failed is
"skipped"):

1. **credentials** found, and where (arguments, environment, config file);
2. **network** settings read (proxy and server, secrets hidden);
3. **session file** exists, is readable, and is private (mode 0600);
4. **proxy** reachable, and forwarding to the server (SOCKS / HTTP);
5. **server** answers (Telethon connects and completes the MTProto handshake);
6. **account** authorised (logged in as whom);
7. **flood waits** Telegram imposed that are still running (from the store).

``tgkit doctor`` prints the report; ``tg.doctor()`` in a notebook checks the
open session's client (steps 5-7). No step prints a secret.

Example::

    report = await doctor("research", proxy="socks5://127.0.0.1:1080")
    print(report)          # ✔ / ✘ per step, each failure with what to do
    report.ok
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tgkit.credentials import (
    Credentials,
    credentials_source,
    default_session_dir,
    load_network_settings,
)
from tgkit.telegram.network import Network, redact

__all__ = ["DoctorReport", "Step", "doctor"]

#: Telegram's production DC 2, where a client without a server setting goes first.
_PRODUCTION = ("149.154.167.51", 443)
_MARK = {"ok": "✔", "failed": "✘", "warning": "!", "skipped": "-"}


@dataclass(frozen=True, slots=True)
class Step:
    """One check: its name, ``status`` (ok, failed, warning, skipped), what was found,
    and for a failure what to do."""

    name: str
    status: str
    detail: str
    fix: str | None = None


@dataclass
class DoctorReport:
    """The steps of one ``doctor`` run; ``ok`` when none failed."""

    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.status != "failed" for step in self.steps)

    def step(self, name: str) -> Step:
        return next(step for step in self.steps if step.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "steps": [asdict(step) for step in self.steps]}

    def __str__(self) -> str:
        lines = []
        for step in self.steps:
            lines.append(f"{_MARK[step.status]} {step.name}: {step.detail}")
            if step.fix:
                lines.append(f"    → {step.fix}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


class _Run:
    """What one doctor run found so far (later steps use earlier findings)."""

    def __init__(self, name: str, session_dir: Path, timeout: float) -> None:
        self.name = name
        self.session_dir = session_dir
        self.timeout = timeout
        self.report = DoctorReport()
        self.credentials: Credentials | None = None
        self.network: Network | None = None
        self.session_ok = False
        self.client: Any = None
        self.account: str | None = None

    def add(self, name: str, status: str, detail: str, fix: str | None = None) -> None:
        self.report.steps.append(Step(name, status, redact(detail), fix and redact(fix)))


def check_step_timeout(value: object) -> float:
    """``step_timeout`` as seconds: a finite positive duration of at most an hour."""
    from tgkit.telegram.catalogue import DURATION

    seconds = float(DURATION.check(value, "step_timeout"))
    if seconds > 3600:
        raise ValueError(f"step_timeout must be at most 3600 seconds (one network step), "
                         f"got {value!r}")
    return seconds


async def doctor(
    name: str = "default",
    *,
    api_id: int | str | None = None,
    api_hash: str | None = None,
    proxy: str | None = None,
    server: str | None = None,
    server_key: str | os.PathLike[str] | None = None,
    test_dc: bool | None = None,
    session_dir: str | os.PathLike[str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
    client: Any = None,
    store: Any = None,
    step_timeout: float = 15.0,
) -> DoctorReport:
    """Check the setup of session ``name`` (or of ``client``, an open session's).

    The network settings and credentials are found as the session finds them
    (arguments, environment, config file); ``store`` (a ``Store`` or a session's
    ``Pacer``) says which flood waits run, else the default store is read.
    ``step_timeout``: seconds each network step may take.
    """
    step_timeout = check_step_timeout(step_timeout)
    folder = Path(session_dir).expanduser() if session_dir is not None else default_session_dir()
    run = _Run(name, folder, step_timeout)
    config_path = Path(config_file).expanduser() if config_file is not None else None
    if client is None:
        given = {"proxy": proxy, "server": server, "server_key": server_key, "test_dc": test_dc}
        _credentials(run, api_id, api_hash, config_path)
        _network(run, given, config_path)
        _session_file(run)
        await _proxy(run)
        await _server(run)
    else:
        for step in ("credentials", "network", "session file", "proxy"):
            run.add(step, "skipped", "checking the open session's own client")
        run.client = client
        await _answers(run, client)
    try:
        await _account(run)
        _flood_waits(run, store, read_default=client is None)
    finally:
        if client is None and run.client is not None:
            await _close(run.client)
    return run.report


def _credentials(run: _Run, api_id: Any, api_hash: Any, config_path: Path | None) -> None:
    try:
        found = credentials_source(api_id, api_hash, config_path=config_path)
    except ValueError as exc:
        run.add("credentials", "failed", str(exc), "give both api_id and api_hash in one place")
        return
    if found is None:
        run.add(
            "credentials", "failed", "no api_id/api_hash in arguments, environment or config file",
            "get them at my.telegram.org, then set TG_API_ID and TG_API_HASH or write them in "
            "~/.config/tgkit/config.toml under [telegram]",
        )
        return
    run.credentials, source = found
    run.add("credentials", "ok", f"api_id {run.credentials.api_id} from the {source}")


def _network(run: _Run, given: dict[str, Any], config_path: Path | None) -> None:
    try:
        settings: dict[str, Any] = load_network_settings(given, config_path=config_path)
        run.network = Network.of(**settings)
    except (ValueError, TypeError) as exc:
        run.add("network", "failed", str(exc), "correct the proxy/server setting named above")
        return
    run.add("network", "ok", run.network.describe())


def _session_file(run: _Run) -> None:
    path = run.session_dir / f"{run.name}.session"
    if not path.exists():
        run.add("session file", "failed", f"{path} does not exist",
                f"log in once: `tgkit login --name {run.name}` (or tgkit.connect() in a notebook)")
        return
    if not os.access(path, os.R_OK | os.W_OK):
        run.add("session file", "failed", f"{path} is not readable and writable by this user",
                f"fix its owner or rights: chmod 600 {path}")
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        run.add("session file", "failed", f"{path} is mode {mode:04o}: others may read it "
                "(it is as good as your login)", f"chmod 600 {path}")
        return
    run.session_ok = True
    run.add("session file", "ok", f"{path} (mode 0600)")


def _destination(network: Network | None) -> tuple[str, int]:
    server = network.server if network is not None else None
    return (server.host, server.port) if server is not None else _PRODUCTION


async def _proxy(run: _Run) -> None:
    proxy = run.network.proxy if run.network is not None else None
    if proxy is None:
        run.add("proxy", "skipped", "no proxy set" if run.network else "network settings unread")
        return
    reached = await _attempt(run, lambda: asyncio.open_connection(proxy.host, proxy.port))
    if isinstance(reached, BaseException):
        run.add("proxy", "failed", f"cannot reach {proxy.url()}: {_why(reached)}",
                "check that the proxy runs at that address and this machine may connect to it")
        return
    await _close_stream(reached)
    if proxy.kind == "mtproxy":
        run.add("proxy", "ok", f"{proxy.url()} accepts connections")
        return
    host, port = _destination(run.network)
    forwarded = await _attempt(run, lambda: _through(proxy, host, port, run.timeout))
    if isinstance(forwarded, BaseException):
        run.add("proxy", "failed", f"{proxy.url()} did not forward to {host}:{port}: "
                f"{_why(forwarded)}", "check the proxy's user name and password, and that it "
                "allows connections to that address and port")
        return
    run.add("proxy", "ok", f"{proxy.url()} forwards to {host}:{port}")


async def _through(proxy: Any, host: str, port: int, seconds: float) -> None:
    from python_socks import ProxyType
    from python_socks.async_.asyncio import Proxy as SocksProxy

    options = proxy.client_options()["proxy"]
    relay = SocksProxy.create(
        ProxyType[options["proxy_type"].upper()], options["addr"], options["port"],
        options["username"], options["password"], options["rdns"],
    )
    sock = await relay.connect(dest_host=host, dest_port=port, timeout=seconds)
    sock.close()


async def _server(run: _Run) -> None:
    if run.network is None:
        run.add("server", "skipped", "network settings unread")
        return
    credentials = run.credentials or Credentials(1, "0" * 32)  # the handshake needs none
    options = {"connection_retries": 1, "retry_delay": 0, "timeout": run.timeout,
               **run.network.client_options()}
    try:
        if run.session_ok and run.credentials is not None:
            from tgkit.telegram.session_file import SessionFile

            session_file = SessionFile(run.session_dir, run.name)
            client = session_file.open_client(credentials.api_id, credentials.api_hash, **options)
            client._tgkit_session_file = session_file  # closed with the client
        else:
            from tgkit.telethon_compat import StringSession, new_client

            client = new_client(StringSession(), credentials.api_id, credentials.api_hash,
                                **options)
        run.network.apply(client)
    except Exception as exc:  # SessionInUse, a damaged file…
        run.add("server", "failed", f"could not open the session: {exc}",
                "close the other program using this session, or log in again")
        return
    run.client = client
    await _answers(run, client)


async def _answers(run: _Run, client: Any) -> None:
    where = run.network.describe() if run.network is not None else "the session's server"
    if client.is_connected():
        run.add("server", "ok", f"{where}: connected")
        return
    outcome = await _attempt(run, client.connect)
    if isinstance(outcome, BaseException):
        run.add("server", "failed", f"{where} did not answer: {_why(outcome)}",
                "check the server address (or --test-dc), the firewall, and try a proxy")
        return
    run.add("server", "ok", f"{where} answers (MTProto handshake done)")


async def _account(run: _Run) -> None:
    client = run.client
    if client is None or not client.is_connected():
        run.add("account", "skipped", "no connection to the server")
        return
    if not run.session_ok and run.report.step("session file").status == "failed":
        run.add("account", "skipped", "no session file to be logged in with")
        return
    authorised = await _attempt(run, client.is_user_authorized)
    if authorised is not True:
        run.add("account", "failed", "this session is not logged in",
                f"log in: `tgkit login --name {run.name}` (or tgkit.connect() in a notebook)")
        return
    me = await client.get_me()
    run.account = str(me.id)
    handle = f" (@{me.username})" if getattr(me, "username", None) else ""
    run.add("account", "ok", f"logged in as id {me.id}{handle}")


def _flood_waits(run: _Run, store: Any, *, read_default: bool) -> None:
    if run.account is None:
        run.add("flood waits", "skipped", "unknown account")
        return
    waits = _stored_waits(run, store, read_default)
    if waits is None:
        run.add("flood waits", "skipped", "no store with pacing state")
        return
    now = time.time()
    running = {kind: until - now for kind, until in waits.items() if until > now}
    if not running:
        run.add("flood waits", "ok", "none running")
        return
    listed = ", ".join(f"{kind} {left:.0f} s" for kind, left in sorted(running.items()))
    run.add("flood waits", "warning", f"Telegram asked this account to wait: {listed}",
            "requests of those kinds wait that long; nothing to fix, or use another account")


def _stored_waits(run: _Run, store: Any, read_default: bool) -> dict[str, float] | None:
    from tgkit.store import Store, default_store_path

    if hasattr(store, "snapshot"):  # a session's Pacer: what it knows now
        return dict(store.snapshot().flood_waits)
    account = run.account or ""
    if store is not None and hasattr(store, "flood_waits"):
        return dict(store.flood_waits(account))
    path = Path(default_store_path(run.session_dir))
    if not read_default or not path.exists():
        return None
    try:
        with Store(path, read_only=True) as opened:
            return dict(opened.flood_waits(account))
    except Exception:
        return None


async def _attempt(run: _Run, start: Callable[[], Awaitable[Any]]) -> Any:
    """``await start()`` within the timeout; the exception instead of raising it."""
    try:
        return await asyncio.wait_for(start(), run.timeout)
    except Exception as exc:
        return exc


def _why(exc: BaseException) -> str:
    text = str(exc) or "no answer"
    if isinstance(exc, TimeoutError):
        text = "no answer in time"
    return redact(f"{type(exc).__name__}: {text}")


async def _close_stream(pair: Any) -> None:
    _, writer = pair
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()


async def _close(client: Any) -> None:
    with contextlib.suppress(Exception):
        await client.disconnect()
    session_file = getattr(client, "_tgkit_session_file", None)
    if session_file is not None:
        session_file.close()
