"""A session's operations as plans: arguments checked, a label, the Telegram steps to run.

Each ``*_plan`` function checks its arguments at once (``InvalidTarget``,
``ValueError``, ``TypeError`` — before anything is queued or sent) and
returns an ``OperationPlan``: the operation's kind, its label in the queue and
``run(ctx)``, the steps it takes with the session's ``TelegramContext`` once
the scheduler starts it. ``TelegramSession`` submits plans;
``tgkit.manager.requests`` checks the same arguments the same way.

Example::

    plan = messages_plan("@group", days_back=7, since=None, until=None, limit=None, resume=True)
    plan.label  # 'messages @group'
    frame = await plan.run(ctx)
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tgkit.core import OperationKind
from tgkit.telegram.context import TelegramContext
from tgkit.telegram.join import join_chat
from tgkit.telegram.members import MemberOptions, scrape_members
from tgkit.telegram.messages import MessageWindow, scrape_messages
from tgkit.telegram.monitor import MessageCallback, MonitorOptions, MonitorState, run_monitor
from tgkit.telegram.send import check_text, send_message
from tgkit.telegram.targets import Target, parse_target

__all__ = [
    "MONITOR_GRACE_S",
    "OperationPlan",
    "join_members_plan",
    "members_plan",
    "messages_plan",
    "monitor_plan",
    "send_plan",
]

#: Extra run time a monitor gets beyond its duration (final back-fill, cleanup).
MONITOR_GRACE_S = 60.0


@dataclass(frozen=True, slots=True)
class OperationPlan:
    """One operation ready to submit: its kind, queue label and steps.

    ``least_timeout``: the run timeout it needs at least when the caller gave
    none (a monitor's duration plus ``MONITOR_GRACE_S``), else None.
    """

    kind: OperationKind
    label: str
    run: Callable[[TelegramContext], Awaitable[Any]]
    least_timeout: float | None = None


def members_plan(
    group_identifier: Any,
    max_members: int | None,
    fallback_to_messages: bool,
    message_days_back: float,
    resume: bool,
) -> OperationPlan:
    """Scrape the members of a group or channel (``TelegramSession.scrape_group_members``)."""
    target = parse_target(group_identifier)
    options = MemberOptions(max_members, fallback_to_messages, message_days_back)
    run = functools.partial(
        _members, target=target, options=options, resume=check_flag(resume, "resume")
    )
    return OperationPlan(OperationKind.SCRAPE, f"members {target.display}", run)


def join_members_plan(
    group_identifier: Any, max_members: int | None, resume: bool
) -> OperationPlan:
    """Join, then scrape members, as one operation (``join_and_scrape_members``)."""
    target = parse_target(group_identifier)
    options = MemberOptions(max_members)
    run = functools.partial(
        _join_members, target=target, options=options, resume=check_flag(resume, "resume")
    )
    return OperationPlan(OperationKind.SCRAPE, f"join+members {target.display}", run)


def messages_plan(
    chat: Any,
    *,
    days_back: float | None,
    since: Any,
    until: Any,
    limit: int | None,
    resume: bool,
) -> OperationPlan:
    """Scrape the messages of ``chat`` in a window (``TelegramSession.scrape_messages``)."""
    target = parse_target(chat)
    window = MessageWindow.of(days_back=days_back, since=since, until=until, limit=limit)
    run = functools.partial(
        _messages, target=target, window=window, resume=check_flag(resume, "resume")
    )
    return OperationPlan(OperationKind.SCRAPE, f"messages {target.display}", run)


def monitor_plan(
    chats: Any, duration: float, on_message: MessageCallback | None, stall_after: float
) -> tuple[OperationPlan, MonitorState]:
    """Watch ``chats``; the plan and the live state its ``MonitorHandle`` reads."""
    targets = monitor_targets(chats)
    options = MonitorOptions(duration, stall_after)
    if on_message is not None and not callable(on_message):
        raise TypeError("on_message must be a function taking a row (dict), or None")
    state = MonitorState(on_message)
    run = functools.partial(_monitor, targets=targets, options=options, state=state)
    label = "monitor " + ", ".join(target.display for target in targets)
    plan = OperationPlan(OperationKind.MONITOR, label, run, options.duration + MONITOR_GRACE_S)
    return plan, state


def send_plan(chat: Any, text: str) -> OperationPlan:
    """Send one text message (``TelegramSession.send_message``)."""
    target = parse_target(chat)
    text = check_text(text)
    run = functools.partial(send_message, target=target, text=text)
    return OperationPlan(OperationKind.SEND, f"send {target.display}", run)


def monitor_targets(chats: Any) -> tuple[Target, ...]:
    """The chats of a monitor call, parsed (one target or a list)."""
    if isinstance(chats, str | Target) or not isinstance(chats, Sequence):
        chats = [chats]
    targets = tuple(parse_target(chat) for chat in chats)
    if not targets:
        raise ValueError("chats must name at least one chat to monitor")
    return targets


def check_flag(value: object, argument: str) -> bool:
    """``value`` if it is True or False, else a ``TypeError`` naming ``argument``."""
    if not isinstance(value, bool):
        raise TypeError(f"{argument} must be True or False, got {value!r}")
    return value


async def _members(
    ctx: TelegramContext, *, target: Target, options: MemberOptions, resume: bool
) -> Any:
    return await scrape_members(ctx, target, options, resume=resume)


async def _join_members(
    ctx: TelegramContext, *, target: Target, options: MemberOptions, resume: bool
) -> Any:
    chat = await join_chat(ctx, target)
    return await scrape_members(ctx, target, options, chat=chat, resume=resume)


async def _messages(
    ctx: TelegramContext, *, target: Target, window: MessageWindow, resume: bool
) -> Any:
    return await scrape_messages(ctx, target, window, resume=resume)


async def _monitor(
    ctx: TelegramContext, *, targets: Sequence[Target], options: MonitorOptions, state: MonitorState
) -> Any:
    return await run_monitor(ctx, targets, options, state)
