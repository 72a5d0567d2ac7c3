"""The ``tgkit`` command: collections from a terminal or a scheduled job.

Example::

    tgkit members @some_group -o members.parquet        # a real account
    tgkit members @big_public_group --sandbox --json    # the built-in sandbox
    tgkit demo                                          # the whole job on the sandbox

Whatever a user can cause (a bad argument, a refusal, a full disk, a store
in use) ends in one line on stderr and an exit code (``ExitCode``); Ctrl-C
and SIGTERM both stop the run with what was collected saved (exit 5). Only
a bug in tgkit prints a traceback, with a line asking to report it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import traceback
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from tgkit.cli.exitcodes import ExitCode, exit_code_for
from tgkit.cli.parser import build_parser

__all__ = ["ExitCode", "main"]

Command = Callable[[Any, Any], Coroutine[Any, Any, dict[str, Any]]]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``ExitCode``).

    Called as the process's command (``argv`` None), a signal that arrives
    after the run ended is ignored: the process is only exiting by then.
    """
    from tgkit.cli.commands import RunState

    state = RunState()
    previous = _sigterm_interrupts()
    try:
        return _main(argv, state)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM outside the event loop
        print(_interrupted_message(state), file=sys.stderr)
        return ExitCode.INTERRUPTED
    finally:
        _after_run(previous, ending=argv is None)


def _main(argv: Sequence[str] | None, state: Any) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="tgkit: %(message)s")
    from tgkit.cli import output

    try:
        summary = asyncio.run(_with_sigterm(_command(args.command), args, state))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print(_interrupted_message(state), file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as exc:
        return _failed(args.command, exc, state)
    code = ExitCode(summary.pop("exit_code", ExitCode.OK))  # e.g. doctor: a step failed
    try:
        output.print_summary(summary, as_json=args.json)
    except BrokenPipeError:  # `tgkit ... | head`: the reader left, nothing to tell it
        pass
    return code


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _sigterm_interrupts() -> Any:
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does; the previous handler, or None."""
    try:
        return signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:  # not the main thread
        return None


def _after_run(previous: Any, *, ending: bool) -> None:
    try:
        if ending:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        elif previous is not None:
            signal.signal(signal.SIGTERM, previous)
    except ValueError:  # not the main thread
        pass


async def _with_sigterm(command: Command, args: Any, state: Any) -> dict[str, Any]:
    """Run ``command``; a SIGTERM cancels it as Ctrl-C does (partial data saved).

    Ctrl-C first cancels the running operation on behalf of "ctrl-c" (its
    ``Cancelled.by``), then asyncio's own handler cancels the run.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    try:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
        return await command(args, state)
    on_sigint = signal.getsignal(signal.SIGINT)
    if callable(on_sigint):  # asyncio.run's handler: it cancels the run

        def ctrl_c(signum: int, frame: Any) -> None:
            _cancel_running(state, "ctrl-c")
            on_sigint(signum, frame)

        signal.signal(signal.SIGINT, ctrl_c)
    try:
        return await command(args, state)
    finally:
        if callable(on_sigint):
            signal.signal(signal.SIGINT, on_sigint)
        loop.remove_signal_handler(signal.SIGTERM)  # leaves SIG_DFL: interrupt again
        signal.signal(signal.SIGTERM, _raise_interrupt)


def _operation_handle(handle: Any) -> Any:
    """The scheduler's handle behind ``handle`` (a monitor's is its ``operation``)."""
    from tgkit.core import OperationHandle

    inner = getattr(handle, "operation", None)
    return inner if isinstance(inner, OperationHandle) else handle


def _ended_error(handle: Any) -> BaseException | None:
    """The error the run's operation ended with (its ``Cancelled``), if it has ended."""
    handle = _operation_handle(handle)
    try:
        error = handle.exception() if handle.done() else None
    except BaseException:  # not an ended handle after all
        return None
    return error if isinstance(error, BaseException) else None


def _cancel_running(state: Any, by: str) -> None:
    """Cancel the operation the run waits for on behalf of ``by`` (``Cancelled.by``)."""
    handle = _operation_handle(state.handle)
    cancel = getattr(handle, "cancel", None)
    if cancel is None:
        return
    try:
        cancel(by=by)
    except TypeError:  # a handle whose cancel() names nobody
        cancel()


def _failed(command: str, exc: Exception, state: Any) -> int:
    code = exit_code_for(exc)
    if code is ExitCode.FAILED:
        traceback.print_exception(exc, file=sys.stderr)
        print(
            f"tgkit {command}: this is a bug in tgkit ({type(exc).__name__}), not something you "
            "did. Please report it on tgkit's issue tracker with the command you ran and the "
            "lines above (tgkit never prints secrets, but check before posting).",
            file=sys.stderr,
        )
        return code
    print(f"tgkit {command}: {_one_line(exc)}", file=sys.stderr)
    if code is ExitCode.INTERRUPTED:
        print(_interrupted_message(state), file=sys.stderr)
    return code


def _one_line(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror and not str(exc).startswith("The "):
        where = f" {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return str(exc) or type(exc).__name__


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
    by = getattr(_ended_error(handle), "by", None)
    who = " by Ctrl-C" if by == "ctrl-c" else ""  # SIGTERM cancels the run itself
    partial = getattr(handle, "partial", None)
    rows = len(partial) if partial is not None and hasattr(partial, "__len__") else "some"
    collection = getattr(partial, "attrs", {}).get("collection_id")
    where = str(state.store_path)
    if collection:
        where = f"collection {collection} in {where}"
    return (
        f"interrupted{who}: {rows} rows were saved in {where}; "
        "run the same command again to resume, or `tgkit export` to write them out"
    )
