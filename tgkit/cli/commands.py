"""The subcommands: ``run_operation`` serves every catalogue operation; the rest by hand.

``run_operation`` checks the arguments through the operation's definition,
then opens the session (sandbox or account), runs it with a progress bar on a
terminal, and writes the result (``-o``, pseudonymised with a key file, as a
data package with ``--package``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tgkit.cli import output
from tgkit.cli.doctor import network_settings
from tgkit.credentials import Credentials, default_session_dir, load_credentials
from tgkit.errors import NotAuthorized
from tgkit.session import TelegramSession
from tgkit.store import Store, StoreError, check_store_path, default_store_path
from tgkit.telegram.catalogue import Arguments, OperationSpec
from tgkit.telegram.checks import writable_folder
from tgkit.telegram.operations import CATALOGUE
from tgkit.telegram.settings import SessionConfig


@dataclass
class RunState:
    """What the running command has started, so an interruption can say what was saved."""

    store_path: Path | None = None
    handle: Any = None  # the running operation's handle (any kind)
    world: Any = None  # the sandbox World, when --sandbox


def store_path_for(args: argparse.Namespace) -> Path:
    """The store this run writes to."""
    if args.store is not None:
        return Path(args.store)
    return Path(default_store_path(args.session_dir))


@asynccontextmanager
async def open_session(args: argparse.Namespace, state: RunState) -> AsyncIterator[TelegramSession]:
    """A connected session on the sandbox or on the account named by ``--name``."""
    state.store_path = store_path_for(args)
    route = network_settings(args)  # checked before anything opens
    if args.sandbox:
        session = _sandbox_session(state)
    else:
        session = _account_session(args, state.store_path, route)
    async with session:
        yield session


def _sandbox_session(state: RunState) -> TelegramSession:
    from tgkit.sandbox import demo_world

    world, me = demo_world()
    state.world = world
    return TelegramSession.sandbox(
        world, me, config=SessionConfig(pacing=False), store=state.store_path
    )


def _credentials() -> Credentials:
    creds = load_credentials()
    if creds is None:
        raise NotAuthorized(
            "no Telegram API credentials: set TG_API_ID and TG_API_HASH (from "
            "my.telegram.org) or write ~/.config/tgkit/config.toml, then run "
            "`tgkit login`; or add --sandbox to try tgkit without an account"
        )
    return creds


def _account_session(
    args: argparse.Namespace, store_path: Path, route: dict[str, Any]
) -> TelegramSession:
    creds = _credentials()
    return TelegramSession(
        args.name,
        creds.api_id,
        creds.api_hash,
        session_dir=args.session_dir or default_session_dir(),
        store=store_path,
        **route,
    )


async def run_login(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Interactive login: the code and the 2FA password are asked for, never echoed.

    With ``--sandbox`` it walks through the same flow on the demo world, which
    shows the code it "sent" (the demo researcher's phone is +15550001234).
    """
    route = network_settings(args)
    if args.sandbox:
        return await _sandbox_login(args)
    creds = _credentials()
    session_dir = args.session_dir or default_session_dir()
    session = TelegramSession(
        args.name, creds.api_id, creds.api_hash, session_dir=session_dir, store=False, **route
    )
    phone = args.phone or await _ask("Phone number (international format): ")
    await session.login(
        phone,
        code_callback=lambda: _ask("Login code Telegram sent you: "),
        password_callback=lambda: _ask("Two-step verification password: "),
    )
    await session.disconnect()
    return {"logged_in": True, "session": args.name, "session_dir": str(session_dir)}


async def _sandbox_login(args: argparse.Namespace) -> dict[str, Any]:
    from tgkit.sandbox import demo_world

    world, researcher = demo_world()
    session = TelegramSession.sandbox(world, None, name="sandbox")
    asked = args.phone or await _ask("Phone number (Enter for the demo researcher's): ")
    phone: str = asked or researcher.phone or ""

    async def code() -> str:
        print(f"(sandbox) the code sent is {world.login_code(phone)}", file=sys.stderr)
        return await _ask("Login code: ")

    await session.login(phone, code, lambda: _ask("Two-step verification password: "))
    me = await session.client.get_me()
    await session.disconnect()
    return {"logged_in": True, "session": "sandbox", "account": f"@{me.username}"}


async def _ask(prompt: str) -> str:
    """Ask without echoing, off the event loop (getpass blocks); "" at end of input."""
    try:
        return await asyncio.to_thread(getpass.getpass, prompt)
    except EOFError:
        return ""


