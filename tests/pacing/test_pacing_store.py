"""Pacing state kept in the real SQLite store survives closing and reopening it."""

from __future__ import annotations

import time
from pathlib import Path

from test_pacing_support import FakeClock

from tgkit.errors import FloodWait
from tgkit.pacing import Pacer, PacingStore
from tgkit.pacing.budgets import DEFAULT_BUDGETS
from tgkit.store import Store

RESOLVE = "contacts.ResolveUsername"


def pacer_on(store: Store, clock: FakeClock, account: str = "alice") -> Pacer:
    return Pacer(account, DEFAULT_BUDGETS, store=store, clock=clock.clock, sleep=clock.sleep)


def test_the_store_implements_the_pacing_protocol(tmp_path: Path) -> None:
    with Store(tmp_path / "tgkit.db") as store:
        assert isinstance(store, PacingStore)


async def test_a_three_hour_flood_wait_is_still_known_after_a_restart(tmp_path: Path) -> None:
    clock = FakeClock(start=time.time())  # the store expires waits by the real clock
    with Store(tmp_path / "tgkit.db") as store:
        pacer_on(store, clock).record_flood_wait(RESOLVE, 3 * 3600)
    clock.now += 600
    with Store(tmp_path / "tgkit.db") as store:
        restarted = pacer_on(store, clock)
        assert restarted.flood_wait_remaining(RESOLVE) == 3 * 3600 - 600
        assert pacer_on(store, clock, "bob").flood_wait_remaining(RESOLVE) == 0
        [error] = await clock.run(restarted.acquire(RESOLVE))
    assert isinstance(error, FloodWait)
    assert error.request_type == RESOLVE


async def test_the_hourly_username_budget_is_still_used_after_a_restart(tmp_path: Path) -> None:
    start = time.time()
    clock = FakeClock(start=start)
    with Store(tmp_path / "tgkit.db") as store:
        pacer = pacer_on(store, clock)
        for _ in range(60):  # 20 a minute: three minutes of resolving
            await clock.run(pacer.acquire(RESOLVE))
    assert clock.now == start + 120
    clock.now += 60
    with Store(tmp_path / "tgkit.db") as store:
        restarted = pacer_on(store, clock)
        assert restarted.snapshot().usage[RESOLVE] == ((0, 20, 60), (60, 60, 3600))
        await clock.run(restarted.acquire(RESOLVE))
    assert clock.now == start + 3600  # the 61st waits for the hour to turn
