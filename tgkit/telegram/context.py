"""What every operation needs, handed over explicitly: requests, targets, store, account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tgkit.telegram.resolve import Resolver
from tgkit.telegram.rpc import Rpc
from tgkit.telegram.settings import SessionConfig

__all__ = ["TelegramContext", "utc_now"]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TelegramContext:
    """One session's request path, resolver, store (or None) and account key.

    ``account`` keys the store's collections, flood state and entity cache:
    the logged-in user's id as a string.
    """

    rpc: Rpc
    resolver: Resolver
    store: Any
    account: str
    config: SessionConfig
