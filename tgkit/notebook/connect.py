"""``tgkit.connect()``: from a notebook cell to a live, queued Telegram session.

Where the session comes from, first match wins:

1. ``client=``: a Telethon client you made (``loop="kernel"`` if you already
   connected it on the kernel's loop);
2. ``sandbox=True``: the ready-made demo world of ``tgkit.sandbox`` (no
   account needed);
3. credentials: ``api_id`` / ``api_hash`` arguments, else ``TG_API_ID`` /
   ``TG_API_HASH`` in the environment, else the config file
   (``~/.config/tgkit/config.toml``, see :mod:`tgkit.credentials`);
4. nothing found: the sandbox again, with a :class:`SandboxNotice` saying so.

The first connection of an account that is not logged in shows a login
widget in the cell (:mod:`tgkit.notebook.login_widget`: phone, code, and the
two-step password in a password field; nothing echoed or kept in the
notebook). Where widgets cannot answer while the cell waits (outside
Jupyter), or given ``phone=``, it asks with ``getpass``. Credentials never
belong in a cell's source.

Calling ``connect`` again with the same name returns the same open session
(re-running a setup cell never opens the session file twice)::

    tg = tgkit.connect(sandbox=True)
    tg is tgkit.connect(sandbox=True)     # True
"""

from __future__ import annotations

import atexit
import getpass
import logging
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tgkit.credentials import Credentials, load_credentials, load_network_settings
from tgkit.errors import NotAuthorized
from tgkit.notebook.facade import Notebook
from tgkit.notebook.kernel_loop import KernelLoop
from tgkit.notebook.loop import BackgroundLoop, Runner, background_loop, on_shutdown
from tgkit.notebook.pool import Pool
from tgkit.notebook.prompts import CellPrompts
from tgkit.session import TelegramSession
from tgkit.telegram.session_file import check_session_name
from tgkit.telegram.settings import SessionConfig

__all__ = ["SandboxNotice", "connect", "open_sessions"]

logger = logging.getLogger(__name__)

Mode = Literal["sandbox", "credentials", "client"]
LOOPS = ("thread", "kernel")


class SandboxNotice(UserWarning):
    """Shown when ``connect()`` found no credentials and gives a sandbox session instead."""


@dataclass(frozen=True, slots=True)
class _Origin:
    """What a session was opened from, to tell a re-run from a conflicting call."""

    mode: Mode
    loop: str


_registry: dict[str, Notebook] = {}
_origins: dict[str, _Origin] = {}
_registry_lock = threading.RLock()


