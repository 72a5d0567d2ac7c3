"""An operation call as dispatcher ``Work``: how to start it on a session, and where it may run.

The call's arguments were checked once by its spec (``OperationSpec.check``)
before anything was queued; ``work`` only decides placement. The manager's
identity of a call (``key``: identical calls join) is the operation and every
checked argument; its exclusivity key (``target``) is the target's key for
operations that are ``exclusive`` (collections), none for sends and monitors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tgkit.errors import ChatNotFound
from tgkit.telegram.catalogue import (
    Arguments,
    OperationSpec,
    optional_priority,
    optional_seconds,
)
from tgkit.telegram.targets import Target, TargetKind

from .jobs import Job, Work
from .routing import Reach

__all__ = ["Call", "RequestBuilder"]

# A numeric id or an entity only resolves on accounts that have seen the chat.
_ACCOUNT_BOUND = (TargetKind.ID, TargetKind.ENTITY)


@dataclass(frozen=True, slots=True)
class Call:
    """Scheduling options of one call (``None``: the session's defaults)."""

    priority: int | None = None
    timeout: float | None = None
    queue_timeout: float | None = None

    @classmethod
    def of(cls, priority: Any = None, timeout: Any = None, queue_timeout: Any = None) -> Call:
        """Checked at once: durations as seconds, a timedelta or text such as ``"10min"``."""
        return cls(
            optional_priority(priority, "priority"),
            optional_seconds(timeout, "timeout"),
            optional_seconds(queue_timeout, "queue_timeout"),
        )

    def session_kwargs(self) -> dict[str, Any]:
        # The manager keeps its own queue, so work it hands to a session
        # does not expire there unless the caller asked for a queue_timeout.
        queue_timeout = math.inf if self.queue_timeout is None else self.queue_timeout
        return {"priority": self.priority, "timeout": self.timeout, "queue_timeout": queue_timeout}


class RequestBuilder:
    """Builds ``Work`` for operation calls.

    ``reached(target_key, session_name)`` says whether that session already
    collected from the target (it is a member): such sessions go first for
    private targets.
    """

    def __init__(self, reached: Callable[[str, str], bool]) -> None:
        self._reached = reached

    def work(
        self,
        spec: OperationSpec,
        args: Arguments,
        call: Call,
        keep: Callable[[Any], Any] | None = None,
    ) -> Work:
        """The ``Work`` for one call; ``keep`` receives a live operation's session handle."""

        def start(worker: Any, job: Job) -> Any:
            handle = worker.session.submit(spec, args, **call.session_kwargs())
            if spec.live:
                if keep is not None:
                    keep(handle)
                return handle.operation
            return handle

        target = args.target
        exclusive = spec.exclusive and target is not None
        return Work(
            kind=spec.kind,
            label=spec.label(args),
            start=start,
            priority=call.priority,
            target=target.key if exclusive and target is not None else None,
            key=(spec.name, *args.key()) if exclusive else None,
            request_types=spec.request_types(args),
            reach=None if target is None or spec.live else self._reach(target, _joins(args)),
            unreachable=(ChatNotFound,) if _account_bound(args) else (),
        )

    def _reach(self, target: Target, joins: bool) -> Callable[[Any], Reach]:
        def reach(worker: Any) -> Reach:
            if self._reached(target.key, worker.name):
                return Reach.MEMBER
            if joins and target.kind is TargetKind.INVITE:
                return Reach.CAN_JOIN
            return Reach.OPEN

        return reach


def _account_bound(args: Arguments) -> bool:
    targets = args.get("targets") or (args.get("target"),)
    return any(isinstance(t, Target) and t.kind in _ACCOUNT_BOUND for t in targets)


def _joins(args: Arguments) -> bool:
    return args.get("join") is True
