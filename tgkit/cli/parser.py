"""The ``tgkit`` command line: subcommands and their options.

Every operation of the catalogue is a subcommand (``tgkit members``,
``tgkit messages``, ...), its arguments derived from the operation's one
definition: a target as a positional argument, a flag as ``--name`` or
``--no-name``, every other parameter as ``--name-with-dashes`` checked by the
parameter's own check (so errors read as they do in a notebook). Beside them:
``login``, ``collections``, ``export``, ``describe``, ``doctor`` and ``demo``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tgkit import __version__
from tgkit.cli.doctor import add_doctor, add_network_options
from tgkit.cli.track import add_track
from tgkit.errors import InvalidTarget
from tgkit.telegram.catalogue import FLAG, OperationSpec, Param, optional_seconds
from tgkit.telegram.checks import positive_number
from tgkit.telegram.operations import CATALOGUE

EPILOG = """\
exit codes: 0 success, 1 a bug in tgkit (please report it), 2 bad arguments or
target, 3 Telegram refused (private, banned, admin required, not logged in),
4 flood wait too long, 5 interrupted (Ctrl-C, SIGTERM) with partial data saved
(re-run the same command to resume), 6 session or collection in use by another
process, 7 the store cannot be used (damaged, read-only, full), 8 a file could
not be read or written.