async def run_operation(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Any operation of the catalogue: check everything, then open the session and run it.

    The subcommand's arguments are the operation's parameters (see
    ``tgkit.cli.parser``); they are checked by the operation's own
    definition before the session (or anything else) is opened.
    """
    spec = CATALOGUE.get(args.operation)
    values = {p.name: getattr(args, p.name) for p in spec.params if p.cli}
    checked = spec.check(**values)
    timeout = args.timeout
    output_path = getattr(args, "output", None)
    if getattr(args, "package", False) and output_path is None:
        raise ValueError("--package describes the output file: give one with -o FILE")
    if spec.frames:
        _check_folder(output_path)
    else:
        output.check_output_path(output_path)
    key = output.read_key_file(getattr(args, "pseudonymize_key_file", None))
    check_store_path(store_path_for(args))  # a damaged, foreign or read-only store: say so now
    async with open_session(args, state) as session:
        world = state.world
        if world is not None and spec.live:
            for target in checked["targets"]:  # the sandbox's chats are quiet until told
                try:
                    world.start_activity(target.display, messages_per_second=2.0)
                except KeyError:  # no such chat: resolving it says so (ChatNotFound)
                    pass
        try:
            handle = session.submit(spec, checked, timeout=timeout)
            result = await _follow(
                session, handle, state, _description(spec, checked), spec.unit
            )
        finally:
            if world is not None and spec.live:
                world.stop_activity()
    if callable(getattr(result, "frames", None)):
        return _finish_frames(result.frames(), output_path, key)
    if not isinstance(result, pd.DataFrame):
        return {"result": repr(result)}
    return _finish(result, output_path, key, package=getattr(args, "package", False))


def _check_folder(folder: Path | None) -> None:
    """Refuse an ``-o`` that is not a folder tgkit can create, before any request."""
    if folder is None:
        return
    if folder.suffix.lower() in (".csv", ".parquet") or (folder.exists() and not folder.is_dir()):
        raise ValueError(f"--output {folder}: this operation writes several files; "
                         "give a folder (it is created if needed)")
    if not folder.parent.exists():
        raise ValueError(f"--output {folder}: the folder {folder.parent} does not exist")
    writable_folder(folder, "--output")


def _finish_frames(
    frames: dict[str, pd.DataFrame], folder: Path | None, key: bytes | None
) -> dict[str, Any]:
    """A result of several named frames: each to ``FOLDER/<name>.parquet`` (``-o FOLDER``)."""
    summary: dict[str, Any] = {name: {"rows": len(frame)} for name, frame in frames.items()}
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in frames.items():
            output.write_frame(frame, folder / f"{name}.parquet", key)
            summary[name]["output"] = str(folder / f"{name}.parquet")
    return summary


async def run_collections(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Print what the store holds (read-only: a store on a read-only share lists too)."""
    path = store_path_for(args)
    if not path.exists():
        if not args.json:
            print(f"the store holds no collections (there is no store at {path} yet)")
        return {"collections": []} if args.json else {}
    with Store(path, read_only=True) as store:
        table = store.collections()
    if not args.json:
        print(table.to_string(index=False) if len(table) else "the store holds no collections")
    return {"collections": table.to_dict(orient="records")} if args.json else {}


async def run_export(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Write one stored collection to a file."""
    output.check_output_path(args.output)
    key = output.read_key_file(args.pseudonymize_key_file)
    path = store_path_for(args)
    if not path.exists():
        raise ValueError(
            f"collection {args.collection} is not in the store: there is no store at {path}"
        )
    with Store(path, read_only=True) as store:
        try:
            store.collection(args.collection)
        except StoreError:
            raise ValueError(
                f"collection {args.collection} is not in the store; `tgkit collections` lists them"
            ) from None
        frame = store.frame(args.collection)
    return _finish(frame, args.output, key, package=args.package)


def _description(spec: OperationSpec, args: Arguments) -> str:
    targets = args.get("targets") or (args.get("target"),)
    return f"{spec.unit} of " + ", ".join(t.display for t in targets if t is not None)


async def _follow(
    session: TelegramSession, handle: Any, state: RunState, description: str, unit: str = "items"
) -> Any:
    state.handle = handle
    bar = output.progress_bar(description, unit)
    if bar is None:
        return await handle
    operation = getattr(handle, "operation", handle)  # a live handle wraps the operation's

    def on_event(event: Any) -> None:
        if event.operation.id == operation.id and event.type == "progress":
            bar.feed(event.operation.progress.done, event.operation.progress.total)
            bar.draw()  # the command runs on the loop's own thread

    unsubscribe = session.subscribe(on_event)
    try:
        return await handle
    finally:
        unsubscribe()
        bar.close()


async def run_describe(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Print the methods statement of a data package (what its provenance holds)."""
    from tgkit.provenance import describe

    text, table = describe(args.path)
    if not args.json:
        print(text)
        print()
        print(table.to_string(index=False))
        return {}
    return {"statement": text, "table": table.to_dict(orient="records")}


def _finish(
    frame: pd.DataFrame, path: Path | None, key: bytes | None, *, package: bool = False
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "rows": len(frame),
        "target": frame.attrs.get("target"),
        "reported_total": frame.attrs.get("reported_total"),
        "coverage": frame.attrs.get("coverage"),
        "sources": frame.attrs.get("sources"),
        "collection_id": frame.attrs.get("collection_id"),
    }
    if path is not None:
        try:
            output.write_frame(frame, path, key, package=package)
        except OSError as exc:  # a full disk, a share gone: the rows are in the store
            collection = frame.attrs.get("collection_id")
            kept = (f"; the {len(frame)} rows are kept in the store (`tgkit export "
                    f"{collection} -o FILE` writes them elsewhere)" if collection else "")
            raise OSError(exc.errno, f"{exc.strerror} writing {path}{kept}") from exc
        summary["output"] = str(path)
    return summary
