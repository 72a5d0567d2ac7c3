"""The ``tgkit`` command: collections from a terminal or a scheduled job.

Example::

    tgkit members @some_group -o members.parquet        # a real account
    tgkit members @big_public_group --sandbox --json    # the built-in sandbox
    tgkit demo                                          # the whole job on the sandbox
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from tgkit.cli.exitcodes import ExitCode, exit_code_for
from tgkit.cli.parser import build_parser

__all__ = ["ExitCode", "main"]

Command = Callable[[Any, Any], Coroutine[Any, Any, dict[str, Any]]]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``ExitCode``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="tgkit: %(message)s")
    from tgkit.cli import commands, output

    state = commands.RunState()
    try:
        summary: dict[str, Any] = asyncio.run(_command(args.command)(args, state))
    except KeyboardInterrupt as exc:
        print(_interrupted_message(state), file=sys.stderr)
        return exit_code_for(exc)
    except Exception as exc:
        code = exit_code_for(exc)
        if code is ExitCode.FAILED:
            raise
        print(f"tgkit {args.command}: {exc}", file=sys.stderr)
        if code is ExitCode.INTERRUPTED:
            print(_interrupted_message(state), file=sys.stderr)
        return code
    code = ExitCode(summary.pop("exit_code", ExitCode.OK))  # e.g. doctor: a step failed
    output.print_summary(summary, as_json=args.json)
    return code


def _command(name: str) -> Command:
    from tgkit.cli import commands, demo, doctor, track

    table: dict[str, Command] = {
        "login": commands.run_login,
        "collections": commands.run_collections,
        "export": commands.run_export,
        "describe": commands.run_describe,
        "demo": demo.run_demo,
        "doctor": doctor.run_doctor,
        "track": track.run_track,
    }
    return table.get(name, commands.run_operation)


def _interrupted_message(state: Any) -> str:
    handle = state.handle
    if handle is None:
        return "interrupted before any data was collected"
    partial = handle.partial
    rows = len(partial) if hasattr(partial, "__len__") else "some"
    collection = getattr(partial, "attrs", {}).get("collection_id")
    where = str(state.store_path)
    if collection:
        where = f"collection {collection} in {where}"
    return (
        f"interrupted: {rows} rows were saved in {where}; "
        "run the same command again to resume, or `tgkit export` to write them out"
    )