Credentials come from TG_API_ID / TG_API_HASH or ~/.config/tgkit/config.toml;
--sandbox needs none. --proxy, --server/--server-key and --test-dc choose the
route (also TG_PROXY etc. or the config file's [network] table); `tgkit doctor`
checks a setup step by step.
"""


_PACKAGE_HELP = (
    "also describe the output in its folder's datapackage.json (a Frictionless Data "
    "Package with the provenance); see `tgkit describe`"
)


class _Parser(argparse.ArgumentParser):
    """No abbreviated options: ``--session research`` must not quietly mean
    ``--session-dir research`` (the subcommands' parsers are of this class too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """The parser for ``tgkit`` and all its subcommands."""
    parser: argparse.ArgumentParser = _Parser(
        prog="tgkit",
        description="Collect Telegram data for research: members, messages, live monitoring.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tgkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = _common_options()
    collect = _collection_options()

    login = commands.add_parser("login", parents=[common], help="log in and create a session file")
    login.add_argument("--phone", help="phone number (asked for when omitted; never printed)")

    for spec in CATALOGUE:
        if spec.cli:
            _add_operation(commands, spec,
                           [common, collect] if spec.frame or spec.frames else [common])

    commands.add_parser("collections", parents=[common], help="list what the store holds")
    add_track(commands, [common])
    add_doctor(commands, [common])

    export = commands.add_parser(
        "export", parents=[common], help="write a stored collection to CSV or Parquet"
    )
    export.add_argument("collection", type=_positive_int, metavar="COLLECTION")
    export.add_argument("-o", "--output", type=Path, required=True, help="FILE.csv or FILE.parquet")
    export.add_argument("--pseudonymize-key-file", type=Path, metavar="FILE")
    export.add_argument("--package", action="store_true", help=_PACKAGE_HELP)

    describe = commands.add_parser(
        "describe", help="print the methods statement of an exported data package"
    )
    describe.add_argument(
        "path", type=Path, metavar="PACKAGE", help="its folder or datapackage.json"
    )
    describe.add_argument("--json", action="store_true", help="the table as JSON")

    demo = commands.add_parser("demo", parents=[common], help="the whole job on the sandbox")
    demo.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("demo-output"),
        help="folder (default: demo-output)",
    )
    demo.add_argument(
        "--monitor-seconds", type=_positive_float, default=3.0, help="live monitoring time"
    )
    return parser


def _add_operation(
    commands: Any, spec: OperationSpec, parents: list[argparse.ArgumentParser]
) -> None:
    """One subcommand for ``spec``: its parameters as arguments, from the one definition."""
    dashed = spec.name.replace("_", "-")  # chat_info is `tgkit chat-info` (chat_info works too)
    sub = commands.add_parser(
        dashed,
        aliases=[spec.name] if dashed != spec.name else [],
        parents=parents,
        help=spec.summary.rstrip(".").lower(),
        description=spec.summary + (" " + spec.details if spec.details else ""),
    )
    sub.set_defaults(operation=spec.name)
    for param in spec.params:
        if param.cli:
            _add_param(sub, param)
    sub.add_argument(
        "--timeout", type=_cli_value("timeout", optional_seconds),
        help="longest run, e.g. 3600 or '2h' (default: the kind's, see SessionConfig)",
    )


def _add_param(sub: argparse.ArgumentParser, param: Param) -> None:
    helptext = f"{param.help} ({param.kind.describe})"
    if param.name == "resume":
        return  # every collection has --no-resume already (see _collection_options)
    if param.kind is FLAG:
        action = "store_false" if param.default is True else "store_true"
        sub.add_argument(*param.cli_flags(), action=action, dest=param.name, help=param.help)
        return
    convert = _cli_value(param.name, lambda value, name: param.check(param.kind.from_text(value)))
    if param.kind.chats and param.required:
        nargs = "+" if param.kind.many else None
        metavar = param.name.upper().rstrip("S") if param.kind.many else param.name.upper()
        sub.add_argument(param.name, nargs=nargs, metavar=metavar, help=helptext)
        return
    if param.kind.many:  # one or more words, each checked alone; the list is checked again
        convert = _cli_value(param.name, lambda value, name: _one_of_many(param, value))
    default = None if param.required else param.default
    sub.add_argument(
        *param.cli_flags(), dest=param.name, type=convert, default=default,
        nargs="+" if param.kind.many else None,
        required=param.required, help=helptext + ("" if param.required else f"; default {default}"),
    )


def _one_of_many(param: Param, text: str) -> Any:
    value = param.kind.from_text(text)
    param.check([value])
    return value


def _cli_value(name: str, check: Callable[[Any, str], Any]) -> Callable[[str], Any]:
    """An argparse ``type`` running a parameter's own check, so errors read the same."""

    def convert(text: str) -> Any:
        try:
            return check(text, name)
        except (ValueError, TypeError, InvalidTarget) as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = name  # argparse names the type in "invalid ... value"
    return convert


def _session_dir(text: str) -> Path:
    """A folder for session files: refused at once if it names a file (before a prompt)."""
    folder = Path(text).expanduser()
    if folder.exists() and not folder.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text} is a file, not a folder: give the folder that holds the session files "
            "(it is created if needed)"
        )
    return folder


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--sandbox", action="store_true", help="use a generated world, no account")
    common.add_argument("--json", action="store_true", help="print a machine-readable summary")
    common.add_argument("--name", default="default", help="session name (default: default)")
    common.add_argument("--session-dir", type=_session_dir, help="where session files live")
    common.add_argument("--store", type=Path, help="the result database (default: per user)")
    add_network_options(common)
    return common


def _collection_options() -> argparse.ArgumentParser:
    collect = argparse.ArgumentParser(add_help=False)
    collect.add_argument("-o", "--output", type=Path, help="FILE.csv or FILE.parquet")
    collect.add_argument("--pseudonymize-key-file", type=Path, metavar="FILE")
    collect.add_argument("--package", action="store_true", help=_PACKAGE_HELP)
    collect.add_argument(
        "--no-resume", action="store_false", dest="resume", help="start a new collection"
    )
    return collect


def _positive_int(text: str) -> int:
    """A collection id: a whole number from 1 to SQLite's largest."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 2**63 - 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from 1 to 2**63-1")
    return value


def _positive_float(text: str) -> float:
    """A number of seconds: finite, more than 0, at most a year."""
    try:
        return float(positive_number(float(text), "the value", "seconds"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None
