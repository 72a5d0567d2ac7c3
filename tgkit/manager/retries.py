"""What an attempt's end means for its job: finish it, or try another session.

``RetryPolicy`` reads an attempt that ended (or that a session refused at
once) and returns a ``Verdict`` the dispatcher carries out: finish the job
in a state, or put it back in the queue to move to another session. On the
way it records what the end taught: the attempt's ``Outcome``, the sessions
the job cannot use, the flood wait (in the ``FloodLedger``), how long the
kind of work took. No Telegram here.

- done: the job is done;
- cancelled because its session was removed or closed under it, while
  nobody asked to cancel and the manager is open: moved, that session avoided;
- any other cancel: the job is cancelled;
- an error ``classify`` reads as a flood wait, an unreachable target or a
  session gone: moved, until ``max_attempts`` attempts have failed;
- any other error, or any error once the manager is closed: the job fails.

Example::

    policy = RetryPolicy(ManagerLimits(), FloodLedger(), DurationEstimator(timeout_of))
    verdict = policy.after_end(job, attempt, removed=False, closed=False)
    if verdict.move is not None:
        ...  # back in the queue, to another session
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tgkit.core import OperationKind, OperationState
from tgkit.errors import SessionClosed

from .floods import FloodLedger
from .jobs import Attempt, Job, Outcome, classify
from .limits import ManagerLimits
from .routing import DurationEstimator

__all__ = ["RetryPolicy", "Verdict"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Finish the job in ``state`` (with ``result`` or ``error``), or ``move`` it (the reason)."""

    state: OperationState | None = None
    result: Any = None
    error: BaseException | None = None
    move: str | None = None


class RetryPolicy:
    """Turns an attempt's end into a ``Verdict``, learning from it on the way."""

    def __init__(
        self,
        limits: ManagerLimits,
        floods: FloodLedger,
        estimate: DurationEstimator,
        classify_error: Callable[[BaseException], Outcome] = classify,
    ) -> None:
        self._limits = limits
        self._floods = floods
        self._estimate = estimate
        self._classify = classify_error

    def after_end(self, job: Job, attempt: Attempt, *, removed: bool, closed: bool) -> Verdict:
        """``attempt`` (its handle done) ended; ``removed``: its session left the manager."""
        handle = attempt.handle
        assert handle is not None
        state = handle.state
        if state is OperationState.DONE:
            attempt.outcome = Outcome.DONE
            self._observe(job.kind, handle)
            return Verdict(OperationState.DONE, result=handle.result())
        if state is OperationState.CANCELLED:
            return self._after_cancel(job, attempt, handle.exception(), removed, closed)
        return self.after_error(job, attempt, handle.exception(), state, closed=closed)

    def _after_cancel(
        self,
        job: Job,
        attempt: Attempt,
        error: BaseException | None,
        removed: bool,
        closed: bool,
    ) -> Verdict:
        closed_under = isinstance(error, SessionClosed)  # the session stopped under it
        if (removed or closed_under) and not job.cancel_requested and not closed:
            attempt.moved = "session removed" if removed else "session closed"
            job.unreachable.add(attempt.session)
            return Verdict(move=f"moved: session {attempt.session} was {attempt.moved[8:]}")
        attempt.outcome = Outcome.FINAL
        reason = None if job.cancel_requested else error
        return Verdict(OperationState.CANCELLED, error=reason)

    def after_error(
        self,
        job: Job,
        attempt: Attempt,
        error: BaseException | None,
        state: OperationState | None,
        *,
        closed: bool,
    ) -> Verdict:
        """``attempt`` failed with ``error`` (``state``: None if its session refused it)."""
        error = error or RuntimeError(f"{job.id} ended without a result")
        if closed:
            outcome = Outcome.FINAL
        elif isinstance(error, job.work.unreachable):
            outcome = Outcome.UNREACHABLE
        else:
            outcome = self._classify(error)
        attempt.outcome = outcome
        job.last_error = error
        if outcome is Outcome.FLOOD:
            self._note_flood(job, attempt.session, error)
        elif outcome in (Outcome.UNREACHABLE, Outcome.SESSION_GONE):
            job.unreachable.add(attempt.session)
        failures = sum(1 for a in job.attempts if a.outcome not in (None, Outcome.DONE))
        if outcome is Outcome.FINAL or failures >= self._limits.max_attempts:
            final = state if state is not None and state.is_terminal else OperationState.FAILED
            return Verdict(final, error=error)
        return Verdict(move=f"moved off {attempt.session}: {type(error).__name__}")

    def _note_flood(self, job: Job, session: str, error: BaseException) -> None:
        request_type = getattr(error, "request_type", None)
        seconds = float(getattr(error, "seconds", 0.0) or 0.0)
        self._floods.record(session, request_type, seconds)
        job.flood_hits[session] += 1
        if request_type:
            job.request_types.add(request_type)
        logger.info(
            "%s hit a %.0f s flood wait on %s; moving it to another session",
            job.id, seconds, session,
        )

    def _observe(self, kind: OperationKind, handle: Any) -> None:
        operation = handle.operation
        started, finished = operation.started_at, operation.finished_at
        if started is not None and finished is not None:
            self._estimate.observe(kind, finished - started)