def connect(
    name: str | Sequence[str | Notebook] | None = None,
    *,
    api_id: int | str | None = None,
    api_hash: str | None = None,
    sandbox: bool = False,
    client: Any = None,
    loop: str = "thread",
    config: SessionConfig | None = None,
    session_dir: str | os.PathLike[str] | None = None,
    store: Any = None,
    phone: str | None = None,
    config_file: str | os.PathLike[str] | None = None,
    proxy: str | None = None,
    server: str | None = None,
    server_key: str | os.PathLike[str] | None = None,
    test_dc: bool | None = None,
    accounts: int | None = None,
) -> Notebook | Pool:
    """Open (or return the already open) session ``name`` for use in notebook cells.

    A list of names (``connect(["lab1", "lab2"])``) or ``accounts=N`` (with
    ``sandbox=True``) opens a :class:`~tgkit.notebook.pool.Pool` of several
    accounts instead (see :mod:`tgkit.notebook.pool_connect`).

    ``loop``: ``"thread"`` (default: tgkit's background loop) or ``"kernel"``
    (the kernel's own loop through nest-asyncio2, for a ``client`` already
    connected there). ``config``: a ``SessionConfig`` (the sandbox default
    turns pacing off: its world has no limits unless you add them).
    ``store``: True/False/path/Store (default: on; the sandbox's is a
    temporary file, gone with the process, so a stopped sandbox call resumes
    and ``tg.collections()`` works as with a real account). ``config_file``:
    where to look for credentials.
    ``proxy`` / ``server`` / ``server_key`` / ``test_dc``: the route to Telegram
    (``tgkit.telegram.network``; also from TG_PROXY etc. or the config file's
    ``[network]`` table); ``tg.doctor()`` checks it step by step.

    Example::

        tg = tgkit.connect(sandbox=True)
        tg = tgkit.connect("research")          # TG_API_ID / TG_API_HASH or config file
        pool = tgkit.connect(["lab1", "lab2"])  # several accounts as one pool
    """
    given = {"proxy": proxy, "server": server, "server_key": server_key, "test_dc": test_dc}
    if accounts is not None or not (name is None or isinstance(name, str)):
        return _connect_pool(
            name, accounts, sandbox=sandbox, api_id=api_id, api_hash=api_hash, client=client,
            loop=loop, config=config, session_dir=session_dir, store=store, phone=phone,
            config_file=config_file, network=given,
        )
    if loop not in LOOPS:
        raise ValueError(f"loop must be 'thread' or 'kernel', got {loop!r}")
    if not isinstance(sandbox, bool):
        raise TypeError(f"sandbox must be True or False, got {sandbox!r}")
    if config is not None and not isinstance(config, SessionConfig):
        raise TypeError(
            "config must be a tgkit.SessionConfig "
            f"(credentials go in config_file=), got {type(config).__name__}"
        )
    mode, credentials = _choose_mode(sandbox, client, api_id, api_hash, config_file)
    network = _network(mode, given, config_file, config)
    name = check_session_name(name if name is not None else
                              ("sandbox" if mode == "sandbox" else "default"))
    with _registry_lock:
        existing = _registry.get(name)
        if existing is not None and not existing.closed:
            _check_same(name, _origins[name], _Origin(mode, loop))
            logger.info("session %r is already open; returning it", name)
            return existing
        runner: Runner = background_loop() if loop == "thread" else KernelLoop()
        notebook = _open(
            name, mode, credentials, client, runner,
            config=config, session_dir=session_dir, store=store, phone=phone,
            network=network,
        )
        _registry[name] = notebook
        _origins[name] = _Origin(mode, loop)
        return notebook


def _connect_pool(name: Any, accounts: int | None, **options: Any) -> Pool:
    if options.pop("client") is not None or options.pop("loop") != "thread":
        raise ValueError(
            "a pool makes its own clients on tgkit's background loop: drop client= and loop="
        )
    if options.pop("phone") is not None:
        raise ValueError("a pool asks each account's phone number when it logs in: drop phone=")
    if config := options.get("config"):
        if not isinstance(config, SessionConfig):
            raise TypeError(f"config must be a tgkit.SessionConfig, got {config!r}")
    from tgkit.notebook.pool_connect import connect_pool

    return connect_pool(name, count=accounts, **options)


def open_sessions() -> dict[str, Notebook]:
    """The sessions ``connect()`` has open in this process, by name."""
    with _registry_lock:
        return {name: nb for name, nb in _registry.items() if not nb.closed}


def _choose_mode(
    sandbox: bool,
    client: Any,
    api_id: int | str | None,
    api_hash: str | None,
    config_file: str | os.PathLike[str] | None,
) -> tuple[Mode, Credentials | None]:
    if client is not None:
        if sandbox or api_id is not None or api_hash is not None:
            raise ValueError("pass client= alone, without sandbox= or api_id/api_hash")
        return "client", None
    if sandbox:
        if api_id is not None or api_hash is not None:
            raise ValueError("sandbox=True needs no api_id/api_hash; drop one or the other")
        return "sandbox", None
    path = Path(config_file).expanduser() if config_file is not None else None
    credentials = load_credentials(api_id, api_hash, config_path=path)
    if credentials is None:
        warnings.warn(
            SandboxNotice(
                "no Telegram credentials found (api_id/api_hash arguments, TG_API_ID/"
                "TG_API_HASH, or ~/.config/tgkit/config.toml), so this is a SANDBOX session "
                "on a simulated Telegram. To use your account, get an api_id and api_hash at "
                "https://my.telegram.org and set TG_API_ID and TG_API_HASH (README: "
                "'In a notebook')."
            ),
            stacklevel=3,
        )
        return "sandbox", None
    return "credentials", credentials


