"""The errors operations end with, worded so a researcher knows what to do next."""

from __future__ import annotations

from tgkit.core.errors import Cancelled, LockTimeout, OperationTimeout, QueueTimeout, SessionClosed
from tgkit.core.operation import Operation
from tgkit.errors import canceller_text


def expired(op: Operation, waited: float, blocker: str) -> QueueTimeout:
    """``op`` waited past its ``queue_timeout`` behind ``blocker``."""
    return QueueTimeout(
        f"{op.describe()} waited {seconds(waited)} s in the queue behind {blocker}; "
        "raise queue_timeout or cancel the running operation",
        waited=waited,
    )


def lock_held_outside(
    op: Operation, waited: float, holder: str, held: float, limit: float
) -> LockTimeout:
    """``op`` could not start because code outside the scheduler kept the lock."""
    return LockTimeout(
        f"{op.describe()} could not start: {holder} has held the session lock outside the "
        f"scheduler for {seconds(held)} s (lock_timeout {limit:g} s). Leave that block "
        "(is it awaiting this operation?) or raise lock_timeout",
        waited=waited,
        holder=holder,
    )


def timed_out(op: Operation) -> OperationTimeout:
    """``op`` ran past its ``timeout``."""
    return OperationTimeout(
        f"{op.describe()} ran past its timeout of {op.timeout:g} s and was cancelled; "
        f"pass a larger timeout= or set SessionConfig.timeouts[{op.kind.name}]",
        timeout=op.timeout,
    )


def cancelled(
    op: Operation, while_: str, reason: str | None = None, by: str = "handle"
) -> Cancelled:
    """``op`` was cancelled while queued or running, by whom (``Cancelled.by``), and why."""
    why = f": {reason}" if reason else ""
    return Cancelled(
        f"{op.describe()} was cancelled while {while_} by {canceller_text(by)}{why}", by=by
    )


def closed_before_start(op: Operation, scheduler: str) -> SessionClosed:
    """The scheduler stopped while ``op`` was queued."""
    return SessionClosed(
        f"scheduler {scheduler!r} stopped before {op.describe()} started; it did not run"
    )


def closed_while_running(op: Operation, scheduler: str, drain_timeout: float) -> SessionClosed:
    """The scheduler stopped and ``op`` did not finish within the drain timeout."""
    return SessionClosed(
        f"scheduler {scheduler!r} stopped while {op.describe()} was running; it did not "
        f"finish within drain_timeout ({drain_timeout:g} s) and was cancelled. What it "
        "gathered is in handle.partial"
    )


def not_open(scheduler: str, *, started: bool) -> SessionClosed:
    """Submitting before ``start()`` or after ``stop()``."""
    if not started:
        return SessionClosed(
            f"scheduler {scheduler!r} is not started; nothing was queued. "
            "Await scheduler.start() (connect the session) first"
        )
    return SessionClosed(
        f"scheduler {scheduler!r} is stopped; nothing was queued. "
        "Start it again (reconnect the session) to submit operations"
    )


def wrong_loop(scheduler: str) -> str:
    """Submitting from a thread or loop other than the scheduler's."""
    return (
        f"Scheduler {scheduler!r}.submit was called outside the event loop it was started on; "
        "from another thread use asyncio.run_coroutine_threadsafe on that loop"
    )


def seconds(value: float) -> str:
    """Seconds for a message: 61.2, 0.05."""
    return f"{value:.1f}" if value >= 10 else f"{value:.2g}"
