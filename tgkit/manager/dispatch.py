"""The dispatcher: many sessions' schedulers run as one, under caps, free of Telegram.

``Dispatcher`` keeps the manager's queue of ``Job``s (priority order, FIFO
within a priority) and hands each to one worker (anything with a ``name``, a
``tgkit.core.Scheduler`` as ``scheduler`` and ``flood_wait_remaining``) when

- the caps allow it (``limits.Caps``),
- its target is not being collected by another job (``limits.TargetLocks``),
- ``routing.choose_session`` finds a session for it.

It is event-driven like the scheduler: a submission, an attempt's end, a
session added or removed, or the end of the earliest flood wait it waits
for (one timer) runs one pass over the queue (``pump.Pump``); nothing polls.

An attempt that ends in a flood wait too long to sleep, on an account that
cannot reach the target, or on a session that closed, goes back to the queue
ahead of later work and moves to another session (``retries.RetryPolicy``); a
session in a flood wait for a request type the job needs is never chosen,
and when all are waiting the job waits for the earliest. With
``limits.rebalance`` an operation still queued behind a busy session moves
to a session that became idle.

Example::

    dispatcher = Dispatcher(ManagerLimits(max_running=2))
    dispatcher.add_worker(worker)
    handle = dispatcher.submit(Work(OperationKind.SCRAPE, "members @x", start))
    await handle
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

from tgkit.core import OperationKind, OperationState
from tgkit.errors import NoSessionAvailable, SessionClosed

from .events import ManagerSubscribers
from .floods import FloodLedger, loop_clock
from .jobs import Attempt, Job, ManagedHandle, Outcome, Work, classify
from .limits import Caps, ManagerLimits, TargetLocks
from .placement import Placement, Worker
from .pump import Pump
from .retries import RetryPolicy, Verdict
from .routing import Decision, DurationEstimator
from .snapshot import DispatchSnapshot, JobView, ManagerEvent, job_view

__all__ = ["Dispatcher", "NoSessionAvailable", "Worker"]

H = TypeVar("H", bound=ManagedHandle)


class Dispatcher:
    """Runs jobs across workers under caps, exclusivity and flood-aware routing."""

    def __init__(
        self,
        limits: ManagerLimits | None = None,
        *,
        expected_duration: Callable[[OperationKind], float] | None = None,
        classify_error: Callable[[BaseException], Outcome] = classify,
        clock: Callable[[], float] = loop_clock,
    ) -> None:
        self.limits = limits or ManagerLimits()
        self._caps = Caps(self.limits)
        self._locks: TargetLocks[Job] = TargetLocks()
        self._estimate = DurationEstimator(expected_duration or _kind_timeout)
        self._clock = clock
        self._workers: dict[str, Worker] = {}
        self._removed: set[str] = set()
        self._pending: list[Job] = []
        self._active: dict[str, Job] = {}
        self._floods = FloodLedger(clock)
        self._retries = RetryPolicy(self.limits, self._floods, self._estimate, classify_error)
        self._placement = Placement(
            self._workers, self._floods, self._estimate, lambda name: self._chosen.get(name, 0)
        )
        self._chosen: dict[str, int] = {}
        self._ids: Iterator[int] = itertools.count(1)
        self._choices: Iterator[int] = itertools.count(1)
        self._subscribers = ManagerSubscribers()
        self._unsubscribe: dict[str, Callable[[], None]] = {}
        self._pump = Pump(self._one_pass)
        self._closed = False

    # ----------------------------------------------------------- workers
    @property
    def workers(self) -> tuple[Worker, ...]:
        return tuple(self._workers.values())

    def worker(self, name: str) -> Worker:
        try:
            return self._workers[name]
        except KeyError:
            known = ", ".join(self._workers) or "none"
            raise ValueError(f"no session named {name!r} (sessions: {known})") from None

    def add_worker(self, worker: Worker) -> None:
        """Route work to ``worker`` from now on."""
        if worker.name in self._workers:
            raise ValueError(f"a session named {worker.name!r} is already managed")
        self._workers[worker.name] = worker
        self._removed.discard(worker.name)
        self._unsubscribe[worker.name] = worker.scheduler.subscribe(self._on_session_event)
        self._emit("session_added", session=worker.name)
        self._pump.run()

    def remove_worker(self, name: str, *, cancel_running: bool = False) -> Worker:
        """Stop routing to ``name``; its queued work moves to other sessions.

        The operation running there finishes there, unless ``cancel_running``
        (then it is cancelled and continues elsewhere). Work that ends on the
        removed session because it closed moves too.
        """
        worker = self.worker(name)
        del self._workers[name]
        self._removed.add(name)
        self._unsubscribe.pop(name)()
        for job in list(self._active.values()):
            attempt = job.current
            if attempt is None or attempt.session != name or attempt.handle is None:
                continue
            if cancel_running or attempt.handle.state is OperationState.QUEUED:
                attempt.handle.cancel(by="manager")  # its end moves the job (_on_attempt_end)
        self._emit("session_removed", session=name)
        self._pump.run()
        return worker

    # -------------------------------------------------------------- jobs
    def submit(self, work: Work, *, handle_type: type[H] = ManagedHandle) -> H:  # type: ignore[assignment]
        """Queue ``work``; an identical request in flight is joined instead.

        ``handle_type`` (a ManagedHandle subclass) is what the caller gets.
        """
        if self._closed:
            raise SessionClosed("the SessionManager is closed; open a new one to run more work")
        existing = self._locks.in_flight(work.key)
        if existing is not None:
            handle = handle_type(existing, self._cancel, joined=True)
            self._emit("joined", existing, detail=work.label)
            return handle
        seq = next(self._ids)
        job = Job(
            id=f"mop-{seq}",
            work=work,
            seq=seq,
            priority=work.kind.default_priority if work.priority is None else work.priority,
            future=asyncio.get_running_loop().create_future(),
            queued_at=self._clock(),
        )
        job.request_types.update(work.request_types)
        self._locks.register(work.key, job)
        handle = handle_type(job, self._cancel, joined=False)
        self._enqueue(job)
        self._emit("queued", job)
        self._pump.run()
        return handle

    def close(self) -> None:
        """Refuse new work and fail queued work with ``SessionClosed``.

        Work already handed to sessions ends with them (their disconnect
        drains or cancels it) and is not moved any more.
        """
        if self._closed:
            return
        self._closed = True
        self._pump.close()
        for unsubscribe in self._unsubscribe.values():
            unsubscribe()
        self._unsubscribe.clear()
        for job in list(self._pending):
            error = SessionClosed(
                f"the SessionManager closed before {job.id} ({job.work.label}) could run"
            )
            self._finish(job, OperationState.FAILED, error=error)

    def wake(self) -> None:
        """Look at the queue again (e.g. a session just connected)."""
        self._pump.run()

    @property
    def closed(self) -> bool:
        return self._closed

    def jobs(self) -> tuple[Job, ...]:
        """Unfinished jobs: queued in the manager, then handed to sessions."""
        return (*self._pending, *self._active.values())

    # ------------------------------------------------------------- pump
    def _one_pass(self) -> float | None:
        earliest = self._dispatch_pending()
        if self.limits.rebalance:
            self._rebalance()
        return earliest

    def _dispatch_pending(self) -> float | None:
        earliest: float | None = None
        loads: dict[str, tuple[bool, float]] = {}
        for job in list(self._pending):
            if not self._admissible(job):
                continue
            decision = self._placement.decide(job, loads)
            if decision.session is not None:
                self._start(job, self._workers[decision.session], loads)
            elif decision.wait is not None:
                self._wait_for_flood(job, decision)
                earliest = decision.wait if earliest is None else min(earliest, decision.wait)
            else:
                self._fail_unroutable(job, decision.reason)
        return earliest

    def _admissible(self, job: Job) -> bool:
        if self._caps.full:
            cap = self.limits.max_running
            job.reason = f"waiting for a free slot (at most {cap} operations at once)"
            return False
        if not self._caps.allows(job.kind):
            cap = self.limits.cap_for(job.kind)
            job.reason = f"waiting for a {job.kind.name} slot (at most {cap} at once)"
            return False
        holder = self._locks.holder(job.work.target)
        if holder is not None and holder is not job:
            job.reason = f"waiting for {holder.id} to finish collecting {job.work.target}"
            return False
        return True

    def _wait_for_flood(self, job: Job, decision: Decision) -> None:
        until = self._clock() + (decision.wait or 0.0)
        changed = job.waiting_until is None or abs(job.waiting_until - until) > 0.5
        job.waiting_until = until
        job.reason = decision.reason
        if changed:
            self._emit("waiting", job, detail=decision.reason)

    def _fail_unroutable(self, job: Job, reason: str) -> None:
        error = job.last_error or NoSessionAvailable(f"{job.work.label}: {reason}")
        self._finish(job, OperationState.FAILED, error=error)

    def _on_session_event(self, event: Any) -> None:
        # A session freed up (maybe from work the manager never saw): look
        # again once the scheduler has released its lock.
        if event.type == "finished" and not self._closed:
            self._pump.soon()

    # --------------------------------------------------------- attempts
    def _start(self, job: Job, worker: Worker, loads: dict[str, tuple[bool, float]]) -> None:
        self._pending.remove(job)
        self._caps.take(job.kind)
        self._locks.claim(job.work.target, job)
        job.waiting_until = None
        job.reason = "handed to a session"
        if self._launch(job, worker):
            wait = loads.get(worker.name, (False, 0.0))[1]
            loads[worker.name] = (False, wait + self._estimate.expected(job.kind))

    def _launch(self, job: Job, worker: Worker) -> bool:
        """Start an attempt of ``job`` (which holds a slot) on ``worker``."""
        attempt = Attempt(session=worker.name)
        job.attempts.append(attempt)
        self._active[job.id] = job
        self._chosen[worker.name] = next(self._choices)
        try:
            handle = job.work.start(worker, job)
        except Exception as error:  # the session refused it at once (closed, bad input)
            self._active.pop(job.id, None)
            self._caps.release(job.kind)
            verdict = self._retries.after_error(job, attempt, error, None, closed=self._closed)
            self._carry_out(job, verdict)
            return False
        attempt.handle = handle
        self._emit("dispatched", job, session=worker.name)
        handle.add_done_callback(lambda _h: self._on_attempt_end(job, attempt))
        return True

    def _on_attempt_end(self, job: Job, attempt: Attempt) -> None:
        if attempt.moved is not None:
            return  # taken away by the manager; its slot went with it
        self._active.pop(job.id, None)
        self._caps.release(job.kind)
        if not job.done:  # else cancelled between the attempt's end and this callback
            removed = attempt.session in self._removed
            verdict = self._retries.after_end(job, attempt, removed=removed, closed=self._closed)
            self._carry_out(job, verdict)
        self._pump.run()

    def _carry_out(self, job: Job, verdict: Verdict) -> None:
        if verdict.move is not None:
            self._requeue(job, verdict.move)
        else:
            assert verdict.state is not None
            self._finish(job, verdict.state, result=verdict.result, error=verdict.error)

    def _requeue(self, job: Job, reason: str) -> None:
        job.reason = reason
        self._enqueue(job)
        self._emit("moved", job, detail=reason)
        self._pump.again()

    def _enqueue(self, job: Job) -> None:
        bisect.insort(self._pending, job, key=_queue_order)

    def _finish(
        self,
        job: Job,
        state: OperationState,
        *,
        result: Any = None,
        error: BaseException | None = None,
    ) -> None:
        if job in self._pending:
            self._pending.remove(job)
        self._active.pop(job.id, None)
        self._locks.release(job.work.target, job)
        self._locks.forget(job.work.key, job)
        job.finished_at = self._clock()
        job.finish(state, result=result, error=error)
        self._emit("finished", job, detail=state.name)
        self._pump.again()

    def cancel(self, op_id: str, by: str = "handle") -> bool:
        """Cancel a manager operation (``mop-…``) or the one running an attempt (``op-…``).

        Every request joined to it is cancelled too; callers get
        ``tgkit.errors.Cancelled`` with this ``by``. False if none matches.
        """
        for job in self.jobs():
            current = job.current
            attempt_id = None if current is None or current.handle is None else current.handle.id
            if op_id in (job.id, attempt_id):
                if not job.done and job.cancel_error is None:
                    job.cancel_error = job.cancelled(by)  # every joined caller hears ``by``
                withdrawn = [handle.cancel(by) for handle in list(job.handles)]
                return any(withdrawn) or self._cancel(job, by)
        return False

    def _cancel(self, job: Job, by: str = "handle") -> bool:
        """Cancel ``job`` (its last handle was withdrawn) on behalf of ``by``."""
        if job.done:
            return False
        job.cancel_requested = True
        if job.cancel_error is None:
            job.cancel_error = job.cancelled(by)
        current = job.current
        attempt = None if current is None else current.handle
        # An accepted cancel of the attempt ends it CANCELLED, and its end the job;
        # refused (it has just ended, or its timeout is ending it): the job ends here.
        if attempt is None or not attempt.cancel(by):
            self._finish(job, OperationState.CANCELLED)
            self._pump.run()
        return True

    # -------------------------------------------------------- rebalance
    def _rebalance(self) -> None:
        snapshots: dict[str, Any] = {}
        for worker in list(self._workers.values()):
            scheduler = worker.scheduler
            if scheduler.status != "started" or scheduler.is_busy or scheduler.queued_count:
                continue
            job = self._placement.stealable_for(worker, self._active.values(), snapshots)
            if job is not None:
                self._move(job, worker)
                snapshots.clear()

    def _move(self, job: Job, worker: Worker) -> None:
        attempt = job.current
        assert attempt is not None and attempt.handle is not None
        if not attempt.handle.cancel(by="manager"):
            return
        attempt.moved = f"rebalanced to {worker.name}"
        self._emit("moved", job, session=worker.name, detail=attempt.moved)
        self._launch(job, worker)  # the job keeps its slot

    # ------------------------------------------------------ observation
    def subscribe(self, callback: Callable[[ManagerEvent], Any]) -> Callable[[], None]:
        """Call ``callback(event)`` on every manager event; returns an unsubscribe."""
        return self._subscribers.add(callback)

    def _emit(
        self, type_: str, job: Job | None = None, *, session: str | None = None, detail: str = ""
    ) -> None:
        if not self._subscribers:
            return
        event = ManagerEvent(
            type=type_,
            at=datetime.now(UTC),
            job=None if job is None else self.view(job),
            session=session,
            detail=detail,
        )
        self._subscribers.send(event)

    def view(self, job: Job) -> JobView:
        """An immutable view of ``job`` now."""
        return job_view(job, self._clock(), self._floods.wall)

    def snapshot(self) -> DispatchSnapshot:
        """The manager's queue, work handed to sessions, caps and flood waits."""
        return DispatchSnapshot(
            taken_at=datetime.now(UTC),
            limits=self.limits,
            pending=tuple(self.view(job) for job in self._pending),
            active=tuple(self.view(job) for job in self._active.values()),
            running_by_kind=self._caps.by_kind(),
            targets=self._locks.held_targets(),
            flood_waits=self._floods.active(),
            sessions=tuple(self._workers),
        )


def _queue_order(job: Job) -> tuple[int, int]:
    return (-job.priority, job.seq)


def _kind_timeout(kind: OperationKind) -> float:
    return float(kind.default_timeout)
