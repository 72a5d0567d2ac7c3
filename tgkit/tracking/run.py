"""``watch`` and ``track``: the catalogue operations of tracking.

``watch(targets, watchlist=...)`` resolves each target (entity cache first)
and adds it to the store's watchlist by id; an unknown chat is refused with
the target named, and nothing is added then. ``track(watchlist, ...)`` runs
one round for every chat of the watchlist (``tgkit.tracking.chat``), each
chat on its own, so a chat that fails (private now, banned, deleted) is
reported in the outcomes and the others go on. On a ``SessionManager`` the
rounds are ``track_chat`` operations spread over its sessions (``spread``);
on one session they run in turn, paced by its budgets. A run holds the
watchlist's lock: a second run at once is refused with ``CollectionInUse``.

Each run also takes the info of the chats it tracked (``chat_info``, one
request per chat) into the dataset's ``chat_info`` folder, unless
``chat_info=False``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pandas as pd

from tgkit.core import OperationKind
from tgkit.errors import TgkitError
from tgkit.store._watchlist import WatchEntry, Watchlist, check_watchlist_name
from tgkit.telegram.catalogue import (
    DATETIME,
    FLAG,
    TARGET,
    TARGETS,
    Arguments,
    OperationSpec,
    Param,
    ValueKind,
)
from tgkit.telegram.chat_info import CHAT_INFO, chat_info
from tgkit.telegram.context import TelegramContext
from tgkit.telegram.targets import parse_target
from tgkit.tracking.chat import report, track_round
from tgkit.tracking.dataset import Dataset
from tgkit.tracking.result import TrackResult, outcome_row

__all__ = ["TRACK", "TRACK_CHAT", "WATCH"]

log = logging.getLogger(__name__)


def _refresh_days(value: Any, name: str) -> float:
    from tgkit.telegram.catalogue import DAYS

    if value == 0:
        return 0
    return float(DAYS.check(value, name))


def _folder(value: Any, name: str) -> str:
    if not isinstance(value, str | bytes) and not hasattr(value, "__fspath__"):
        raise TypeError(f"{name} must be a folder path, got {value!r}")
    return str(value if not isinstance(value, bytes) else value.decode())


WATCHLIST = ValueKind("watchlist", "str", "a watchlist name such as 'study'", check_watchlist_name)
FOLDER = ValueKind("folder", "str | Path", "a folder", _folder)
REFRESH = ValueKind("refresh", "float | timedelta | str", "days (0: no refresh)", _refresh_days)

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
            )
        )
    watchlist.save(entries)
    return watchlist.frame()


WATCH = OperationSpec(
    name="watch",
    kind=OperationKind.SCRAPE,
    summary="Add chats to a watchlist (resolved once, kept by id), for track().",
    details="An unknown chat is refused, naming it, and nothing is added. A chat already "
    "tracked keeps where its tracking stands.",
    params=(
        Param("targets", TARGETS, positional=True, help="the chats to track"),
        _WATCHLIST_PARAM,
        Param("since", DATETIME, None, "the first round starts here (default: all history)"),
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
    dataset = Dataset(args["dataset"], watchlist.name) if args["dataset"] else None
    return await track_round(ctx, watchlist, entry, args["refresh_days"], dataset)


_TRACK_PARAMS = (
    Param("dataset", FOLDER, None, "the study's Parquet dataset folder (grown each run)"),
    Param("refresh_days", REFRESH, 3, "refresh the counters of posts of the last N days"),
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


Unit = Callable[[WatchEntry], Awaitable[Any]]
Info = Callable[[list[WatchEntry]], Awaitable[Any]]


async def run_rounds(
    watchlist: Watchlist, dataset: Dataset | None, unit: Unit, info: Info | None,
    *, parallel: bool, progress: Callable[[int, int], None] = report,
) -> TrackResult:
    """Every chat's round through ``unit``, each failure kept as an outcome; then the
    info of the chats that answered (``info``), once."""
    started = time.monotonic()
    entries = watchlist.entries()
    with watchlist.running():
        if dataset is not None:
            dataset.create()
        done = 0

        async def one(entry: WatchEntry) -> tuple[Any, float]:
            nonlocal done
            began = time.monotonic()
            try:
                result: Any = await unit(entry)
            except Exception as error:  # reported and skipped: the run goes on
                log.warning("track %s: %s skipped: %s", watchlist.name, entry.display, error)
                result = error
            done += 1
            progress(done, len(entries))
            return result, time.monotonic() - began

        if parallel:
            results = await asyncio.gather(*(one(e) for e in entries))
        else:
            results = [await one(e) for e in entries]
        answered = [e for e, (r, _) in zip(entries, results, strict=True)
                    if isinstance(r, pd.DataFrame)]
        chats = await _chat_info(info, answered, dataset) if info and answered else None
    rows = [outcome_row(e, r, s) for e, (r, s) in zip(entries, results, strict=True)]
    frames = [r for r, _ in results if isinstance(r, pd.DataFrame)]
    return TrackResult.of(watchlist.name, frames, rows, time.monotonic() - started, chats)


async def _chat_info(
    info: Info, entries: list[WatchEntry], dataset: Dataset | None
) -> pd.DataFrame | None:
    """The chats' info, once a run, kept in the dataset's ``chat_info`` folder."""
    try:
        frame = await info(entries)
    except Exception as error:  # the info is a bonus: the run's rounds still count
        log.warning("chat info of the tracked chats not taken: %s", error)
        return None
    if dataset is not None and isinstance(frame, pd.DataFrame) and len(frame):
        plain = frame.reset_index(drop=True)
        plain.attrs = {"kind": "chat_info"}
        name = f"i{frame.attrs.get('collection_id') or int(time.time())}"
        dataset.append("chat_info", plain, name, "collected_at")
    return frame


def _ids(entries: list[WatchEntry]) -> list[int]:
    return [entry.chat_id for entry in entries]


async def _track_steps(ctx: TelegramContext, args: Arguments, live: None) -> TrackResult:
    watchlist = Watchlist(_store(ctx.store), args["watchlist"])
    dataset = Dataset(args["dataset"], watchlist.name) if args["dataset"] else None

    async def unit(entry: WatchEntry) -> pd.DataFrame:
        return await track_round(ctx, watchlist, entry, args["refresh_days"], dataset)

    async def info(entries: list[WatchEntry]) -> Any:
        return await chat_info(ctx, tuple(parse_target(i) for i in _ids(entries)), resume=False)

    return await run_rounds(
        watchlist, dataset, unit, info if args["chat_info"] else None, parallel=False
    )


def _check_dataset(args: Arguments) -> None:
    if args["dataset"]:
        Dataset(args["dataset"], args["watchlist"])  # refuses a folder of something else


async def spread(
    manager: Any, args: Arguments, options: dict[str, Any], handle: Any
) -> TrackResult:
    """``track`` on a SessionManager: each chat's round a ``track_chat`` on any session;
    ``handle`` (a ``SpreadHandle``) counts the rounds ended and adds up their reports."""
    store = manager._collection_store()
    watchlist = Watchlist(_store(store), args["watchlist"])
    dataset = Dataset(args["dataset"], watchlist.name) if args["dataset"] else None

    async def submitted(spec: OperationSpec, call: Arguments) -> Any:
        unit = manager.submit(spec, call, **options)
        try:
            return await unit, unit.session
        finally:
            handle.add_report(getattr(unit, "report", None))

    async def unit(entry: WatchEntry) -> Any:
        call = TRACK_CHAT.check(
            entry.chat_id, watchlist=watchlist.name, dataset=args["dataset"],
            refresh_days=args["refresh_days"],
        )
        frame, session = await submitted(TRACK_CHAT, call)
        frame.attrs["session"] = session
        return frame

    async def info(entries: list[WatchEntry]) -> Any:
        frame, _ = await submitted(CHAT_INFO, CHAT_INFO.check(_ids(entries), resume=False))
        return frame

    return await run_rounds(
        watchlist, dataset, unit, info if args["chat_info"] else None, parallel=True,
        progress=handle.set_progress,
    )


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
        Param("chat_info", FLAG, True, "also take each chat's info once a run"),
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
