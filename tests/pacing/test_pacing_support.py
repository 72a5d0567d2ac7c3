"""Helpers for the pacing tests: a fake clock that drives time, and an in-memory store.

No tests live here; the pacing test modules import these.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Coroutine, Sequence
from typing import Any

START = 1_700_000_000.0


class Deadlock(AssertionError):
    """Every task is blocked and no fake sleep is pending."""


class FakeClock:
    """Epoch-like time that moves only when every task is blocked.

    ``clock`` is the callable a Pacer reads, ``sleep`` what it awaits.
    ``run(...)`` runs coroutines to the end, jumping time to the next
    pending sleep whenever the loop has nothing else to do.
    """

    def __init__(self, start: float = START) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(delay, 0.0), next(self._order), future))
        await future

    async def settle(self) -> None:
        """Return once no task on the loop can make progress without time passing."""
        loop = asyncio.get_running_loop()
        for _ in range(100_000):
            await asyncio.sleep(0)
            if not loop._ready:  # type: ignore[attr-defined]  # CPython's ready queue
                return
        raise AssertionError("tasks kept the loop busy without waiting: a busy loop?")

    def advance(self) -> bool:
        """Jump to the earliest pending sleep and wake everything due; False if none."""
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)  # cancelled sleeps
        if not self._sleepers:
            return False
        self.now = max(self.now, self._sleepers[0][0])
        while self._sleepers and self._sleepers[0][0] <= self.now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        return True

    async def run(self, *coroutines: Coroutine[Any, Any, Any]) -> list[Any]:
        """Run ``coroutines`` as concurrent tasks on fake time; results or exceptions."""
        tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
        while True:
            await self.settle()
            if all(task.done() for task in tasks):
                break
            if not self.advance():
                for task in tasks:
                    task.cancel()
                raise Deadlock("every task is blocked and nothing is sleeping")
        return await asyncio.gather(*tasks, return_exceptions=True)

    async def run_until(self, until: float) -> None:
        """Let time pass up to ``until`` (tasks keep running in the background)."""
        while True:
            await self.settle()
            pending = [entry for entry in self._sleepers if not entry[2].done()]
            if not pending or min(pending)[0] > until:
                self.now = max(self.now, until)
                await self.settle()
                return
            self.advance()


def run_fake(coroutine: Awaitable[Any]) -> Any:
    """Run one coroutine on a fresh event loop (for hypothesis tests, which are sync)."""
    return asyncio.run(coroutine)  # type: ignore[arg-type]


class MemoryPacingStore:
    """The PacingStore protocol in memory, shared between Pacers to mimic a restart."""

    def __init__(self) -> None:
        self.floods: dict[tuple[str, str], float] = {}
        self.requests: list[tuple[str, str, float]] = []

    def save_flood_wait(self, account: str, request_type: str, until: float) -> None:
        self.floods[(account, request_type)] = until

    def flood_waits(self, account: str, *, now: float | None = None) -> dict[str, float]:
        return {
            kind: until
            for (owner, kind), until in self.floods.items()
            if owner == account and (now is None or until > now)
        }

    def record_requests(self, account: str, requests: Sequence[tuple[str, float]]) -> None:
        self.requests.extend((account, name, at) for name, at in requests)

    def recent_requests(self, account: str, since: float) -> list[tuple[str, float]]:
        return [(name, at) for owner, name, at in self.requests if owner == account and at >= since]
