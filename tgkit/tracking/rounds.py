"""A tracking run: every chat's round, the info of the chats due, the dataset described.

``run_rounds`` is shared by ``track`` on one session (rounds in turn) and on a
``SessionManager`` (rounds spread over its sessions, ``parallel=True``). It
holds the watchlist's lock for the whole run: the rounds, then the info of
the chats whose info is due (``info_due``), then, with a dataset, the data
package that describes it (``tgkit.tracking.dataset_package``), so that two
runs never write one dataset at once. A chat that fails is an outcome; the
info is a bonus (its failure is logged, the rounds still count).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from tgkit import provenance
from tgkit.store._watchlist import WatchEntry, Watchlist
from tgkit.tracking.chat import report
from tgkit.tracking.dataset import Dataset
from tgkit.tracking.dataset_package import run_entry, write_package
from tgkit.tracking.result import TrackResult, outcome_row

__all__ = ["DUE_AT", "info_due", "run_rounds"]

log = logging.getLogger(__name__)

#: A period's margin: a chat's info is due when its last is this share of the period old.
DUE_AT = 0.95

Unit = Callable[[WatchEntry], Awaitable[Any]]
Info = Callable[[list[WatchEntry]], Awaitable[Any]]


def info_due(entries: list[WatchEntry], period: bool | float, now: datetime) -> list[WatchEntry]:
    """The chats whose info a run takes (see the module docstring)."""
    if period is False:
        return []
    wanted = [e for e in entries if "chat_info" in e.what]
    if period is True:
        return wanted
    due_after = timedelta(seconds=float(period) * DUE_AT)
    return [e for e in wanted if e.info_at is None or now - e.info_at >= due_after]


async def run_rounds(
    watchlist: Watchlist, dataset: Dataset | None, unit: Unit, info: Info | None,
    *, parallel: bool, progress: Callable[[int, int], None] = report,
    info_period: bool | float = True, requests: Callable[[], Mapping[str, Any]] | None = None,
) -> TrackResult:
    """Every chat's round through ``unit``, each failure kept as an outcome; then the
    info of the chats due (``info``), once; then the dataset's package. ``requests``
    gives the run's request report (for its provenance)."""
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
        due = info_due(answered, info_period, datetime.now(UTC)) if info else []
        chats = await _chat_info(info, due, dataset, watchlist) if info and due else None
        rows = [outcome_row(e, r, s) for e, (r, s) in zip(entries, results, strict=True)]
        frames = [r for r, _ in results if isinstance(r, pd.DataFrame)]
        result = TrackResult.of(watchlist.name, frames, rows, time.monotonic() - started, chats)
        counts = {**result.counts(), "chat_info_taken": 0 if chats is None else len(chats)}
        made = provenance.snapshot(requests() if requests else None, **counts)
        if dataset is not None:
            write_package(dataset, made, run_entry(made, counts), [e.display for e in entries])
    return result.with_provenance(made)


async def _chat_info(
    info: Info, entries: list[WatchEntry], dataset: Dataset | None, watchlist: Watchlist
) -> pd.DataFrame | None:
    """The info of the chats due, kept in the dataset's ``chat_info`` folder."""
    try:
        frame = await info(entries)
    except Exception as error:  # the info is a bonus: the run's rounds still count
        log.warning("chat info of the tracked chats not taken: %s", error)
        return None
    if isinstance(frame, pd.DataFrame) and len(frame):
        taken = frame["collected_at"].max()
        taken = taken.to_pydatetime() if not pd.isna(taken) else datetime.now(UTC)
        watchlist.took_info([int(c) for c in frame["chat_id"].dropna()], taken)
    if dataset is not None and isinstance(frame, pd.DataFrame) and len(frame):
        plain = frame.reset_index(drop=True)
        plain.attrs = {"kind": "chat_info"}
        name = f"i{frame.attrs.get('collection_id') or int(time.time())}"
        dataset.append("chat_info", plain, name, "collected_at")
    return frame


