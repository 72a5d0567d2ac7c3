"""The manager's operations as dispatcher ``Work``: validated arguments, how to start, where.

Each builder checks its arguments exactly as ``TelegramSession`` does (so
bad input fails before anything is queued or sent) and returns the ``Work``
whose ``start(worker, job)`` calls the same method on the chosen session.
The manager's identity of a request (``key``: identical requests join) is
the method, the target's canonical key and every argument that changes the
result; its exclusivity key (``target``) is the target's key for
collections, none for sends and monitors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tgkit.core import OperationKind
from tgkit.errors import ChatNotFound
from tgkit.telegram.members import MemberOptions
from tgkit.telegram.messages import MessageWindow
from tgkit.telegram.monitor import MonitorOptions
from tgkit.telegram.operations import check_flag, monitor_targets
from tgkit.telegram.send import check_text
from tgkit.telegram.targets import Target, TargetKind, parse_target

from .jobs import Job, Work
from .routing import Reach

__all__ = ["Call", "RequestBuilder"]

MEMBER_REQUESTS = frozenset({"channels.GetFullChannel", "channels.GetParticipants"})
HISTORY_REQUESTS = frozenset({"messages.GetHistory"})
SEND_REQUESTS = frozenset({"messages.SendMessage"})
JOIN_REQUESTS = {
    TargetKind.INVITE: frozenset({"messages.CheckChatInvite", "messages.ImportChatInvite"}),
    TargetKind.USERNAME: frozenset({"channels.JoinChannel"}),
}
# A numeric id or an entity only resolves on accounts that have seen the chat.
_ACCOUNT_BOUND = (TargetKind.ID, TargetKind.ENTITY)


@dataclass(frozen=True, slots=True)
class Call:
    """Scheduling options of one call (``None``: the session's defaults)."""

    priority: int | None = None
    timeout: float | None = None
    queue_timeout: float | None = None

    def session_kwargs(self) -> dict[str, Any]:
        # The manager keeps its own queue, so work it hands to a session
        # does not expire there unless the caller asked for a queue_timeout.
        queue_timeout = math.inf if self.queue_timeout is None else self.queue_timeout
        return {"priority": self.priority, "timeout": self.timeout, "queue_timeout": queue_timeout}


class RequestBuilder:
    """Builds ``Work`` for the manager's operations.

    ``reached(target_key, session_name)`` says whether that session already
    collected from the target (it is a member): such sessions go first for
    private targets.
    """

    def __init__(self, reached: Callable[[str, str], bool]) -> None:
        self._reached = reached

    def members(
        self,
        group_identifier: Any,
        max_members: int | None,
        fallback_to_messages: bool,
        message_days_back: float,
        resume: bool,
        call: Call,
        *,
        join: bool = False,
    ) -> Work:
        target = parse_target(group_identifier)
        options = MemberOptions(max_members, fallback_to_messages, message_days_back)
        check_flag(resume, "resume")
        method = "join_and_scrape_members" if join else "scrape_group_members"
        if join:
            args: tuple[Any, ...] = (group_identifier, max_members)
        else:
            args = (group_identifier, max_members, fallback_to_messages, message_days_back)
        requests = MEMBER_REQUESTS
        if join:
            requests = requests | JOIN_REQUESTS.get(target.kind, frozenset())
        return self._work(
            OperationKind.SCRAPE,
            f"{'join+members' if join else 'members'} {target.display}",
            method,
            args,
            {"resume": resume},
            call,
            target=target,
            key=(method, target.key, *_fields(options), resume),
            requests=requests,
            joins=join,
        )

    def messages(
        self,
        chat: Any,
        *,
        days_back: float | None,
        since: Any,
        until: Any,
        limit: int | None,
        resume: bool,
        call: Call,
    ) -> Work:
        target = parse_target(chat)
        window = MessageWindow.of(days_back=days_back, since=since, until=until, limit=limit)
        check_flag(resume, "resume")
        kwargs = {
            "days_back": days_back, "since": since, "until": until, "limit": limit,
            "resume": resume,
        }
        params = tuple(sorted((k, repr(v)) for k, v in window.params().items()))
        return self._work(
            OperationKind.SCRAPE,
            f"messages {target.display}",
            "scrape_messages",
            (chat,),
            kwargs,
            call,
            target=target,
            key=("scrape_messages", target.key, params, resume),
            requests=HISTORY_REQUESTS,
        )

    def send(self, chat: Any, text: str, call: Call) -> Work:
        target = parse_target(chat)
        check_text(text)
        return self._work(
            OperationKind.SEND,
            f"send {target.display}",
            "send_message",
            (chat, text),
            {},
            call,
            target=target,
            key=None,
            requests=SEND_REQUESTS,
            exclusive=False,
        )

    def monitor(
        self,
        chats: Any,
        duration: float,
        on_message: Any,
        stall_after: float,
        call: Call,
        keep: Callable[[Any], Any],
    ) -> Work:
        targets = monitor_targets(chats)
        if on_message is not None and not callable(on_message):
            raise TypeError("on_message must be a function taking a row (dict), or None")
        MonitorOptions(duration, stall_after)

        def start(worker: Any, job: Job) -> Any:
            handle = worker.session.monitor(
                chats, duration, on_message, stall_after=stall_after, **call.session_kwargs()
            )
            keep(handle)
            return handle.operation

        account_bound = any(t.kind in _ACCOUNT_BOUND for t in targets)
        return Work(
            kind=OperationKind.MONITOR,
            label="monitor " + ", ".join(t.display for t in targets),
            start=start,
            priority=call.priority,
            unreachable=(ChatNotFound,) if account_bound else (),
        )

    def _work(
        self,
        kind: OperationKind,
        label: str,
        method: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        call: Call,
        *,
        target: Target,
        key: Any,
        requests: frozenset[str],
        joins: bool = False,
        exclusive: bool = True,
    ) -> Work:
        def start(worker: Any, job: Job) -> Any:
            return getattr(worker.session, method)(*args, **kwargs, **call.session_kwargs())

        return Work(
            kind=kind,
            label=label,
            start=start,
            priority=call.priority,
            target=target.key if exclusive else None,
            key=key,
            request_types=requests,
            reach=self._reach(target, joins),
            unreachable=(ChatNotFound,) if target.kind in _ACCOUNT_BOUND else (),
        )

    def _reach(self, target: Target, joins: bool) -> Callable[[Any], Reach]:
        def reach(worker: Any) -> Reach:
            if self._reached(target.key, worker.name):
                return Reach.MEMBER
            if joins and target.kind is TargetKind.INVITE:
                return Reach.CAN_JOIN
            return Reach.OPEN

        return reach


def _fields(options: MemberOptions) -> tuple[Any, ...]:
    return (options.max_members, options.fallback_to_messages, options.message_days_back)

