"""``tgkit track add|remove|list|run``: a watchlist kept up to date from cron.

``add`` resolves the chats (an unknown one is refused, nothing added) and
keeps them by id; ``remove`` and ``list`` only read and write the store;
``run`` runs one round of every chat (``tgkit.tracking``) and prints one
line: chats, new messages, refreshed, failed, requests, seconds waited on
budgets. Exit codes as for every command (``tgkit.cli.exitcodes``); a run
while another holds the watchlist exits 6 (in use). A crontab line::

    17 * * * * tgkit track run --watchlist study --dataset ~/study >> ~/study/track.log 2>&1
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tgkit.cli.commands import RunState, open_session, store_path_for
from tgkit.cli.output import read_key_file
from tgkit.store import Store
from tgkit.store._watchlist import Watchlist, check_watchlist_name
from tgkit.telegram.catalogue import optional_seconds
from tgkit.telegram.targets import parse_target
from tgkit.tracking.run import INFO_PERIOD, REFRESH, TRACK, WATCH, WHAT_KIND

__all__ = ["add_track", "run_track"]


def add_track(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """The ``track`` command group."""
    track = commands.add_parser(
        "track", help="keep a watchlist of chats up to date (for cron)",
        description="Track chats: add them once, then run rounds (e.g. hourly from cron).",
    )
    actions = track.add_subparsers(dest="track_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", parents=parents, help="track these chats")
    add.add_argument("targets", nargs="+", metavar="TARGET", help="@name, t.me link or id")
    add.add_argument("--since", help="the first round starts here (default: all history)")
    add.add_argument("--what", nargs="+", type=_checked(WHAT_KIND.check, "--what"), metavar="WHAT",
                     help="what rounds take: messages, counters, chat_info (default: all)")
    remove = actions.add_parser("remove", parents=parents, help="stop tracking these chats")
    remove.add_argument("targets", nargs="+", metavar="TARGET", help="@name or id")
    actions.add_parser("list", parents=parents, help="the tracked chats")
    run = actions.add_parser("run", parents=parents, help="one round of every tracked chat")
    run.add_argument("--dataset", help="the study's Parquet dataset folder (grown each run)")
    run.add_argument("--refresh-days", type=_checked(REFRESH.check, "refresh_days"), default=3,
                     help="refresh the counters of posts of the last N days (default 3)")
    run.add_argument("--chat-info", type=_checked(_info_when, "--chat-info"), default="1D",
                     metavar="WHEN",
                     help="take a chat's info when its last is this old ('1D', the default; "
                     "'6h'), 'every-run' or 'never'")
    run.add_argument("--no-chat-info", dest="chat_info", action="store_const", const=False,
                     help="do not take the chats' info this run (--chat-info never)")
    run.add_argument("--pseudonymize-key-file", type=Path, metavar="FILE",
                     help="write the dataset pseudonymised with the key in FILE (the same "
                     "key every run)")
    run.add_argument("--timeout", type=_checked(optional_seconds, "timeout"),
                     help="longest run, e.g. 3600 or '2h'")
    for sub in (add, remove, run, actions.choices["list"]):
        sub.add_argument("--watchlist", type=_checked(check_watchlist_name, "watchlist"),
                         default="default", help="the watchlist's name (default: default)")


def _info_when(text: str, name: str) -> Any:
    words = {"every-run": True, "never": False}
    return words[text] if text in words else INFO_PERIOD.check(text, name)


def _checked(check: Any, name: str = "value") -> Any:
    def convert(text: str) -> Any:
        try:
            return check(text, name)
        except (TypeError, ValueError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = getattr(check, "__name__", "value")
    return convert


async def run_track(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """The ``track`` subcommands."""
    action = {"add": _add, "remove": _remove, "list": _list, "run": _run}[args.track_action]
    return await action(args, state)


async def _add(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    what = {item for chosen in args.what for item in chosen} if args.what else None
    checked = WATCH.check(args.targets, watchlist=args.watchlist, since=args.since,
                          **({"what": tuple(what)} if what else {}))
    async with open_session(args, state) as session:
        frame = await session.submit(WATCH, checked)
    print(f"track {args.watchlist}: {len(frame)} chats tracked")
    return {"chats": len(frame)} if args.json else {}


async def _remove(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    wanted = [parse_target(target) for target in args.targets]  # malformed: refused here
    with Store(store_path_for(args)) as store:
        watchlist = Watchlist(store, args.watchlist)
        removed = watchlist.remove_targets(wanted)
        left = len(watchlist.entries())
    print(f"track {args.watchlist}: {removed} removed, {left} tracked")
    return {"removed": removed} if args.json else {}


async def _list(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    with Store(store_path_for(args)) as store:
        frame = Watchlist(store, args.watchlist).frame()
    if args.json:
        return {"chats": frame.to_dict(orient="records")}
    if len(frame):
        print(frame.to_string(index=False))
    else:
        print(f"the watchlist {args.watchlist!r} is empty: `tgkit track add @chat` adds one")
    return {}


async def _run(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    checked = TRACK.check(
        args.watchlist, dataset=args.dataset, refresh_days=args.refresh_days,
        chat_info=args.chat_info, pseudonymize_key=read_key_file(args.pseudonymize_key_file),
    )
    async with open_session(args, state) as session:
        handle = session.submit(TRACK, checked, timeout=args.timeout)
        state.handle = handle
        result = await handle
    report = handle.report
    requests = sum(report.get("requests", {}).values())
    waited = float(report.get("budget_wait_s", 0.0))
    if args.json:
        return {**result.counts(), "requests": requests, "budget_wait_s": round(waited, 1)}
    print(result.summary(requests, waited))
    for row in result.failed.itertuples():
        print(f"  failed {row.chat}: {row.error_type}: {row.error}")
    return {}
