"""Pages into a collection: de-duplicated, stored before they count, resumable.

A ``PageCollector`` is what a scrape writes its pages into. For each page it

1. drops rows already collected (by user id for members, by chat and message
   id for messages),
2. commits the new rows *and* the pager's checkpoint to the store in one
   transaction (``Store.write_columns``) when a store is in use, and only then
3. appends them to the columns the final DataFrame is built from, and reports
   progress to the running operation.

``PageCollector.open(...)`` reopens an unfinished collection of the same
target, kind and parameters when ``resume=True``: its rows come back from the
store and its ``checkpoint`` tells the pager where to continue, so a re-run
after a crash, timeout, cancel or long flood wait ends with exactly the rows of
an undisturbed run. A collection that already completed is returned as it is
(``complete`` is True) and needs no requests.

``collecting(collector, describe)`` wraps a scrape: whatever way it ends
(error, cancel, timeout), the rows gathered so far become the operation's
``partial`` frame and the stored collection is marked interrupted or failed.

Example::

    collector = PageCollector.open("members", store=store, account="42",
                                   target="@x", params={"max_members": None})
    collector.add(columns, checkpoint={"phase": "participants", "offset": 200})
    df = collector.frame(attrs)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd

from tgkit import provenance
from tgkit.core import current_operation
from tgkit.errors import FloodWait
from tgkit.frames import SCHEMAS, frame_from_columns
from tgkit.keysets import IntKeys
from tgkit.telegram.collect_chunks import ChunkedColumns

log = logging.getLogger(__name__)

__all__ = ["PageCollector", "collecting"]

_KEY_COLUMNS = {
    "members": ("user_id",),
    "messages": ("chat_id", "message_id"),
    "chat_info": ("chat_id",),
    "network_edges": ("source_chat_id", "edge_id"),
    "events": ("event_id",),
}
#: Kinds whose rows are kept as typed chunks (``collect_chunks``): the large ones.
_CHUNKED_KINDS = frozenset({"members"})


class PageCollector:
    """The rows of one collection, de-duplicated, optionally mirrored in the store."""

    def __init__(
        self,
        kind: str,
        *,
        store: Any = None,
        collection: Any = None,
        stored_rows: Sequence[Mapping[str, Any]] = (),
        order_by: Sequence[str] = (),
    ) -> None:
        self.kind = kind
        self._order_by = list(order_by)
        self._names = tuple(SCHEMAS[kind])
        self._key_columns = _KEY_COLUMNS[kind]
        self._store = store
        self._collection = collection
        self._columns: dict[str, list[Any]] = {name: [] for name in self._names}
        self._chunks = ChunkedColumns(kind) if kind in _CHUNKED_KINDS else None
        self._keys: set[Any] | IntKeys = IntKeys() if self._chunks is not None else set()
        self.checkpoint: dict[str, Any] = dict(collection.checkpoint) if collection else {}
        self.complete = bool(collection is not None and collection.status == "complete")
        if stored_rows:
            self._extend(frame_columns(kind, stored_rows))

    @classmethod
    def open(
        cls,
        kind: str,
        *,
        store: Any,
        account: str,
        target: str,
        params: Mapping[str, Any],
        resume: bool = True,
        order_by: Sequence[str] = (),
    ) -> PageCollector:
        """A collector for (account, target, kind, params), resumed from ``store`` if asked.

        ``order_by`` sorts the frame (default: the order rows arrived in).
        """
        if store is None:
            return cls(kind, order_by=order_by)
        collection = store.open_collection(
            account=account, target=target, kind=kind, params=dict(params), resume=resume
        )
        rows = store.records(collection.id) if collection.resumed else ()
        if collection.resumed:
            provenance.note_resumed(store.attrs(collection.id).get("provenance"))
            log.info(
                "resuming %s collection %d of %s: %d rows, checkpoint %s",
                kind,
                collection.id,
                target,
                len(rows),
                collection.checkpoint,
            )
        return cls(kind, store=store, collection=collection, stored_rows=rows, order_by=order_by)

    @property
    def collection_id(self) -> int | None:
        """The store's id of this collection (None without a store)."""
        return None if self._collection is None else self._collection.id

    @property
    def resumed(self) -> bool:
        """True when this run continues a stored collection."""
        return bool(self._collection is not None and self._collection.resumed)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: Any) -> bool:
        return key in self._keys

    def unseen(self, keys: Iterable[Any]) -> list[Any]:
        """The keys (user ids; (chat id, message id) pairs) not collected yet, in order."""
        keys = list(keys)
        return [key for key, seen in zip(keys, self._seen(keys), strict=True) if not seen]

    def column(self, name: str) -> Sequence[Any]:
        """The values collected so far in column ``name`` (a live view; do not modify)."""
        if self._chunks is not None:
            return self._chunks.column(name)
        return self._columns[name]

    def add(self, columns: Mapping[str, list[Any]], *, checkpoint: Mapping[str, Any]) -> int:
        """Add a page (one list per column); store it with ``checkpoint``; return new rows."""
        fresh = self._new_rows(columns)
        if self._store is not None:
            self._store.write_columns(self._collection.id, fresh, checkpoint=dict(checkpoint))
        self.checkpoint = dict(checkpoint)
        self._extend(fresh)
        return len(fresh[self._names[0]])

    def advance(self, checkpoint: Mapping[str, Any]) -> None:
        """Store a new checkpoint without rows (e.g. a pager moving to its next phase)."""
        if self._store is not None:
            self._store.write_page(self._collection.id, [], checkpoint=dict(checkpoint))
        self.checkpoint = dict(checkpoint)

    def frame(self, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """The collected rows as a typed DataFrame with ``attrs`` (``from_store`` False)."""
        attrs = {**self._with_id(attrs), "from_store": False}
        if self._chunks is not None:
            frame = self._chunks.frame(attrs)
        else:
            frame = frame_from_columns(self.kind, self._columns, attrs)
        if not self._order_by:
            return frame
        ordered = frame.sort_values(self._order_by, kind="stable", ignore_index=True)
        ordered.attrs = frame.attrs
        return ordered

    def finish(
        self, status: str, *, attrs: Mapping[str, Any] | None = None, error: str = ""
    ) -> None:
        """Mark the stored collection complete, interrupted or failed."""
        if self._store is None or self._collection is None:
            return
        self._store.finish(
            self._collection.id, status, error=error or None, attrs=self._with_id(attrs)
        )

    def stored_frame(self) -> pd.DataFrame:
        """The stored frame of a collection that already completed.

        ``attrs["from_store"]`` is True and ``attrs["collected_at"]`` says when it
        was collected (no request was made now; ``resume=False`` collects afresh).
        """
        frame = self._store.frame(self._collection.id)
        frame.attrs["from_store"] = True
        frame.attrs["collected_at"] = self._collection.updated_at
        return frame

    def _with_id(self, attrs: Mapping[str, Any] | None) -> dict[str, Any]:
        result = dict(attrs or {})
        if self.collection_id is not None:
            result.setdefault("collection_id", self.collection_id)
        return result

    def _new_rows(self, columns: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
        rows = len(next(iter(columns.values()), ()))
        keys = self._page_keys(columns)
        seen = self._seen(keys)
        if not any(seen) and len(set(keys)) == rows:  # the usual case
            return {name: columns.get(name) or [None] * rows for name in self._names}
        keep: list[int] = []
        batch: set[Any] = set()
        for index, key in enumerate(keys):
            if not seen[index] and key not in batch:
                batch.add(key)
                keep.append(index)
        return {
            name: [values[i] for i in keep]
            if (values := columns.get(name)) is not None
            else [None] * len(keep)
            for name in self._names
        }

    def _seen(self, keys: list[Any]) -> list[bool]:
        if isinstance(self._keys, IntKeys):
            return self._keys.seen(keys)
        known = self._keys
        return [key in known for key in keys]

    def _page_keys(self, columns: Mapping[str, list[Any]]) -> list[Any]:
        if len(self._key_columns) == 1:
            return list(columns.get(self._key_columns[0], ()))
        return list(zip(*(columns[name] for name in self._key_columns), strict=True))

    def _extend(self, columns: Mapping[str, list[Any]]) -> None:
        key_values = [columns[name] for name in self._key_columns]
        if isinstance(self._keys, IntKeys):  # rows are new: checked by add, or stored once
            self._keys.update(key_values[0], new=True)
        elif len(self._key_columns) == 1:
            self._keys.update(key_values[0])
        else:
            self._keys.update(zip(*key_values, strict=True))
        if self._chunks is not None:
            self._chunks.extend(columns)
            return
        for name in self._names:
            self._columns[name].extend(columns[name])


def frame_columns(kind: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Records (dicts) as one list per column of ``kind``."""
    return {name: [row.get(name) for row in rows] for name in SCHEMAS[kind]}


@contextmanager
def collecting(
    collector: PageCollector, describe: Callable[[], Mapping[str, Any]]
) -> Iterator[PageCollector]:
    """Run a scrape into ``collector``; on any failure keep what it gathered.

    ``describe()`` gives the attrs of the partial frame. A cancel, timeout or
    flood wait marks the stored collection "interrupted" (resumable), other
    errors "failed" (resumable too).
    """
    try:
        yield collector
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, asyncio.CancelledError | FloodWait) else "failed"
        attrs = {**describe(), "partial": True, "stopped_by": type(exc).__name__}
        op = current_operation()
        if op is not None:
            op.set_partial(collector.frame(attrs))
        try:
            collector.finish(status, attrs=attrs, error=f"{type(exc).__name__}: {exc}")
        except Exception:  # the original error matters more than a failed bookkeeping write
            log.exception("could not mark collection %s %s", collector.collection_id, status)
        raise
