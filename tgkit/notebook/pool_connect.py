"""``tgkit.connect([...])``: several accounts as one pool, checked before anything connects.

What the accounts are, one of:

- names (``["lab1", "lab2"]``): real accounts with the credentials
  ``connect()`` finds (arguments, ``TG_API_ID``/``TG_API_HASH``, the config
  file), each on its own session file; with ``sandbox=True``, researcher
  accounts of one sandbox world (``tgkit.sandbox.researchers``);
- ``sandbox=True, accounts=3``: the same, named ``sandbox1`` .. ``sandbox3``;
- notebooks ``connect()`` opened (``[tgkit.connect("a"), tgkit.connect("b")]``):
  their sessions, which stay theirs (closing the pool leaves them open).

Bad input raises before any account connects, and a failure while
connecting (an account not logged in that cannot log in, a network error)
disconnects the accounts already connected: no account is left
half-connected. Refused: duplicate names, an account already open in this
process, a session file another process holds (``SessionInUse``), a mix of
sandbox and real accounts (or of two sandbox worlds). Calling ``connect``
again with the same accounts returns the same open pool.
"""

from __future__ import annotations

import getpass
import os
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tgkit.credentials import Credentials, load_credentials
from tgkit.errors import NotAuthorized
from tgkit.notebook.connect import SandboxNotice, _connect_or_login, _network, open_sessions
from tgkit.notebook.facade import Notebook
from tgkit.notebook.loop import BackgroundLoop, background_loop, on_shutdown
from tgkit.notebook.pool import Pool
from tgkit.session import TelegramSession
from tgkit.telegram.checks import whole_number
from tgkit.telegram.session_file import check_session_name
from tgkit.telegram.settings import SessionConfig

__all__ = ["connect_pool", "open_pools"]

_pools: dict[tuple[str, ...], Pool] = {}
_origins: dict[tuple[str, ...], str] = {}
_lock = threading.RLock()


def connect_pool(
    accounts: Sequence[str | Notebook] | None,
    *,
    count: int | None = None,
    sandbox: bool = False,
    api_id: int | str | None = None,
    api_hash: str | None = None,
    config: SessionConfig | None = None,
    session_dir: str | os.PathLike[str] | None = None,
    store: Any = None,
    config_file: str | os.PathLike[str] | None = None,
    network: dict[str, Any] | None = None,
) -> Pool:
    """Open (or return the open) pool of ``accounts``; see the module for what they may be."""
    items = _items(accounts, count, sandbox)
    if all(isinstance(item, Notebook) for item in items):
        if sandbox or api_id is not None or api_hash is not None:
            raise ValueError(
                "a pool of open notebooks takes their sessions as they are: drop sandbox=, "
                "api_id= and api_hash="
            )
        return _pool_of_notebooks([item for item in items if isinstance(item, Notebook)])
    names = [str(item) for item in items]
    mode, credentials = _mode(sandbox, api_id, api_hash, config_file)
    route = _network(mode, dict(network or {}), config_file, config)  # type: ignore[arg-type]
    key = tuple(names)
    with _lock:
        existing = _pools.get(key)
        if existing is not None and not existing.closed:
            if _origins[key] != mode:
                raise ValueError(
                    f"the pool {existing.name!r} is already open ({_origins[key]}); close it "
                    "with .close() first to open it as a " + mode + " pool"
                )
            return existing
        _check_not_open(names)
        pool = _open(names, mode, credentials, config, session_dir, store, route)
        _pools[key] = pool
        _origins[key] = mode
        return pool


def open_pools() -> dict[str, Pool]:
    """The pools ``connect([...])`` has open in this process, by name."""
    with _lock:
        return {pool.name: pool for pool in _pools.values() if not pool.closed}