def _network(
    mode: Mode, given: dict[str, Any], config_file: str | os.PathLike[str] | None,
    config: SessionConfig | None = None,
) -> dict[str, Any]:
    """The network settings of a credentials session (none elsewhere: checked here).

    A route in ``config`` is used instead of the environment's and the config file's.
    """
    if mode != "credentials":
        if any(value not in (None, False) for value in given.values()):
            raise ValueError(
                "proxy/server/test_dc apply to a session tgkit creates from credentials: "
                "the sandbox runs in process, and a client= brings its own connection"
            )
        return {}
    if config is not None and not config.network.is_default:
        # the route of the config, not the environment's; a second one given is refused
        return {key: value for key, value in given.items() if value is not None}
    path = Path(config_file).expanduser() if config_file is not None else None
    return load_network_settings(given, config_path=path)


def _check_same(name: str, before: _Origin, now: _Origin) -> None:
    if before != now:
        raise ValueError(
            f"a session named {name!r} is already open ({before.mode}, loop={before.loop!r}); "
            f"close it with .close() first, or pass another name to open a {now.mode} session"
        )


def _open(
    name: str,
    mode: Mode,
    credentials: Credentials | None,
    client: Any,
    runner: Runner,
    *,
    config: SessionConfig | None,
    session_dir: str | os.PathLike[str] | None,
    store: Any,
    phone: str | None,
    network: dict[str, Any],
) -> Notebook:
    world = None
    if mode == "client" and isinstance(runner, BackgroundLoop) and client.is_connected():
        raise ValueError(
            "this client is already connected on another event loop (the kernel's, most "
            'likely): pass loop="kernel" to use it there, or pass a client that is not '
            "connected yet"
        )

    async def build() -> TelegramSession:
        nonlocal world
        if mode == "sandbox":
            from tgkit.sandbox import demo_world

            world, me = demo_world()
            return TelegramSession.sandbox(
                world, me, name=name,
                config=config if config is not None else SessionConfig(pacing=False),
                store=_sandbox_store(name) if store is None else store,
            )
        if mode == "client":
            return TelegramSession(
                name, client=client, config=config, store=True if store is None else store
            )
        assert credentials is not None
        return TelegramSession(
            name, credentials.api_id, credentials.api_hash, config=config,
            session_dir=session_dir, store=True if store is None else store, **network,
        )

    session = runner.run(build())
    _connect_or_login(session, runner, phone)
    # Disconnect cleanly at interpreter exit (the kernel's own loop is gone by then).
    undo = on_shutdown(session.disconnect) if isinstance(runner, BackgroundLoop) else None
    return Notebook(session, runner, world=world, on_close=lambda nb: _forget(nb, undo))


def _connect_or_login(session: TelegramSession, runner: Runner, phone: str | None) -> None:
    __tracebackhide__ = True
    try:
        runner.run(session.connect())
        return
    except NotAuthorized:
        logger.info("session %r is not logged in; starting the login", session.name)
    if phone is None and _login_with_widget(session, runner):
        return
    phone = phone or os.environ.get("TG_PHONE") or getpass.getpass(
        "Phone number of the account (international form, e.g. +44 7700 900123): "
    )
    prompts = CellPrompts(runner.loop)
    call = runner.spawn(
        session.login(
            phone,
            prompts.prompt("The login code Telegram just sent you: "),
            prompts.prompt("Your two-step verification password: "),
        )
    )
    runner.wait(call, tick=prompts.answer_pending)


def _sandbox_store(name: str) -> str:
    """A temporary store for a sandbox session (its world lives only in this process)."""
    folder = tempfile.mkdtemp(prefix=f"tgkit-sandbox-{name}-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return os.path.join(folder, "tgkit.db")


def _login_with_widget(session: TelegramSession, runner: Runner) -> bool:
    """In a kernel that answers widgets while a cell waits: log in with the login widget."""
    from tgkit.notebook.comms import subshell_id

    if subshell_id() is None:
        return False
    from IPython.display import display

    from tgkit.notebook.login_widget import LoginWidget

    login = LoginWidget(session, runner)
    display(login.widget)
    login.wait()
    return True


def _forget(notebook: Notebook, undo_shutdown: Callable[[], None] | None) -> None:
    with _registry_lock:
        if _registry.get(notebook.name) is notebook:
            del _registry[notebook.name]
            del _origins[notebook.name]
    if undo_shutdown is not None:
        undo_shutdown()
