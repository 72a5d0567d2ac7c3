"""``watch`` and ``track``: the catalogue operations of tracking.

``watch(targets, watchlist=..., what=...)`` resolves each target (entity
cache first) and adds it to the store's watchlist by id; an unknown chat is
refused with the target named, and nothing is added then. ``what`` is what
the rounds take of these chats: their new ``messages``, the refreshed
``counters`` of their recent posts, their ``chat_info`` (all three unless
told; adding a chat again with another ``what`` changes it). ``track(watchlist, ...)`` runs
one round for every chat of the watchlist (``tgkit.tracking.chat``), each
chat on its own, so a chat that fails (private now, banned, deleted) is
reported in the outcomes and the others go on. On a ``SessionManager`` the
rounds are ``track_chat`` operations spread over its sessions (``spread``);
on one session they run in turn, paced by its budgets. A run holds the
watchlist's lock: a second run at once is refused with ``CollectionInUse``.

A run also takes the info of the chats it tracked (``chat_info``, one
``channels.GetFullChannel`` per chat, which Telegram paces at about 30 a
minute) into the dataset's ``chat_info`` folder: with the default
``chat_info="1D"`` a chat's info is taken when its last one is a day old
(less a 5 % margin, so a daily cron run that starts a little early still
takes it), so hourly runs take it once a day; ``chat_info=True`` takes it
every run, ``False`` never, and any other period (``"6h"``, seconds, a
timedelta) when it is that old. Only chats whose ``what`` holds
``"chat_info"`` are asked.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd

from tgkit import provenance
from tgkit.core import OperationKind, current_operation
from tgkit.errors import TgkitError
from tgkit.store._watchlist import (
    WHAT,
    WatchEntry,
    Watchlist,
    check_watchlist_name,
    check_what,
)
from tgkit.telegram.catalogue import (
    DURATION,
    SINCE,
    TARGET,
    TARGETS,
    Arguments,
    OperationSpec,
    Param,
    ValueKind,
)
from tgkit.telegram.chat_info import CHAT_INFO, chat_info
from tgkit.telegram.checks import writable_folder
from tgkit.telegram.context import TelegramContext
from tgkit.telegram.targets import parse_target
from tgkit.tracking.chat import track_round
from tgkit.tracking.dataset import Dataset
from tgkit.tracking.keys import check_dataset_key
from tgkit.tracking.result import TrackResult
from tgkit.tracking.rounds import run_rounds

__all__ = ["TRACK", "TRACK_CHAT", "UNWATCH", "WATCH", "WATCHLIST_FRAME"]

log = logging.getLogger(__name__)


def _refresh_days(value: Any, name: str) -> float:
    from tgkit.telegram.catalogue import DAYS

    if value == 0:
        return 0
    return float(DAYS.check(value, name))


def _folder(value: Any, name: str) -> str:
    if not isinstance(value, str | bytes) and not hasattr(value, "__fspath__"):
        raise TypeError(f"{name} must be a folder path, got {value!r}")
    folder = str(value if not isinstance(value, bytes) else value.decode())
    writable_folder(folder, name)  # before any request, not after the round
    return folder


def _info_period(value: Any, name: str) -> bool | float:
    if isinstance(value, bool):
        return value
    try:
        return float(DURATION.check(value, name))
    except (TypeError, ValueError) as error:
        raise type(error)(
            f"{name} must be True (every run), False (never) or a period such as '1D', "
            f"'6h' or seconds: {error}"
        ) from None


WATCHLIST = ValueKind("watchlist", "str", "a watchlist name such as 'study'", check_watchlist_name)
FOLDER = ValueKind("folder", "str | Path", "a folder", _folder)
REFRESH = ValueKind("refresh", "float | timedelta | str", "days (0: no refresh)", _refresh_days)
WHAT_KIND = ValueKind(
    "what", "str | Sequence[str]", f"one or more of {', '.join(WHAT)}", check_what, many=True
)
INFO_PERIOD = ValueKind(
    "info_period", "bool | float | timedelta | str",
    "True (every run), False (never) or a period ('1D', seconds)", _info_period,
)
KEY = ValueKind(
    "key", "str | bytes", "a pseudonymisation key (tgkit.privacy.generate_key())",
    check_dataset_key,
)

_WATCHLIST_PARAM = Param("watchlist", WATCHLIST, "default", "the watchlist's name")


def _store(ctx_store: Any) -> Any:
    if ctx_store is None:
        raise ValueError(
            "tracking keeps its watchlist and rounds in the store: open the session with a "
            "store (the default), not store=False"
        )
    return ctx_store


# -- watch -----------------------------------------------------------------------------


async def _watch_steps(ctx: TelegramContext, args: Arguments, live: None) -> pd.DataFrame:
    watchlist = Watchlist(_store(ctx.store), args["watchlist"])
    since = args["since"]
    entries = []
    for target in args["targets"]:
        try:
            chat = await ctx.resolver.resolve(target)
        except TgkitError as error:
            raise type(error)(
                f"cannot track {target.display}: {error} (nothing was added)"
            ) from error
        entries.append(
            WatchEntry(
                chat_id=chat.marked_id, kind=chat.kind.value, username=chat.username,
                title=chat.title, since=since, added_at=pd.Timestamp.now("UTC").to_pydatetime(),
                what=args["what"],
            )
        )
    watchlist.save(entries)
    return watchlist.frame()


WATCH = OperationSpec(
    name="watch",
    kind=OperationKind.SCRAPE,
    summary="Add chats to a watchlist (resolved once, kept by id), for track().",
    details="An unknown chat is refused, naming it, and nothing is added. A chat already "
    "tracked keeps where its tracking stands (and takes the new what).",
    params=(
        Param("targets", TARGETS, positional=True, help="the chats to track"),
        _WATCHLIST_PARAM,
        Param("since", SINCE, None, "the first round starts here (default: all history)"),
        Param("what", WHAT_KIND, WHAT, "what rounds take of these chats: new messages, "
              "refreshed counters of recent posts, chat info"),
    ),
    run=_watch_steps,
    frame=None,
    unit="chats",
    requests=frozenset({"contacts.ResolveUsername", "messages.CheckChatInvite"}),
    exclusive=False,
    cli=False,
    example=(["@channel_a", "@channel_b"],),
    example_options={"watchlist": "study"},
)


# -- unwatch and watchlist: the watchlist itself, no request ------------------------------


async def _unwatch_steps(ctx: TelegramContext, args: Arguments, live: None) -> pd.DataFrame:
    watchlist = Watchlist(_store(ctx.store), args["watchlist"])
    watchlist.remove_targets(args["targets"])
    return watchlist.frame()


UNWATCH = OperationSpec(
    name="unwatch",
    kind=OperationKind.SCRAPE,
    summary="Stop tracking chats of a watchlist (by id or @username as last seen; no request).",
    details="A chat not in the watchlist is refused, naming it, and nothing is removed. The "
    "chat's rows stay in the dataset. Returns the watchlist.",
    params=(Param("targets", TARGETS, positional=True, help="the chats to stop tracking"),
            _WATCHLIST_PARAM),
    run=_unwatch_steps,
    frame=None,
    unit="chats",
    requests=frozenset(),
    exclusive=False,
    cli=False,  # `tgkit track remove`
    example=(["@channel_b"],),
    example_options={"watchlist": "study"},
)


async def _watchlist_steps(ctx: TelegramContext, args: Arguments, live: None) -> pd.DataFrame:
    return Watchlist(_store(ctx.store), args["watchlist"]).frame()


WATCHLIST_FRAME = OperationSpec(
    name="watchlist",
    kind=OperationKind.SCRAPE,
    summary="The chats of a watchlist and where their tracking stands, as a frame.",
    details="One row per chat: its id, kind, username and title as last seen, what rounds "
    "take of it, its round, newest message id and when its info was last taken. No request.",
    params=(Param("watchlist", WATCHLIST, "default", "the watchlist's name", positional=True),),
    run=_watchlist_steps,
    frame=None,
    unit="chats",
    requests=frozenset(),
    exclusive=False,
    cli=False,  # `tgkit track list`
    example=("study",),
)


# -- track_chat: one chat's round (the unit a manager spreads) ---------------------------


async def _track_chat_steps(ctx: TelegramContext, args: Arguments, live: None) -> pd.DataFrame:
    watchlist = Watchlist(_store(ctx.store), args["watchlist"])
    chat_id = args["target"].marked_id
    entry = watchlist.entry(chat_id) if chat_id is not None else None
    if entry is None:
        raise ValueError(
            f"{args['target'].display} is not in the watchlist {watchlist.name!r}: add it "
            "with watch() or `tgkit track add` first"
        )
    dataset = _dataset(args, watchlist.name)
    return await track_round(ctx, watchlist, entry, args["refresh_days"], dataset)


_TRACK_PARAMS = (
    Param("dataset", FOLDER, None, "the study's Parquet dataset folder (grown each run)"),
    Param("refresh_days", REFRESH, 3, "refresh the counters of posts of the last N days"),
    Param("pseudonymize_key", KEY, None, "write the dataset pseudonymised with this key "
          "(tgkit.privacy; the same key every run, kept secret)"),
)

TRACK_CHAT = OperationSpec(
    name="track_chat",
    kind=OperationKind.SCRAPE,
    summary="One tracking round of one chat of a watchlist (what track() runs per chat).",
    params=(
        Param("target", TARGET, positional=True, help="a chat of the watchlist (its id)"),
        _WATCHLIST_PARAM,
        *_TRACK_PARAMS,
    ),
    run=_track_chat_steps,
    frame="messages",
    unit="messages",
    requests=frozenset({"messages.GetHistory"}),
    cli=False,
    example=(-1001234567890,),
    example_options={"watchlist": "study"},
)


# -- track ---------------------------------------------------------------------------


def _ids(entries: list[WatchEntry]) -> list[int]:
    return [entry.chat_id for entry in entries]


async def _track_steps(ctx: TelegramContext, args: Arguments, live: None) -> TrackResult:
    watchlist = Watchlist(_store(ctx.store), args["watchlist"])
    dataset = _dataset(args, watchlist.name)

    async def unit(entry: WatchEntry) -> pd.DataFrame:
        return await track_round(ctx, watchlist, entry, args["refresh_days"], dataset)

    async def info(entries: list[WatchEntry]) -> Any:
        return await chat_info(ctx, tuple(parse_target(i) for i in _ids(entries)), resume=False)

    def requests() -> Any:
        operation = current_operation()
        return None if operation is None else operation.report

    return await run_rounds(
        watchlist, dataset, unit, info if args["chat_info"] is not False else None,
        parallel=False, info_period=args["chat_info"], requests=requests,
    )


def _dataset(args: Arguments, watchlist: str) -> Dataset | None:
    if not args["dataset"]:
        return None
    return Dataset(args["dataset"], watchlist, args["pseudonymize_key"])


def _check_dataset(args: Arguments) -> None:
    if args["pseudonymize_key"] is not None and not args["dataset"]:
        raise ValueError(
            "pseudonymize_key pseudonymises the dataset a run writes: give dataset= too (the "
            "frames a run returns are not pseudonymised; use tgkit.privacy.pseudonymize)"
        )
    _dataset(args, args["watchlist"])  # refuses a folder of something else, or another key


async def spread(
    manager: Any, args: Arguments, options: dict[str, Any], handle: Any
) -> TrackResult:
    """``track`` on a SessionManager: each chat's round a ``track_chat`` on any session;
    ``handle`` (a ``SpreadHandle``) counts the rounds ended and adds up their reports."""
    store = manager._collection_store()
    watchlist = Watchlist(_store(store), args["watchlist"])
    dataset = _dataset(args, watchlist.name)

    async def submitted(spec: OperationSpec, call: Arguments) -> Any:
        unit = manager.submit(spec, call, **options)
        try:
            return await unit, unit.session
        finally:
            handle.add_report(getattr(unit, "report", None))

    async def unit(entry: WatchEntry) -> Any:
        call = TRACK_CHAT.check(
            entry.chat_id, watchlist=watchlist.name, dataset=args["dataset"],
            refresh_days=args["refresh_days"], pseudonymize_key=args["pseudonymize_key"],
        )
        frame, session = await submitted(TRACK_CHAT, call)
        frame.attrs["session"] = session
        return frame

    async def info(entries: list[WatchEntry]) -> Any:
        frame, _ = await submitted(CHAT_INFO, CHAT_INFO.check(_ids(entries), resume=False))
        return frame

    token = provenance.begin(TRACK.name, args, account=None, server=_servers(manager))
    try:
        return await run_rounds(
            watchlist, dataset, unit, info if args["chat_info"] is not False else None,
            parallel=True, progress=handle.set_progress, info_period=args["chat_info"],
            requests=lambda: handle.report,
        )
    finally:
        provenance.end(token)


def _servers(manager: Any) -> str:
    """The server(s) a manager's sessions talk to, as provenance names them."""
    labels = set()
    for session in getattr(manager, "sessions", ()):
        client = getattr(getattr(session, "_connection", None), "client", None)
        if client is not None:
            labels.add(provenance.server_label(client))
    return ", ".join(sorted(labels)) or "several sessions"


TRACK = OperationSpec(
    name="track",
    kind=OperationKind.SCRAPE,
    summary="One tracking round of every chat of a watchlist: new messages, fresh counters.",
    details="Only messages newer than the last round's are collected, plus the counters "
    "(views, forwards, replies, reactions) of the posts of the last refresh_days days. With "
    "a dataset folder, new messages and observations are appended as Parquet files "
    "partitioned by chat_id and month. A failing chat is reported and skipped; a killed run "
    "resumes; two runs at once are refused.",
    params=(
        Param("watchlist", WATCHLIST, "default", "the watchlist's name", positional=True),
        *_TRACK_PARAMS,
        Param("chat_info", INFO_PERIOD, "1D", "take each chat's info: True every run, False "
              "never, or when its last is this old ('1D': once a day)"),
    ),
    run=_track_steps,
    validate=_check_dataset,
    frame=None,
    unit="chats",
    requests=frozenset({"messages.GetHistory"}),
    exclusive=False,
    cli=False,
    least_timeout=lambda args: math.inf,  # many chats' rounds: no run timeout unless given
    spread=spread,
    example=("study",),
    example_options={"dataset": "study/"},
)
