"""The pacer inside the real session core: requests and waits land in the operation's report."""

from __future__ import annotations

from tgkit.core import OperationKind, Scheduler, SessionConfig
from tgkit.errors import FloodWait
from tgkit.pacing import Pacer
from tgkit.pacing.budgets import Rate

HISTORY = "messages.GetHistory"
MEMBERS = "channels.GetParticipants"


async def test_each_operation_reports_its_own_requests_and_waits() -> None:
    config = SessionConfig(budgets={HISTORY: (Rate(2, 0.05),), "*": (Rate(100, 1),)})
    pacer = Pacer.from_config("alice", config)
    scheduler = Scheduler(config, name="alice")
    await scheduler.start()

    async def collect() -> int:
        for _ in range(3):
            await pacer.acquire(HISTORY)
        await pacer.acquire(MEMBERS)
        return 4

    try:
        handle = scheduler.submit(OperationKind.SCRAPE, collect)
        assert await handle == 4
        second = scheduler.submit(OperationKind.SCRAPE, collect)
        await second
    finally:
        await scheduler.stop()
    assert handle.report["requests"] == {HISTORY: 3, MEMBERS: 1}
    assert 0.0 < handle.report["budget_wait_s"] < 1.0  # the third page waited ~0.05 s
    assert handle.report["flood_wait_s"] == 0.0
    assert second.report["requests"] == {HISTORY: 3, MEMBERS: 1}  # each its own count
    assert [record.report["requests"] for record in scheduler.history] == [
        {HISTORY: 3, MEMBERS: 1},
        {HISTORY: 3, MEMBERS: 1},
    ]


async def test_a_long_flood_wait_fails_the_operation_and_counts_no_request() -> None:
    config = SessionConfig(flood_sleep_max=1.0)
    pacer = Pacer.from_config("alice", config)
    pacer.record_flood_wait(HISTORY, 3 * 3600)
    scheduler = Scheduler(config, name="alice")
    await scheduler.start()

    async def collect() -> None:
        await pacer.acquire(MEMBERS)
        await pacer.acquire(HISTORY)

    try:
        handle = scheduler.submit(OperationKind.SCRAPE, collect)
        try:
            await handle
        except FloodWait as error:
            assert error.request_type == HISTORY
        else:
            raise AssertionError("the operation should have failed with FloodWait")
    finally:
        await scheduler.stop()
    assert handle.report["requests"] == {MEMBERS: 1}


def test_from_config_takes_the_sessions_settings() -> None:
    pacer = Pacer.from_config("alice", SessionConfig(pacing=False, flood_sleep_max=5))
    assert not pacer.enabled
    assert pacer.flood_sleep_max == 5
    assert Pacer.from_config("alice", SessionConfig()).snapshot().usage["join"] == ((0, 3, 300),)
