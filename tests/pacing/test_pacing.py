"""Pacer behaviour on a fake clock: budget waits, flood waits, visibility, restarts."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from test_pacing_support import START, FakeClock, MemoryPacingStore

from tgkit.errors import FloodWait
from tgkit.pacing import Pacer, PacingEvent, PacingEventKind, PacingStore, Waiting, WaitReason
from tgkit.pacing.budgets import DEFAULT_BUDGETS, Rate

HISTORY = "messages.GetHistory"
MEMBERS = "channels.GetParticipants"
DIALOGS = "messages.GetDialogs"  # not in the test budgets: draws from "*"
CHAT = "messages.GetFullChat"  # likewise

BUDGETS = {
    HISTORY: (Rate(2, 10),),
    MEMBERS: (Rate(3, 30),),
    "join": (Rate(1, 300),),
    "*": (Rate(5, 60),),
}


def make_pacer(clock: FakeClock, **kwargs: object) -> Pacer:
    options: dict[str, object] = {"budgets": BUDGETS, "clock": clock.clock, "sleep": clock.sleep}
    options.update(kwargs)
    return Pacer("alice", **options)  # type: ignore[arg-type]


async def acquire_at(clock: FakeClock, pacer: Pacer, request_type: str) -> float:
    await pacer.acquire(request_type)
    return clock.now


# -- budgets -----------------------------------------------------------------------


async def test_free_budget_does_not_wait() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    times = await clock.run(*(acquire_at(clock, pacer, HISTORY) for _ in range(2)))
    assert times == [START, START]
    assert pacer.snapshot().usage[HISTORY] == ((2, 2, 10),)


async def test_budget_wait_lasts_until_the_window_frees() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    times = await clock.run(*(acquire_at(clock, pacer, HISTORY) for _ in range(5)))
    assert times == [START, START, START + 10, START + 10, START + 20]


async def test_all_rates_of_a_budget_hold() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, budgets={"*": (Rate(2, 1), Rate(3, 100))})
    times = await clock.run(*(acquire_at(clock, pacer, CHAT) for _ in range(4)))
    assert times == [START, START, START + 1, START + 100]


async def test_waiting_callers_are_visible_in_the_snapshot() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    tasks = [asyncio.ensure_future(acquire_at(clock, pacer, HISTORY)) for _ in range(4)]
    await clock.settle()
    snap = pacer.snapshot()
    assert snap.waiting == (Waiting(HISTORY, START + 10), Waiting(HISTORY, START + 10))
    assert snap.usage[HISTORY] == ((2, 2, 10),)
    await clock.run(*tasks)
    assert pacer.snapshot().waiting == ()


async def test_callers_queued_behind_others_show_their_planned_slot() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, budgets={"*": (Rate(1, 10),)})
    tasks = [asyncio.ensure_future(acquire_at(clock, pacer, CHAT)) for _ in range(4)]
    await clock.settle()
    untils = [until for _, until in pacer.snapshot().waiting]
    assert untils == [START + 10, START + 20, START + 30]
    assert await clock.run(*tasks) == [START, START + 10, START + 20, START + 30]


async def test_waits_are_pushed_to_subscribers() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    events: list[PacingEvent] = []
    pacer.subscribe(events.append)
    await clock.run(*(acquire_at(clock, pacer, HISTORY) for _ in range(3)))
    assert events == [
        PacingEvent(PacingEventKind.WAIT_STARTED, HISTORY, START + 10, WaitReason.BUDGET),
        PacingEvent(PacingEventKind.WAIT_ENDED, HISTORY, START + 10, WaitReason.BUDGET),
    ]


async def test_unsubscribe_and_failing_subscribers(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    seen: list[PacingEvent] = []

    def broken(event: PacingEvent) -> None:
        raise RuntimeError("dashboard bug")

    pacer.subscribe(broken)
    stop = pacer.subscribe(seen.append)
    pacer.record_flood_wait(HISTORY, 5)
    stop()
    pacer.record_flood_wait(MEMBERS, 5)
    assert [event.request_type for event in seen] == [HISTORY]
    assert "a pacing subscriber failed" in caplog.text


async def test_long_waits_are_logged_in_plain_words(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tgkit.pacing")
    clock = FakeClock()
    pacer = make_pacer(
        clock, budgets={"contacts.ResolveUsername": (Rate(1, 60),), "*": (Rate(2, 0.5),)}
    )
    await clock.run(*(acquire_at(clock, pacer, "contacts.ResolveUsername") for _ in range(2)))
    await clock.run(*(acquire_at(clock, pacer, CHAT) for _ in range(3)))  # a 0.5 s wait
    waits = [r.getMessage() for r in caplog.records if r.getMessage().startswith("waiting")]
    assert waits == ["waiting 60.0 s for the contacts.ResolveUsername budget (1 per 60 s)"]


async def test_same_budget_callers_are_served_in_arrival_order() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, budgets={"*": (Rate(1, 5),)})
    order: list[str] = []

    async def caller(name: str, request_type: str, delay: float) -> None:
        await clock.sleep(delay)
        await pacer.acquire(request_type)
        order.append(name)

    await clock.run(
        caller("a", CHAT, 0), caller("b", DIALOGS, 1), caller("c", CHAT, 2), caller("d", DIALOGS, 3)
    )
    assert order == ["a", "b", "c", "d"]
    assert clock.now == START + 15


async def test_cancelled_waiter_leaves_the_queue() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, budgets={"*": (Rate(1, 10),)})
    events: list[PacingEvent] = []
    pacer.subscribe(events.append)
    first, doomed, third, fourth = (
        asyncio.ensure_future(acquire_at(clock, pacer, CHAT)) for _ in range(4)
    )
    await clock.run_until(START + 5)
    assert [w.until for w in pacer.snapshot().waiting] == [START + 10, START + 20, START + 30]
    doomed.cancel()
    await clock.settle()
    assert [w.until for w in pacer.snapshot().waiting] == [START + 10, START + 20]
    assert await clock.run(first, third, fourth) == [START, START + 10, START + 20]
    assert doomed.cancelled()
    ended = [e for e in events if e.kind is PacingEventKind.WAIT_ENDED]
    assert len(ended) == 3


async def test_disabled_pacer_never_waits_on_budgets_but_honours_flood_waits() -> None:
    clock = FakeClock()
    store = MemoryPacingStore()
    pacer = make_pacer(clock, enabled=False, store=store)
    times = await clock.run(*(acquire_at(clock, pacer, HISTORY) for _ in range(10)))
    assert times == [START] * 10
    assert store.requests == []
    pacer.record_flood_wait(HISTORY, 7)
    assert await clock.run(acquire_at(clock, pacer, HISTORY)) == [START + 7]


async def test_real_clock_and_sleep_keep_the_budget() -> None:
    pacer = Pacer("alice", {"*": (Rate(1, 0.05),)})
    started = time.time()
    for _ in range(3):
        await pacer.acquire(CHAT)
    assert time.time() - started >= 0.1


# -- flood waits -------------------------------------------------------------------


async def test_flood_wait_blocks_only_its_request_type() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    pacer.record_flood_wait(HISTORY, 30)
    assert pacer.flood_wait_remaining(HISTORY) == 30
    assert pacer.flood_wait_remaining(MEMBERS) == 0
    results = await clock.run(
        acquire_at(clock, pacer, HISTORY),
        acquire_at(clock, pacer, MEMBERS),
        acquire_at(clock, pacer, DIALOGS),
    )
    assert results == [START + 30, START, START]


async def test_flooded_type_steps_aside_within_a_shared_budget() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, budgets={"*": (Rate(1, 10),)}, flood_sleep_max=1000)
    pacer.record_flood_wait(CHAT, 100)
    blocked = asyncio.ensure_future(acquire_at(clock, pacer, CHAT))
    await clock.settle()
    assert pacer.snapshot().waiting == (Waiting(CHAT, START + 100),)
    others = [acquire_at(clock, pacer, DIALOGS) for _ in range(3)]  # same "*" budget
    assert await clock.run(*others) == [START, START + 10, START + 20]
    assert await clock.run(blocked) == [START + 100]


async def test_flood_wait_over_the_maximum_fails_at_once() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, flood_sleep_max=60)
    pacer.record_flood_wait(HISTORY, 3 * 3600)
    [error] = await clock.run(pacer.acquire(HISTORY))
    assert isinstance(error, FloodWait)
    assert error.seconds == 3 * 3600
    assert error.request_type == HISTORY
    assert clock.now == START


async def test_flood_wait_recorded_while_waiting_fails_the_waiter_at_once() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, flood_sleep_max=60)
    tasks = [asyncio.ensure_future(pacer.acquire(HISTORY)) for _ in range(3)]
    await clock.run_until(START + 4)  # the third waits on the budget until START + 10
    pacer.record_flood_wait(HISTORY, 600)
    results = await clock.run(*tasks)
    assert results[:2] == [None, None]
    assert isinstance(results[2], FloodWait)
    assert clock.now == START + 4


async def test_join_requests_share_a_flood_wait() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    pacer.record_flood_wait("channels.JoinChannel", 819)
    assert pacer.flood_wait_remaining("messages.ImportChatInvite") == 819
    assert pacer.flood_wait_remaining("messages.GetHistory") == 0


async def test_shorter_flood_wait_does_not_shorten_a_longer_one() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    pacer.record_flood_wait(HISTORY, 100)
    pacer.record_flood_wait(HISTORY, 3)
    assert pacer.flood_wait_remaining(HISTORY) == 100
    assert pacer.snapshot().flood_waits == {HISTORY: START + 100}


async def test_flood_waits_expire() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    pacer.record_flood_wait(HISTORY, 10)
    clock.now += 10
    assert pacer.flood_wait_remaining(HISTORY) == 0
    assert pacer.snapshot().flood_waits == {}


# -- restarts ----------------------------------------------------------------------


async def test_flood_wait_survives_a_restart() -> None:
    clock = FakeClock()
    store = MemoryPacingStore()
    make_pacer(clock, store=store).record_flood_wait("contacts.ResolveUsername", 3 * 3600)
    clock.now += 3600
    restarted = make_pacer(clock, store=store)
    assert restarted.flood_wait_remaining("contacts.ResolveUsername") == 2 * 3600
    [error] = await clock.run(restarted.acquire("contacts.ResolveUsername"))
    assert isinstance(error, FloodWait)


async def test_budget_usage_survives_a_restart() -> None:
    clock = FakeClock()
    store = MemoryPacingStore()
    first = make_pacer(clock, store=store)
    await clock.run(acquire_at(clock, first, HISTORY), acquire_at(clock, first, HISTORY))
    clock.now += 4
    restarted = make_pacer(clock, store=store)
    assert restarted.snapshot().usage[HISTORY] == ((2, 2, 10),)
    assert await clock.run(acquire_at(clock, restarted, HISTORY)) == [START + 10]


async def test_other_accounts_and_unknown_budgets_in_the_store_are_ignored() -> None:
    clock = FakeClock()
    store = MemoryPacingStore()
    store.record_requests("bob", [(HISTORY, START), (HISTORY, START)])
    store.record_requests("alice", [("a budget no longer configured", START)])
    store.save_flood_wait("bob", HISTORY, START + 100)
    pacer = make_pacer(clock, store=store)
    assert pacer.snapshot().usage[HISTORY] == ((0, 2, 10),)
    assert pacer.flood_wait_remaining(HISTORY) == 0


async def test_a_failing_store_does_not_stop_pacing(caplog: pytest.LogCaptureFixture) -> None:
    class BrokenStore(MemoryPacingStore):
        def record_requests(self, account: str, requests: object) -> None:
            raise OSError("disk full")

        def save_flood_wait(self, account: str, request_type: str, until: float) -> None:
            raise OSError("disk full")

    clock = FakeClock()
    pacer = make_pacer(clock, store=BrokenStore())
    times = await clock.run(*(acquire_at(clock, pacer, HISTORY) for _ in range(3)))
    pacer.record_flood_wait(HISTORY, 5)
    assert times == [START, START, START + 10]
    assert pacer.flood_wait_remaining(HISTORY) == 5
    assert "could not save pacing state (record_requests): disk full" in caplog.text


def test_memory_store_implements_the_protocol() -> None:
    assert isinstance(MemoryPacingStore(), PacingStore)


# -- the operation report ----------------------------------------------------------


class _Operation:
    def __init__(self) -> None:
        self.report: dict[str, object] = {}


async def test_requests_and_waits_go_to_the_running_operations_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tgkit.core

    operation = _Operation()
    monkeypatch.setattr(tgkit.core, "current_operation", lambda: operation, raising=False)
    clock = FakeClock()
    pacer = make_pacer(clock)
    pacer.record_flood_wait(MEMBERS, 4)
    history = [acquire_at(clock, pacer, HISTORY) for _ in range(3)]
    await clock.run(*history, acquire_at(clock, pacer, MEMBERS))
    assert operation.report == {
        "requests": {HISTORY: 3, MEMBERS: 1},
        "budget_wait_s": 10.0,
        "flood_wait_s": 4.0,
    }


async def test_refused_requests_are_not_counted_but_their_waits_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tgkit.core

    operation = _Operation()
    monkeypatch.setattr(tgkit.core, "current_operation", lambda: operation, raising=False)
    clock = FakeClock()
    pacer = make_pacer(clock, flood_sleep_max=60)
    waiter = asyncio.ensure_future(pacer.acquire(HISTORY))
    pacer.record_flood_wait(HISTORY, 30)
    await clock.run_until(START + 5)
    pacer.record_flood_wait(HISTORY, 600)
    [refused] = await clock.run(waiter)
    assert isinstance(refused, FloodWait)
    assert operation.report == {"budget_wait_s": 0.0, "flood_wait_s": 5.0}


async def test_outside_an_operation_nothing_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    import tgkit.core

    monkeypatch.setattr(tgkit.core, "current_operation", lambda: None, raising=False)
    clock = FakeClock()
    await clock.run(acquire_at(clock, make_pacer(clock), HISTORY))


# -- input and secrets -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"account": ""}, ValueError, "account"),
        ({"budgets": {HISTORY: (Rate(1, 1),)}}, ValueError, "budgets has no '\\*'"),
        ({"budgets": {"*": ()}}, TypeError, "budgets\\['\\*'\\]"),
        ({"budgets": {"*": (5, 60)}}, TypeError, "tuple of Rate"),
        ({"budgets": [("*", (Rate(1, 1),))]}, TypeError, "budgets must map"),
        ({"flood_sleep_max": -1}, ValueError, "flood_sleep_max"),
        ({"flood_sleep_max": float("nan")}, ValueError, "flood_sleep_max"),
        ({"flood_sleep_max": "60"}, TypeError, "flood_sleep_max"),
    ],
)
def test_bad_arguments_are_named(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    options: dict[str, object] = {"account": "alice"}
    options.update(kwargs)
    with pytest.raises(error, match=message):
        Pacer(**options)  # type: ignore[arg-type]


async def test_bad_request_types_and_seconds_are_refused() -> None:
    pacer = Pacer("alice")
    with pytest.raises(ValueError, match="request_type"):
        await pacer.acquire("")
    with pytest.raises(ValueError, match="seconds"):
        pacer.record_flood_wait(HISTORY, -5)
    with pytest.raises(TypeError, match="seconds"):
        pacer.record_flood_wait(HISTORY, "30")  # type: ignore[arg-type]
    assert pacer.snapshot().waiting == ()


async def test_the_account_never_shows_in_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    phone = "+15551234567"
    pacer = Pacer(phone, {"*": (Rate(1, 5),)}, clock=clock.clock, sleep=clock.sleep)
    pacer.record_flood_wait(CHAT, 3)
    await clock.run(pacer.acquire(CHAT), pacer.acquire(CHAT))
    assert phone not in repr(pacer)
    assert phone not in repr(pacer.snapshot())
    assert phone not in caplog.text


def test_default_budgets_are_the_documented_table() -> None:
    pacer = Pacer("alice")
    usage = pacer.snapshot().usage
    assert set(usage) == set(DEFAULT_BUDGETS)
    assert usage["contacts.ResolveUsername"] == ((0, 20, 60), (0, 60, 3600))
    assert usage["join"] == ((0, 3, 300),)
