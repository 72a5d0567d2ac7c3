"""Submitting: checking what is submitted, and ``Scheduler.submit`` itself.

``submit`` is on every operation's path, so it does the common case's work
inline (checks, the handle's fields, the queue push) rather than through calls.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import inspect
from collections.abc import Callable, Coroutine
from contextvars import copy_context
from threading import get_ident
from types import FunctionType
from typing import TYPE_CHECKING, Any

from tgkit.core.config import positive_seconds, priority_value
from tgkit.core.execution import _current_task
from tgkit.core.handle import OperationHandle
from tgkit.core.kinds import OperationKind
from tgkit.core.operation import _NO_PROGRESS as NO_PROGRESS
from tgkit.core.operation import OperationState, _current, next_seq
from tgkit.core.run import Run

if TYPE_CHECKING:
    from tgkit.core.scheduler import Scheduler

QUEUED = OperationState.QUEUED
RUNNING = OperationState.RUNNING
_new = object.__new__


class _Status(enum.Enum):
    NEW = "new"
    STARTED = "started"
    STOPPING = "stopping"
    STOPPED = "stopped"


_STARTED = _Status.STARTED


def _nothing() -> None:
    """What ``Scheduler._last_func`` is before any function was seen: never a function."""
    return None


def submit(
    self: Scheduler,
    kind: OperationKind | str,
    func: Callable[..., Coroutine[Any, Any, Any]],
    /,
    *args: Any,
    priority: int | None = None,
    timeout: float | None = None,
    queue_timeout: float | None = None,
    label: str | None = None,
    **kwargs: Any,
) -> OperationHandle:
    """Run ``await func(*args, **kwargs)`` as an operation of ``kind``; returns its handle.

    ``func`` must be an async function (``async def``, a partial of one, or
    an object with ``async def __call__``); anything else is a TypeError.
    ``priority``, ``timeout`` and ``queue_timeout`` default to the config's
    values for ``kind``; timeouts are seconds > 0 (``math.inf``: no limit).
    These four names and ``label`` are not forwarded to ``func``. Called
    from inside an operation of this scheduler, the new operation runs
    inline at once, under the lock the outer one holds.

    Once dispatched, an operation that is being awaited runs in the
    awaiting task, like a direct call (so cancelling that task cancels
    it); one nobody awaits runs in a task of its own, in the context it
    was submitted from. Either way ``current_operation()`` is set.

    >>> handle = scheduler.submit(OperationKind.SEND, send, "@chat", "hi",
    ...                           timeout=30)  # doctest: +SKIP
    """
    # The common cases are checked inline: submit is on every operation's path.
    if kind.__class__ is not OperationKind:
        kind = OperationKind.of(kind)
    if self._last_func() is not func:
        self._check_new_func(func)
    if label is None:
        label = self._last_label
    elif label.__class__ is not str:
        label = check_label(label, func)
    default_priority, default_timeout, default_queue_timeout = self._defaults[kind]
    if priority is None:
        priority = default_priority
    else:
        priority = priority_value(priority, "priority")
    timeout = default_timeout if timeout is None else positive_seconds(timeout, "timeout")
    if queue_timeout is None:
        queue_timeout = default_queue_timeout
    else:
        queue_timeout = positive_seconds(queue_timeout, "queue_timeout")
    engine = self._engine
    parent = _current.get()
    inline = (
        parent is not None
        and getattr(parent, "engine", None) is engine
        and parent.state is RUNNING
    )
    # Are we on the engine's loop? asyncio.get_running_loop() costs a getpid()
    # call; a task of that loop running in this thread says the same.
    if (
        self._status is not _STARTED
        or _current_task(engine.loop) is None
        or get_ident() != engine.thread
    ):
        self._check_open(inline)
    now = engine.clock()
    # The handle: new_run's fields, set here (a call fewer per operation; change the
    # two together: tests/core/test_queue.py checks both set every slot alike).
    handle = _new(OperationHandle)
    handle.seq = next_seq()
    handle.kind = kind
    handle.label = label
    handle.func = func
    handle.args = args
    handle.kwargs = kwargs
    handle.priority = priority
    handle.timeout = timeout
    handle.queue_timeout = queue_timeout
    handle.queued_at = now
    handle.wall_offset = engine.wall_offset
    handle.state = QUEUED
    handle.progress = NO_PROGRESS
    handle.started_at = handle.finished_at = handle.error = handle.result_value = (
        handle.partial
    ) = handle._report = handle.parent_id = None
    handle.engine = engine
    handle.context = copy_context()
    handle.task = handle.runner = handle.waiters = handle.done_callbacks = (
        handle.children
    ) = handle.parent = handle.cancel_error = None
    handle.claimed = handle.timed_out = handle.queued = False
    handle.cancels_sent = handle.cancelling_before = 0
    queue = engine.queue
    if (
        engine.running is not None
        and priority == queue._tail_priority
        and queue_timeout == queue._tail_timeout
        and not inline
        and not engine.subscribers.callbacks
    ):
        # Engine.enqueue, inline for the common case: busy, so it queues, in the
        # lane the last push went to (change the two together).
        queue._tail.append(handle)
        handle.queued = True
        queue.size += 1
        if now + queue_timeout < engine.expiry.at:
            engine.expiry.arm(now + queue_timeout)
    elif inline:
        assert isinstance(parent, Run)
        engine.start_inline(handle, parent)
    else:
        engine.enqueue(handle)
    return handle


def check_func(func: object) -> Callable[..., Any]:
    """``func`` if it is an async function (or callable object with ``async def __call__``).

    Raises TypeError naming ``func`` otherwise. A coroutine object (``fetch()``
    instead of ``fetch``) is closed, so it does not warn "never awaited".
    """
    if type(func) is FunctionType and func.__code__.co_flags & inspect.CO_COROUTINE:
        return func  # the common case, checked cheaply
    if asyncio.iscoroutine(func):
        func.close()
        raise TypeError(
            "func must be an async function, not a coroutine object: pass the function "
            "and its arguments, e.g. submit(kind, fetch, chat), not submit(kind, fetch(chat))"
        )
    if inspect.isasyncgenfunction(func):
        raise TypeError(
            f"func must be an async function returning a value, but {name_of(func)} is an "
            "async generator; collect its items inside an async def and submit that"
        )
    if not callable(func):
        raise TypeError(f"func must be an async function, got {func!r}")
    if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - an object with async __call__
    ):
        return func
    raise TypeError(
        f"func must be an async function (async def), but {name_of(func)} is not; "
        "wrap blocking work in an async def that awaits asyncio.to_thread(...)"
    )


def check_label(label: object, func: Callable[..., Any]) -> str:
    """``label``, or the function's name when None; TypeError naming ``label`` otherwise."""
    if label is None:
        return name_of(func)
    if not isinstance(label, str):
        raise TypeError(f"label must be a str or None, got {label!r}")
    return label


def name_of(func: object) -> str:
    """A readable name for a function, partial or callable object."""
    while isinstance(func, functools.partial):
        func = func.func
    name = getattr(func, "__name__", None) or getattr(func, "__qualname__", None)
    return name if isinstance(name, str) else type(func).__name__
