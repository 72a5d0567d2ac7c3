"""What the store hands back: collections, their status, cached entities."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Defined in the one error tree (tgkit.errors); importable from here as before.
from tgkit.errors import CollectionInUse as CollectionInUse
from tgkit.errors import StoreError as StoreError


class CollectionStatus(enum.StrEnum):
    """Where a collection stands. Compares equal to its plain string."""

    RUNNING = "running"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


#: Statuses ``Store.finish`` accepts.
FINAL_STATUSES = frozenset(
    {CollectionStatus.COMPLETE, CollectionStatus.INTERRUPTED, CollectionStatus.FAILED}
)

#: Record kinds and the fields that identify one item of that kind.
ITEM_KEYS: dict[str, tuple[str, ...]] = {
    "members": ("user_id",),
    "messages": ("chat_id", "message_id"),
    "chat_info": ("chat_id",),
    "network_edges": ("source_chat_id", "edge_id"),
    "events": ("event_id",),
}

#: Kinds of cached entities.
ENTITY_KINDS = frozenset({"user", "chat", "channel"})


@dataclass(frozen=True, slots=True)
class Collection:
    """One collection: a target, a kind and parameters, with its checkpoint.

    ``resumed`` is True when the collection existed before ``open_collection``
    returned it (check ``status``: a complete one needs no more requests).
    ``checkpoint`` is whatever the last ``write_page`` stored, ``{}`` at first.
    """

    id: int
    account: str
    target: str
    kind: str
    params: dict[str, Any]
    status: CollectionStatus
    checkpoint: dict[str, Any]
    rows: int
    created_at: datetime
    updated_at: datetime
    resumed: bool
    error: str | None


@dataclass(frozen=True, slots=True)
class EntityRecord:
    """A user, chat or channel as seen by one account: enough to address it again.

    ``seen_at`` is epoch seconds. ``access_hash`` None means unknown.

    >>> EntityRecord("channel", 1234567890, -42, "tgkit_demo", "tgkit demo", 1.7e9).username
    'tgkit_demo'
    """

    kind: str
    id: int
    access_hash: int | None
    username: str | None
    title: str | None
    seen_at: float

    def __post_init__(self) -> None:
        if self.kind not in ENTITY_KINDS:
            raise ValueError(
                f"EntityRecord.kind must be one of {sorted(ENTITY_KINDS)}, got {self.kind!r}"
            )
        if isinstance(self.id, bool) or not isinstance(self.id, int):
            raise TypeError(f"EntityRecord.id must be an int, got {type(self.id).__name__}")
