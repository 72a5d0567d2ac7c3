"""TelegramSessions as the dispatcher's workers, and one collection per target across them.

``SessionWorker`` gives the dispatcher what it needs of a session: its name,
its scheduler, and its pacer's flood waits.

``share_collections`` is the hook that lets an operation moved to another
account continue from the first account's checkpoint. The store keys a
collection by (account, target, kind, params); inside a manager, every
session opens collections under one pool name instead of its own account,
so a collection begun by one account is resumed by the next (checkpoints
are offsets into Telegram's lists, the same for every account). The entity
cache and flood state stay per account: only ``open_collection`` is
re-keyed. Sessions without a store keep none; all sessions with a store
share the first one's collections.

It goes through ``TelegramSession.collect_into``; ``unshare_collections``
gives the session its own store back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from tgkit.core import Scheduler
from tgkit.telegram.catalogue import Arguments, OperationSpec

__all__ = [
    "ManagedSession",
    "SessionWorker",
    "SharedCollections",
    "share_collections",
    "unshare_collections",
]


@runtime_checkable
class ManagedSession(Protocol):
    """What a SessionManager needs of a session (``TelegramSession`` is one).

    It hands work over with ``submit`` (a spec and arguments the spec has
    checked), never by method name.
    """

    @property
    def name(self) -> str: ...

    @property
    def scheduler(self) -> Scheduler: ...

    @property
    def pacer(self) -> Any: ...

    @property
    def store(self) -> Any: ...

    @property
    def config(self) -> Any: ...

    @property
    def is_connected(self) -> bool: ...

    async def connect(self) -> Any: ...

    async def disconnect(self) -> None: ...

    def submit(
        self,
        spec: OperationSpec,
        args: Arguments,
        *,
        priority: int | None = None,
        timeout: Any = None,
        queue_timeout: Any = None,
    ) -> Any: ...

    def subscribe(self, callback: Callable[[Any], object]) -> Callable[[], None]: ...

    def cancel(self, op_id: str, by: str = "handle") -> bool: ...

    def snapshot(self) -> Any: ...

    def history(self) -> Any: ...

    def collect_into(self, collections: Any) -> None: ...


class SessionWorker:
    """A TelegramSession seen by the dispatcher."""

    def __init__(self, session: ManagedSession) -> None:
        self.session = session

    def __repr__(self) -> str:
        return f"<SessionWorker {self.name!r}>"

    @property
    def name(self) -> str:
        return self.session.name

    @property
    def scheduler(self) -> Scheduler:
        return self.session.scheduler

    def flood_wait_remaining(self, request_type: str) -> float:
        pacer = self.session.pacer
        return 0.0 if pacer is None else pacer.flood_wait_remaining(request_type)


class SharedCollections:
    """A store whose collections are keyed by a pool instead of the account.

    Everything but ``open_collection`` goes to ``store`` unchanged.

    Example::

        shared = SharedCollections(store, pool="manager:study")
        shared.open_collection(account="42", target="@g", kind="members", params={})
        # the same collection as for account "77"
    """

    def __init__(self, store: Any, pool: str) -> None:
        self.store = store
        self.pool = pool

    def __repr__(self) -> str:
        return f"<SharedCollections {self.pool!r} in {self.store!r}>"

    def open_collection(
        self,
        *,
        account: str,
        target: str,
        kind: str,
        params: Mapping[str, Any],
        resume: bool = True,
    ) -> Any:
        return self.store.open_collection(
            account=self.pool, target=target, kind=kind, params=params, resume=resume
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def share_collections(session: Any, store: Any, pool: str) -> bool:
    """Make ``session`` open its collections in ``store`` under ``pool``.

    Returns False (and changes nothing) when the session is not connected or
    keeps no store.
    """
    if not session.is_connected or session.store is None:
        return False
    session.collect_into(SharedCollections(store, pool))
    return True


def unshare_collections(session: Any) -> None:
    """Give ``session`` its own store back (after ``share_collections``)."""
    session.collect_into(None)
