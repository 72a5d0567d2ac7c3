"""Operations for tests that record when they ran and how many ran at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import looptime

from tgkit.core import SchedulerConfig

T = TypeVar("T")

# Small limits so timing tests take milliseconds, not seconds.
FAST = SchedulerConfig(queue_timeout=1.0, lock_timeout=0.2, drain_timeout=0.2)


def run_on_virtual_clock(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on looptime's virtual clock: sleeps and timeouts take no real time,
    and what happens when depends on the schedule alone, never on the machine's load."""
    with asyncio.Runner(loop_factory=looptime.new_event_loop) as runner:
        return runner.run(coroutine)


def other_tasks() -> set[asyncio.Task[object]]:
    """Every task on the loop except the one asking."""
    return asyncio.all_tasks() - {asyncio.current_task()}


@dataclass
class Probe:
    """Makes named async operations and records their runs."""

    active: int = 0
    max_active: int = 0
    started: list[str] = field(default_factory=list)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)

    def op(
        self,
        name: str,
        duration: float = 0.0,
        *,
        fail: BaseException | None = None,
        gate: asyncio.Event | None = None,
    ) -> Callable[[], Coroutine[Any, Any, str]]:
        """An operation that runs ``duration`` seconds (or until ``gate`` is set)."""

        async def run() -> str:
            loop = asyncio.get_running_loop()
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.started.append(name)
            began = loop.time()
            try:
                if gate is not None:
                    await gate.wait()
                else:
                    await asyncio.sleep(duration)
                if fail is not None:
                    raise fail
                return name
            except asyncio.CancelledError:
                self.cancelled.append(name)
                raise
            finally:
                self.active -= 1
                self.intervals[name] = (began, loop.time())

        run.__name__ = name
        return run
