"""``SpreadHandle``: the handle of an operation a manager runs as units over its sessions.

An operation with ``OperationSpec.spread`` (``track``: one round per chat) is
not one session's operation: its steps submit units to the manager and
gather them. Its handle follows the ``Handle`` protocol like every other,
so the notebook's jobs, the pool's dashboard and ``await`` treat it alike:
``progress`` counts the units ended, ``report`` adds up the units' reports
(requests by type, seconds waited), ``cancel(by=)`` cancels the gathering and
with it the units still queued or running, and awaiting it then raises
``tgkit.errors.Cancelled`` naming ``by``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine, Generator
from typing import Any

from tgkit.core import OperationKind
from tgkit.core.operation import OperationState, Progress
from tgkit.errors import Cancelled, canceller_text

__all__ = ["SpreadHandle"]

_IDS = itertools.count(1)


class SpreadHandle:
    """An operation spread over a manager's sessions (see the module docstring)."""

    def __init__(
        self, label: str, kind: OperationKind,
        start: Callable[[SpreadHandle], Coroutine[Any, Any, Any]],
    ) -> None:
        self._id = f"spread-{next(_IDS)}"
        self._label = label
        self._kind = kind
        self._progress = Progress()
        self.report: dict[str, Any] = {}
        self._cancelled_by: str | None = None
        self._task = asyncio.ensure_future(start(self))

    def __repr__(self) -> str:
        return f"<SpreadHandle {self._id} {self._label!r} {self.state.name}>"

    @property
    def id(self) -> str:
        return self._id

    @property
    def kind(self) -> OperationKind:
        return self._kind

    @property
    def label(self) -> str:
        return self._label

    @property
    def state(self) -> OperationState:
        task = self._task
        if not task.done():
            return OperationState.RUNNING
        if task.cancelled():
            return OperationState.CANCELLED
        return OperationState.FAILED if task.exception() is not None else OperationState.DONE

    @property
    def progress(self) -> Progress:
        return self._progress

    @property
    def partial(self) -> Any:
        return None  # the units keep what they gathered in the store

    def relabel(self, label: str) -> None:
        """Show ``label`` from now on (e.g. a crawl's live state)."""
        self._label = label

    def set_progress(self, done: int, total: int | None) -> None:
        """``done`` units of ``total`` ended."""
        self._progress = Progress(done, total)

    def add_report(self, report: dict[str, Any] | None) -> None:
        """A unit's report (requests by type, seconds waited) added to this one's."""
        for key, value in (report or {}).items():
            if isinstance(value, dict):
                counts = self.report.setdefault(key, {})
                for name, count in value.items():
                    counts[name] = counts.get(name, 0) + count
            elif isinstance(value, int | float) and not isinstance(value, bool):
                self.report[key] = self.report.get(key, 0) + value

    def cancel(self, by: str = "handle") -> bool:
        """Cancel the gathering and its units; False if it had already ended."""
        if self._task.done():
            return False
        if self._cancelled_by is None:
            self._cancelled_by = by
        return self._task.cancel()

    def done(self) -> bool:
        return self._task.done()

    def result(self) -> Any:
        """The result; ``Cancelled`` (naming who) if it was cancelled."""
        if self._task.cancelled():
            raise self._cancelled()
        return self._task.result()

    def exception(self) -> BaseException | None:
        """The error it ended with (a ``Cancelled`` if cancelled), None if DONE."""
        if self._task.cancelled():
            return self._cancelled()
        return self._task.exception()

    def _cancelled(self) -> Cancelled:
        by = self._cancelled_by or "task"
        return Cancelled(f"{self._id} {self._label} was cancelled by {canceller_text(by)}", by=by)

    def add_done_callback(self, fn: Callable[[SpreadHandle], Any]) -> None:
        self._task.add_done_callback(lambda _: fn(self))

    def __await__(self) -> Generator[Any, Any, Any]:
        try:
            return (yield from self._task.__await__())
        except asyncio.CancelledError:
            if self._task.cancelled() and self._cancelled_by is not None:
                raise self._cancelled() from None
            raise
