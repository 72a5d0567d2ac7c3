"""The subcommands: each opens a session, runs one operation and reports."""

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
from tgkit.core import OperationHandle, SessionConfig
from tgkit.credentials import Credentials, default_session_dir, load_credentials
from tgkit.errors import NotAuthorized
from tgkit.session import TelegramSession
from tgkit.store import Store, StoreError, default_store_path
from tgkit.telegram.targets import parse_target


@dataclass
class RunState:
    """What the running command has started, so an interruption can say what was saved."""

    store_path: Path | None = None
    handle: OperationHandle | None = None
    world: Any = None  # the sandbox World, when --sandbox


def store_path_for(args: argparse.Namespace) -> Path:
    """The store this run writes to."""
    if args.store is not None:
        return args.store
    return Path(default_store_path(args.session_dir))


@asynccontextmanager
async def open_session(args: argparse.Namespace, state: RunState) -> AsyncIterator[TelegramSession]:
    """A connected session on the sandbox or on the account named by ``--name``."""
    state.store_path = store_path_for(args)
    if args.sandbox:
        session = _sandbox_session(state)
    else:
        session = _account_session(args, state.store_path)
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


def _account_session(args: argparse.Namespace, store_path: Path) -> TelegramSession:
    creds = _credentials()
    return TelegramSession(
        args.name,
        creds.api_id,
        creds.api_hash,
        session_dir=args.session_dir or default_session_dir(),
        store=store_path,
    )


async def run_login(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Interactive login: the code and the 2FA password are asked for, never echoed.

    With ``--sandbox`` it walks through the same flow on the demo world, which
    shows the code it "sent" (the demo researcher's phone is +15550001234).
    """
    if args.sandbox:
        return await _sandbox_login(args)
    creds = _credentials()
    session_dir = args.session_dir or default_session_dir()
    session = TelegramSession(
        args.name, creds.api_id, creds.api_hash, session_dir=session_dir, store=False
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
    phone = asked or researcher.phone

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


async def run_members(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Collect members, optionally joining first."""
    parse_target(args.target)
    output.check_output_path(args.output)
    key = output.read_key_file(args.pseudonymize_key_file)
    async with open_session(args, state) as session:
        if args.join:
            handle = session.join_and_scrape_members(args.target, max_members=args.max_members)
        else:
            handle = session.scrape_group_members(
                args.target,
                max_members=args.max_members,
                fallback_to_messages=args.fallback_to_messages,
                message_days_back=args.message_days_back,
                resume=args.resume,
            )
        frame = await _follow(session, handle, state, f"members of {args.target}")
    return _finish(frame, args.output, key)


async def run_messages(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Collect message history in a date window."""
    parse_target(args.target)
    if args.until is not None and args.since is None:
        raise ValueError("--until needs --since (or use --days N for the last N days)")
    output.check_output_path(args.output)
    key = output.read_key_file(args.pseudonymize_key_file)
    async with open_session(args, state) as session:
        handle = session.scrape_messages(
            args.target,
            days_back=args.days_back,
            since=args.since,
            until=args.until,
            limit=args.limit,
            resume=args.resume,
        )
        frame = await _follow(session, handle, state, f"messages of {args.target}")
    return _finish(frame, args.output, key)


async def run_monitor(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Record new messages in the chats for ``--minutes``."""
    for target in args.targets:
        parse_target(target)
    output.check_output_path(args.output)
    key = output.read_key_file(args.pseudonymize_key_file)
    async with open_session(args, state) as session:
        world = state.world
        if world is not None:
            for target in args.targets:
                world.start_activity(target, messages_per_second=2.0)
        try:
            handle = session.monitor(args.targets, duration=args.minutes * 60)
            state.handle = handle
            frame = await handle
        finally:
            if world is not None:
                world.stop_activity()
    return _finish(frame, args.output, key)


async def run_collections(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Print what the store holds."""
    with Store(store_path_for(args)) as store:
        table = store.collections()
    if not args.json:
        print(table.to_string(index=False) if len(table) else "the store holds no collections")
    return {"collections": table.to_dict(orient="records")} if args.json else {}


async def run_export(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Write one stored collection to a file."""
    output.check_output_path(args.output)
    key = output.read_key_file(args.pseudonymize_key_file)
    with Store(store_path_for(args)) as store:
        try:
            store.collection(args.collection)
        except StoreError:
            raise ValueError(
                f"collection {args.collection} is not in the store; `tgkit collections` lists them"
            ) from None
        frame = store.frame(args.collection)
    return _finish(frame, args.output, key)


async def _follow(
    session: TelegramSession, handle: OperationHandle, state: RunState, description: str
) -> pd.DataFrame:
    state.handle = handle
    bar = output.progress_bar(description)
    if bar is None:
        return await handle

    def on_event(event: Any) -> None:
        if event.operation.id == handle.id and event.type == "progress":
            bar.feed(event.operation.progress.done, event.operation.progress.total)
            bar.draw()  # the command runs on the loop's own thread

    unsubscribe = session.subscribe(on_event)
    try:
        return await handle
    finally:
        unsubscribe()
        bar.close()


def _finish(frame: pd.DataFrame, path: Path | None, key: bytes | None) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "rows": len(frame),
        "target": frame.attrs.get("target"),
        "reported_total": frame.attrs.get("reported_total"),
        "coverage": frame.attrs.get("coverage"),
        "sources": frame.attrs.get("sources"),
        "collection_id": frame.attrs.get("collection_id"),
    }
    if path is not None:
        output.write_frame(frame, path, key)
        summary["output"] = str(path)
    return summary
