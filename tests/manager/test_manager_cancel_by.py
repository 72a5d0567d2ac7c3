"""A SessionManager's callers learn who cancelled their work (``tgkit.errors.Cancelled.by``).

On sandbox accounts, on looptime's virtual clock: a withdrawn request, a
cancel by the job's id or by its attempt's id on behalf of someone (every
request joined to the work hears the same ``by``), work still waiting in the
manager's queue, the task awaiting a handle being cancelled, the
operation's own timeout, and a ``SpreadHandle`` cancelled. A cancel of work
that has ended is refused and changes nothing.
"""

from __future__ import annotations

import asyncio

import pytest
from manager_worlds import build_accounts, manager_for

from tgkit.core import OperationKind, OperationState
from tgkit.errors import Cancelled, OperationTimeout
from tgkit.manager import ManagerLimits
from tgkit.manager.spread import SpreadHandle

pytestmark = [pytest.mark.looptime]


async def _running(handle) -> None:  # type: ignore[no-untyped-def]
    """Until ``handle`` runs and has gathered something (virtual time: no wall clock)."""
    for _ in range(2000):
        if handle.state is OperationState.RUNNING and handle.progress.done > 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{handle!r} never got going")


async def test_a_withdrawn_request_raises_cancelled_naming_the_handle() -> None:
    accounts = build_accounts(2, latency=0.05)
    async with manager_for(accounts) as manager:
        handle = manager.scrape_group_members("@group_one", resume=False)
        await _running(handle)
        assert handle.cancel() is True
        with pytest.raises(Cancelled) as raised:
            await handle
        assert raised.value.by == "handle"
        assert str(raised.value) == (
            f"{handle.id} members @group_one was cancelled while running "
            "by cancel() on its handle, job or id"
        )
        assert handle.state is OperationState.CANCELLED
        assert handle.exception() is raised.value
        with pytest.raises(Cancelled):
            handle.result()
        assert handle.cancel() is False


async def test_cancel_by_id_names_the_canceller_to_every_joined_request() -> None:
    accounts = build_accounts(2, latency=0.05)
    async with manager_for(accounts) as manager:
        first = manager.scrape_group_members("@group_one", resume=False)
        second = manager.scrape_group_members("t.me/group_one", resume=False)
        assert second.joined
        await _running(first)
        assert manager.cancel(first.id, by="dashboard") is True
        for handle in (first, second):
            with pytest.raises(Cancelled) as raised:
                await handle
            assert raised.value.by == "dashboard"
            assert "by the dashboard's cancel button" in str(raised.value)
        attempt = first.operation_handle
        assert attempt is not None
        with pytest.raises(Cancelled) as ended:  # the account's operation: the same
            await attempt
        assert ended.value.by == "dashboard" and attempt.state is OperationState.CANCELLED
        await asyncio.sleep(0.1)  # the manager hears of the attempt's end
        assert manager.cancel(first.id, by="dashboard") is False


async def test_cancel_by_the_attempts_operation_id_names_the_canceller() -> None:
    accounts = build_accounts(2, latency=0.05)
    async with manager_for(accounts) as manager:
        handle = manager.scrape_group_members("@group_two", resume=False)
        await _running(handle)
        attempt = handle.operation_handle
        assert attempt is not None
        assert manager.cancel(attempt.id, by="ctrl-c") is True
        with pytest.raises(Cancelled) as raised:
            await handle
        assert raised.value.by == "ctrl-c" and "by Ctrl-C / the stop button" in str(raised.value)


async def test_work_waiting_in_the_managers_queue_is_cancelled_while_queued() -> None:
    accounts = build_accounts(1, latency=0.05)
    limits = ManagerLimits(max_running=1)
    async with manager_for(accounts, limits=limits) as manager:
        running = manager.scrape_group_members("@group_one", resume=False)
        waiting = manager.scrape_group_members("@group_two", resume=False)
        await _running(running)
        assert waiting.state is OperationState.QUEUED and waiting.operation_handle is None
        assert manager.cancel(waiting.id, by="dashboard") is True
        with pytest.raises(Cancelled) as raised:
            await waiting
        assert raised.value.by == "dashboard"
        assert "was cancelled while queued by the dashboard's cancel button" in str(raised.value)
        assert len(await running) > 0  # the other work is untouched


async def test_cancelling_the_awaiting_task_names_the_task() -> None:
    accounts = build_accounts(2, latency=0.05)
    async with manager_for(accounts) as manager:
        handle = manager.scrape_group_members("@group_three", resume=False)
        awaiting = asyncio.ensure_future(handle)
        await _running(handle)
        awaiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await awaiting
        assert handle.state is OperationState.CANCELLED
        error = handle.exception()
        assert isinstance(error, Cancelled) and error.by == "task"


async def test_the_operations_own_timeout_is_an_operation_timeout_by_timeout() -> None:
    accounts = build_accounts(2, latency=0.05)
    async with manager_for(accounts) as manager:
        handle = manager.scrape_group_members("@group_four", resume=False, timeout=0.3)
        with pytest.raises(OperationTimeout) as raised:
            await handle
        assert raised.value.by == "timeout" and "ran past its timeout" in str(raised.value)
        assert handle.state is OperationState.TIMED_OUT


async def test_a_spread_operation_cancelled_names_who() -> None:
    async def gather(handle: SpreadHandle) -> int:
        await asyncio.sleep(3600)
        return 1

    spread = SpreadHandle("track study", OperationKind.SCRAPE, gather)
    await asyncio.sleep(0.1)
    assert spread.cancel(by="dashboard") is True
    with pytest.raises(Cancelled) as raised:
        await spread
    assert raised.value.by == "dashboard"
    assert str(raised.value) == (
        f"{spread.id} track study was cancelled by the dashboard's cancel button"
    )
    assert spread.state is OperationState.CANCELLED
    assert isinstance(spread.exception(), Cancelled)
    with pytest.raises(Cancelled):
        spread.result()
    assert spread.cancel() is False
