"""The ``tgkit`` command line: subcommands and their options."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tgkit import __version__

EPILOG = """\
exit codes: 0 success, 2 bad arguments or target, 3 Telegram refused (private,
banned, admin required), 4 flood wait too long, 5 interrupted with partial data
saved (re-run the same command to resume).

Credentials come from TG_API_ID / TG_API_HASH or ~/.config/tgkit/config.toml;
--sandbox needs none.
"""


def build_parser() -> argparse.ArgumentParser:
    """The parser for ``tgkit`` and all its subcommands."""
    parser = argparse.ArgumentParser(
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

    members = commands.add_parser(
        "members", parents=[common, collect], help="collect the members of a group"
    )
    members.add_argument("target", help="@name, t.me link, invite link or numeric id")
    members.add_argument("--max", type=_positive_int, dest="max_members", help="stop after N")
    members.add_argument(
        "--no-fallback",
        action="store_false",
        dest="fallback_to_messages",
        help="do not fall back to message authors when the member list is hidden",
    )
    members.add_argument(
        "--fallback-days", type=_positive_int, default=30, dest="message_days_back",
        help="days of messages the fallback reads (default 30)",
    )
    members.add_argument("--join", action="store_true", help="join the group first if needed")

    messages = commands.add_parser(
        "messages", parents=[common, collect], help="collect the message history of a chat"
    )
    messages.add_argument("target", help="@name, t.me link, invite link or numeric id")
    window = messages.add_mutually_exclusive_group()
    window.add_argument("--days", type=_positive_int, dest="days_back", help="the last N days")
    window.add_argument("--since", type=_date, help="from this date (YYYY-MM-DD, UTC)")
    messages.add_argument("--until", type=_date, help="up to this date (YYYY-MM-DD, UTC)")
    messages.add_argument("--limit", type=_positive_int, help="at most N messages")

    monitor = commands.add_parser(
        "monitor", parents=[common, collect], help="record new messages in chats for a while"
    )
    monitor.add_argument("targets", nargs="+", metavar="TARGET")
    monitor.add_argument("--minutes", type=_positive_float, required=True)

    commands.add_parser("collections", parents=[common], help="list what the store holds")

    export = commands.add_parser(
        "export", parents=[common], help="write a stored collection to CSV or Parquet"
    )
    export.add_argument("collection", type=_positive_int, metavar="COLLECTION")
    export.add_argument("-o", "--output", type=Path, required=True, help="FILE.csv or FILE.parquet")
    export.add_argument("--pseudonymize-key-file", type=Path, metavar="FILE")

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


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--sandbox", action="store_true", help="use a generated world, no account")
    common.add_argument("--json", action="store_true", help="print a machine-readable summary")
    common.add_argument("--name", default="default", help="session name (default: default)")
    common.add_argument("--session-dir", type=Path, help="where session files live")
    common.add_argument("--store", type=Path, help="the result database (default: per user)")
    return common


def _collection_options() -> argparse.ArgumentParser:
    collect = argparse.ArgumentParser(add_help=False)
    collect.add_argument("-o", "--output", type=Path, help="FILE.csv or FILE.parquet")
    collect.add_argument("--pseudonymize-key-file", type=Path, metavar="FILE")
    collect.add_argument(
        "--no-resume", action="store_false", dest="resume", help="start a new collection"
    )
    return collect


def _positive_int(text: str) -> int:
    return _positive(text, int, "a whole number", "at least 1")


def _positive_float(text: str) -> float:
    return _positive(text, float, "a number", "more than 0")


def _positive(text: str, convert: type, noun: str, bound: str) -> Any:
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be {bound}")
    return value


def _date(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
