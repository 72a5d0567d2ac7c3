"""``scrape_many``: one collection per target, fanned out over a manager's sessions.

The targets are all checked first (a bad one raises ``InvalidTarget`` naming
its position before anything is queued), submitted at once, and collected
whatever happens to each: one target failing never loses the others. The
result is one concatenated frame with a ``target`` column (as the caller
wrote it) and an outcome table with one row per distinct target.

Example::

    result = await manager.scrape_many(["@a", "@b", "t.me/+HASH"], join=True)
    result.frame.groupby("target").size()
    result.outcomes[["target", "status", "rows", "coverage", "session", "error"]]
    frame, outcomes = result            # unpacks too
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tgkit.errors import InvalidTarget
from tgkit.frames import concat_frames
from tgkit.telegram.targets import parse_target

from .jobs import ManagedHandle

__all__ = ["OUTCOME_COLUMNS", "ManyResult", "scrape_many"]

#: The outcome table: one row per distinct target, in the order given.
OUTCOME_COLUMNS: Mapping[str, str] = {
    "target": "string",  # as the caller wrote it
    "status": "string",  # done, failed, timed_out, expired, cancelled
    "rows": "Int64",  # rows of this target in the frame
    "reported_total": "Int64",  # what Telegram reported (members), when known
    "coverage": "Float64",  # rows / reported_total, when known
    "session": "string",  # the session that ran it last
    "attempts": "Int64",  # sessions tried (moves after flood waits and the like)
    "error_type": "string",
    "error": "string",
    "partial_rows": "Int64",  # rows a failed collection gathered (kept in the store)
    "collection_id": "Int64",  # the store's collection, when a store is used
    "seconds": "Float64",  # from request to end, queueing included
}


@dataclass(frozen=True, slots=True)
class ManyResult:
    """What ``scrape_many`` returns: the rows of every target, and how each went.

    ``frame`` has the collection's columns after a ``target`` column;
    ``outcomes`` has ``OUTCOME_COLUMNS``. It unpacks as ``frame, outcomes``.

    Example::

        result = await manager.scrape_many(["@a", "@b"])
        result.failed[["target", "error"]]
    """

    frame: pd.DataFrame
    outcomes: pd.DataFrame

    def __iter__(self) -> Any:
        return iter((self.frame, self.outcomes))

    @property
    def failed(self) -> pd.DataFrame:
        """The outcome rows of targets that did not complete."""
        return self.outcomes[self.outcomes["status"] != "done"]


async def scrape_many(
    manager: Any,
    targets: Iterable[Any],
    *,
    what: str = "members",
    join: bool = False,
    **options: Any,
) -> ManyResult:
    """Collect ``what`` ("members" or "messages") of every target through ``manager``.

    ``options`` are the keyword arguments of the single-target method
    (``scrape_group_members``/``join_and_scrape_members`` or
    ``scrape_messages``), e.g. ``max_members=`` or ``days_back=``.
    """
    given = _distinct_targets(targets)
    if what not in ("members", "messages"):
        raise ValueError(f'what must be "members" or "messages", got {what!r}')
    if not isinstance(join, bool):
        raise TypeError(f"join must be True or False, got {join!r}")
    if join and what != "members":
        raise ValueError("join=True joins groups to list their members; use it with what='members'")
    start = _starter(manager, what, join)
    handles: list[ManagedHandle] = []
    try:
        for target in given:
            handles.append(start(target, options))
    except BaseException:
        for handle in handles:
            handle.cancel()
        raise
    results = await asyncio.gather(*handles, return_exceptions=True)
    return _result(what, given, handles, results)


def _distinct_targets(targets: Iterable[Any]) -> list[Any]:
    if isinstance(targets, str | bytes) or not isinstance(targets, Iterable):
        raise TypeError(
            "targets must be a list of targets (usernames, links or ids), "
            f"e.g. ['@a', '@b'], got {targets!r}"
        )
    seen: set[str] = set()
    distinct = []
    for position, target in enumerate(targets):
        try:
            key = parse_target(target).key
        except InvalidTarget as error:
            raise InvalidTarget(f"targets[{position}]: {error}") from error
        if key not in seen:
            seen.add(key)
            distinct.append(target)
    return distinct


def _starter(manager: Any, what: str, join: bool) -> Any:
    if what == "messages":
        return lambda target, options: manager.scrape_messages(target, **options)
    if join:
        return lambda target, options: manager.join_and_scrape_members(target, **options)
    return lambda target, options: manager.scrape_group_members(target, **options)


def _result(
    what: str, given: list[Any], handles: list[ManagedHandle], results: list[Any]
) -> ManyResult:
    frames: list[pd.DataFrame] = []
    labels: list[str] = []
    outcomes: list[dict[str, Any]] = []
    for target, handle, result in zip(given, handles, results, strict=True):
        label = target if isinstance(target, str) else parse_target(target).display
        if isinstance(result, pd.DataFrame):
            frames.append(result)
            labels.extend([label] * len(result))
        outcomes.append(_outcome(label, handle, result))
    frame = concat_frames(what, frames, attrs={"targets": [o["target"] for o in outcomes]})
    frame.insert(0, "target", pd.array(labels, dtype="string"))
    table = pd.DataFrame(outcomes, columns=list(OUTCOME_COLUMNS)).astype(dict(OUTCOME_COLUMNS))
    return ManyResult(frame, table)


def _outcome(label: str, handle: ManagedHandle, result: Any) -> dict[str, Any]:
    done = isinstance(result, pd.DataFrame)
    attrs = result.attrs if done else {}
    partial = handle.partial if isinstance(handle.partial, pd.DataFrame) else None
    error = None if done or isinstance(result, asyncio.CancelledError) else result
    return {
        "target": label,
        "status": handle.state.value,
        "rows": len(result) if done else 0,
        "reported_total": attrs.get("reported_total"),
        "coverage": attrs.get("coverage"),
        "session": handle.session,
        "attempts": len(handle.attempts),
        "error_type": None if error is None else type(error).__name__,
        "error": None if error is None else str(error),
        "partial_rows": None if done or partial is None else len(partial),
        "collection_id": (attrs if done else getattr(partial, "attrs", {})).get("collection_id"),
        "seconds": handle.elapsed,
    }