def _items(
    accounts: Sequence[str | Notebook] | None, count: int | None, sandbox: bool
) -> list[str | Notebook]:
    if count is not None:
        whole = whole_number(count)  # NumPy integers too
        if whole is None or whole < 1:
            raise ValueError(f"accounts must be a number of accounts (1 or more), got {count!r}")
        count = whole
    if accounts is None:
        if count is None:
            raise ValueError("name the accounts (connect(['lab1', 'lab2'])) or give accounts=N")
        if not sandbox:
            raise ValueError(
                "accounts=N makes N sandbox accounts: pass sandbox=True, or name your real "
                "accounts: connect(['lab1', 'lab2'])"
            )
        return [f"sandbox{n}" for n in range(1, count + 1)]
    if isinstance(accounts, str | bytes) or not isinstance(accounts, Sequence):
        raise TypeError(
            f"accounts must be a list of account names or notebooks, got {accounts!r}"
        )
    items = list(accounts)
    if not items:
        raise ValueError("a pool needs at least one account: connect(['lab1', 'lab2'])")
    if count is not None and count != len(items):
        raise ValueError(
            f"accounts={count} but {len(items)} accounts are named; give one or the other"
        )
    kinds = {isinstance(item, Notebook) for item in items}
    if len(kinds) > 1:
        raise TypeError("pass account names or open notebooks (tgkit.connect(...)), not both")
    if False in kinds:
        for item in items:
            if not isinstance(item, str):
                raise TypeError(f"an account is a name such as 'lab1', got {item!r}")
            check_session_name(item)
    names = [item.name if isinstance(item, Notebook) else item for item in items]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(
            f"the account {duplicates[0]!r} is named twice; each account of a pool needs its "
            "own name (and its own session file)"
        )
    return items


def _mode(
    sandbox: bool, api_id: int | str | None, api_hash: str | None,
    config_file: str | os.PathLike[str] | None,
) -> tuple[str, Credentials | None]:
    if sandbox:
        if api_id is not None or api_hash is not None:
            raise ValueError(
                "sandbox=True makes sandbox accounts, which need no api_id/api_hash; a pool "
                "cannot mix sandbox and real accounts: drop one or the other"
            )
        return "sandbox", None
    path = Path(config_file).expanduser() if config_file is not None else None
    credentials = load_credentials(api_id, api_hash, config_path=path)
    if credentials is None:
        warnings.warn(
            SandboxNotice(
                "no Telegram credentials found (api_id/api_hash arguments, TG_API_ID/"
                "TG_API_HASH, or ~/.config/tgkit/config.toml), so this pool is made of "
                "SANDBOX accounts on a simulated Telegram."
            ),
            stacklevel=4,
        )
        return "sandbox", None
    return "credentials", credentials


def _check_not_open(names: Sequence[str]) -> None:
    busy = {name for name in open_sessions()}
    for pool in open_pools().values():
        busy.update(pool.accounts)
    for name in names:
        if name in busy:
            raise ValueError(
                f"the account {name!r} is already open in this kernel (tgkit.connect or another "
                "pool): close that first, or pass its notebook: connect([tg, ...])"
            )


def _pool_of_notebooks(notebooks: list[Notebook]) -> Pool:
    for notebook in notebooks:
        if notebook.closed:
            raise ValueError(f"the notebook {notebook.name!r} is closed; connect it again first")
        if not isinstance(notebook.runner, BackgroundLoop):
            raise ValueError(
                f"the notebook {notebook.name!r} runs on the kernel's loop (loop='kernel'); a "
                "pool runs on tgkit's background loop: connect it with the default loop"
            )
    worlds = {id(nb.world) for nb in notebooks if nb.world is not None}
    if worlds and len(worlds) != len({id(nb.world) for nb in notebooks}):
        kinds = ", ".join(
            f"{nb.name!r} ({'sandbox' if nb.world else 'Telegram'})" for nb in notebooks
        )
        raise ValueError(f"a pool cannot mix sandbox and real accounts: {kinds}")
    if len(worlds) > 1:
        raise ValueError(
            "these sandbox notebooks live in different simulated worlds, so their accounts "
            "cannot share work: use tgkit.connect(sandbox=True, accounts=N) for one world"
        )
    from tgkit.manager import SessionManager

    runner = background_loop()
    sessions = [nb.session for nb in notebooks]
    name = "+".join(nb.name for nb in notebooks)

    async def start() -> Any:
        return await SessionManager(sessions, name=name).start()

    manager = runner.run(start())
    return Pool(manager, runner, world=notebooks[0].world)


