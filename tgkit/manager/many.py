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
from tgkit.telegram.catalogue import OperationSpec
from tgkit.telegram.operations import CATALOGUE
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
    """Collect ``what`` (a collection operation: "members", "messages", ...) of every target.

    ``options`` are the operation's keyword arguments (``max_members=``,
    ``days_back=``, ...) and the scheduling options (``priority=``,
    ``timeout=``, ``queue_timeout=``); all are checked for every target
    before anything is queued.
    """
    given = _distinct_targets(targets)
    spec = _collection(what)
    if not isinstance(join, bool):
        raise TypeError(f"join must be True or False, got {join!r}")
    if join and "join" not in {p.name for p in spec.params}:
        raise ValueError("join=True joins groups to list their members; use it with what='members'")
    if join:
        options = {**options, "join": True}
    scheduling = {name: options.pop(name) for name in _SCHEDULING if name in options}
    calls = [spec.check(target, **options) for target in given]
    handles: list[ManagedHandle] = []
    try:
        for args in calls:
            handles.append(manager.submit(spec, args, **scheduling))
    except BaseException:
        for handle in handles:
            handle.cancel()
        raise
    results = await asyncio.gather(*handles, return_exceptions=True)
    return _result(spec.frame or what, given, handles, results)


_SCHEDULING = ("priority", "timeout", "queue_timeout")


def _collection(what: str) -> OperationSpec:
    """The operation ``what`` names, if it collects one target into a frame."""
    collections = [
        spec.name
        for spec in CATALOGUE
        if spec.frame is not None and not spec.live and "target" in {p.name for p in spec.params}
    ]
    if what not in collections:
        names = " or ".join(f'"{name}"' for name in collections)
        raise ValueError(f"what must be {names}, got {what!r}")
    return CATALOGUE.get(what)


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