def _open(
    names: list[str],
    mode: str,
    credentials: Credentials | None,
    config: SessionConfig | None,
    session_dir: str | os.PathLike[str] | None,
    store: Any,
    route: dict[str, Any],
) -> Pool:
    runner = background_loop()
    world: Any = None
    researchers: list[Any] = []
    scratch: tempfile.TemporaryDirectory[str] | None = None
    if mode == "sandbox":
        from tgkit.sandbox.researchers import demo_pool_world

        world, researchers = demo_pool_world(len(names))
        if store is None:  # a store, so work moved between accounts resumes where it was
            scratch = tempfile.TemporaryDirectory(prefix="tgkit-pool-")
            store = Path(scratch.name) / "tgkit.db"
    sessions = runner.run(_build(names, mode, credentials, world, researchers, config,
                                 session_dir, store, route))
    try:
        _hold_session_files(sessions, runner)
        for session in sessions:
            _connect(session, runner)
        manager = runner.run(_start_manager(sessions, "+".join(names)))
    except BaseException:
        runner.run(_disconnect_all(sessions))
        if scratch is not None:
            scratch.cleanup()
        raise
    closing = _Closing(manager, sessions)
    undo = on_shutdown(closing)
    pool = Pool(manager, runner, world=world, researchers=researchers, owned=sessions,
                on_close=lambda p: _forget(p, tuple(names), undo, scratch))
    return pool


async def _build(
    names: list[str], mode: str, credentials: Credentials | None, world: Any,
    researchers: list[Any], config: SessionConfig | None,
    session_dir: str | os.PathLike[str] | None, store: Any, route: dict[str, Any],
) -> list[TelegramSession]:
    if mode == "sandbox":
        config = config if config is not None else SessionConfig(pacing=False)
        return [
            TelegramSession.sandbox(world, user, name=name, config=config,
                                    store=False if store is None else store)
            for name, user in zip(names, researchers, strict=True)
        ]
    assert credentials is not None
    return [
        TelegramSession(name, credentials.api_id, credentials.api_hash, config=config,
                        session_dir=session_dir, store=True if store is None else store, **route)
        for name in names
    ]


def _hold_session_files(sessions: list[TelegramSession], runner: BackgroundLoop) -> None:
    """Open every account's session file (its lock) before any account connects.

    ``SessionInUse`` for the first one another process (or client) holds.
    """
    async def hold(session: TelegramSession) -> None:
        session.client  # noqa: B018 - creates the client: takes the file's lock

    for session in sessions:
        runner.run(hold(session))


def _connect(session: TelegramSession, runner: BackgroundLoop) -> None:
    try:
        runner.run(session.connect())
        return
    except NotAuthorized:
        pass
    phone = getpass.getpass(
        f"Phone number of the account {session.name!r} (international form, +44 ...): "
    )
    _connect_or_login(session, runner, phone)


async def _start_manager(sessions: list[TelegramSession], name: str) -> Any:
    from tgkit.manager import SessionManager

    return await SessionManager(sessions, name=name).start()


async def _disconnect_all(sessions: Sequence[TelegramSession]) -> None:
    for session in sessions:
        try:
            await session.disconnect()
        except Exception:  # closing after a failure: keep closing the others
            pass


class _Closing:
    """Close a pool's manager and sessions at interpreter exit."""

    def __init__(self, manager: Any, sessions: Sequence[TelegramSession]) -> None:
        self.manager, self.sessions = manager, sessions

    async def __call__(self) -> None:
        await self.manager.close()
        await _disconnect_all(self.sessions)


def _forget(pool: Pool, key: tuple[str, ...], undo: Any, scratch: Any) -> None:
    with _lock:
        if _pools.get(key) is pool:
            del _pools[key]
            del _origins[key]
    undo()
    if scratch is not None:
        scratch.cleanup()
