"""The dispatcher on bare schedulers: routing, caps, exclusivity, moves, cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from manager_fakes import (
    FakeSession,
    Tracker,
    busy,
    dispatcher_for,
    other_tasks,
    paced,
    sleeper,
    started,
    stop_all,
    tracked,
    work,
)

from tgkit.core import OperationKind, OperationState, SessionClosed
from tgkit.errors import FloodWait, PrivateChat
from tgkit.manager.dispatch import NoSessionAvailable
from tgkit.manager.jobs import Job
from tgkit.manager.limits import ManagerLimits
from tgkit.manager.routing import Reach

SCRAPE, SEND = OperationKind.SCRAPE, OperationKind.SEND


@pytest.fixture
async def sessions() -> AsyncIterator[list[FakeSession]]:
    made = await started("a", "b", "c")
    yield made
    await stop_all(made)
    assert other_tasks() == set(), "a task was left behind"


async def test_idle_session_first(sessions: list[FakeSession]) -> None:
    a, _b, c = sessions
    a.scheduler.submit(SCRAPE, busy(0.2))
    c.scheduler.submit(SCRAPE, busy(0.2))
    dispatcher = dispatcher_for(sessions)
    handle = dispatcher.submit(work(sleeper(0.01, "x")))
    assert handle.session == "b"
    assert await handle == ("b", "x")


async def test_busy_everywhere_goes_to_shortest_expected_wait(
    sessions: list[FakeSession],
) -> None:
    a, b, c = sessions
    for session, queued in ((a, 3), (b, 1), (c, 2)):
        for _ in range(queued + 1):
            session.scheduler.submit(SCRAPE, busy(0.05))
    dispatcher = dispatcher_for(sessions, ManagerLimits(rebalance=False))
    handle = dispatcher.submit(work(sleeper(0.0)))
    assert handle.session == "b"
    assert handle.state is OperationState.QUEUED
    await handle


async def test_work_spreads_over_idle_sessions(sessions: list[FakeSession]) -> None:
    dispatcher = dispatcher_for(sessions)
    handles = [dispatcher.submit(work(sleeper(0.02, i))) for i in range(3)]
    assert sorted(h.session for h in handles) == ["a", "b", "c"]
    assert [await h for h in handles] == [(h.session, i) for i, h in enumerate(handles)]


async def test_global_cap_holds_work_in_the_manager(sessions: list[FakeSession]) -> None:
    tracker = Tracker()
    dispatcher = dispatcher_for(sessions, ManagerLimits(max_running=2))
    handles = [dispatcher.submit(work(tracked(tracker, sleeper(0.02)))) for _ in range(5)]
    snap = dispatcher.snapshot()
    assert snap.running_total == 2 and len(snap.pending) == 3
    assert all("slot" in view.reason for view in snap.pending)
    await asyncio.gather(*handles)
    assert tracker.max_total == 2 and not tracker.violations


async def test_per_kind_cap_leaves_other_kinds_free(sessions: list[FakeSession]) -> None:
    tracker = Tracker()
    dispatcher = dispatcher_for(sessions, ManagerLimits(per_kind={"scrape": 1}))
    scrapes = [dispatcher.submit(work(tracked(tracker, sleeper(0.02)))) for _ in range(3)]
    send = dispatcher.submit(work(tracked(tracker, sleeper(0.0)), kind=SEND))
    await send
    assert sum(h.state is OperationState.DONE for h in scrapes) == 0  # sends did not wait
    await asyncio.gather(*scrapes)
    assert tracker.max_by_kind[SCRAPE] == 1


async def test_identical_request_joins_the_one_in_flight(sessions: list[FakeSession]) -> None:
    tracker = Tracker()
    dispatcher = dispatcher_for(sessions)
    body = tracked(tracker, sleeper(0.02, "members"))
    first = dispatcher.submit(work(body, target="@g", key=("members", "@g")))
    second = dispatcher.submit(work(body, target="@g", key=("members", "@g")))
    assert second.joined and not first.joined and second.id == first.id
    assert await first == await second
    assert sum(tracker.runs.values()) == 1
    third = dispatcher.submit(work(body, target="@g", key=("members", "@g")))
    assert not third.joined  # the first ended: a new request runs again
    await third
    assert sum(tracker.runs.values()) == 2


async def test_different_requests_for_one_target_take_turns(
    sessions: list[FakeSession],
) -> None:
    tracker = Tracker()
    dispatcher = dispatcher_for(sessions)
    members = dispatcher.submit(work(tracked(tracker, sleeper(0.03)), target="@g", key=1))
    messages = dispatcher.submit(work(tracked(tracker, sleeper(0.01)), target="@g", key=2))
    other = dispatcher.submit(work(tracked(tracker, sleeper(0.01)), target="@h", key=3))
    await other
    assert messages.state is OperationState.QUEUED and "@g" in dispatcher.view(messages._job).reason
    await asyncio.gather(members, messages)
    assert not tracker.violations


async def test_long_flood_wait_moves_work_to_a_free_session(
    sessions: list[FakeSession],
) -> None:
    a, b, _c = sessions

    async def floods_on_a(session: FakeSession, job: Job) -> str:
        if session.name == "a":
            session.flood("channels.GetParticipants", 5.0)
            raise FloodWait(5.0, "channels.GetParticipants")
        return session.name

    dispatcher = dispatcher_for([a, b], ManagerLimits(rebalance=False))
    handle = dispatcher.submit(work(floods_on_a))
    assert handle.session == "a"
    assert await handle == "b"
    assert [(r.session, r.state) for r in handle.attempts] == [
        ("a", OperationState.FAILED),
        ("b", OperationState.DONE),
    ]
    # later work needing that request type avoids a while the wait lasts
    later = dispatcher.submit(
        work(
            paced("channels.GetParticipants", sleeper(0.0)),
            request_types=["channels.GetParticipants"],
        )
    )
    assert later.session == "b"
    await later
    assert "a" in dispatcher.snapshot().flood_waits


async def test_flooded_session_is_never_chosen(sessions: list[FakeSession]) -> None:
    a, _b, _c = sessions
    a.flood("messages.GetHistory", 5.0)
    dispatcher = dispatcher_for(sessions)
    handles = [
        dispatcher.submit(work(sleeper(0.01), request_types=["messages.GetHistory"]))
        for _ in range(4)
    ]
    assert "a" not in {h.session for h in handles}
    await asyncio.gather(*handles)


async def test_all_sessions_flooded_waits_for_the_earliest(sessions: list[FakeSession]) -> None:
    a, b, c = sessions
    a.flood("x", 0.3)
    b.flood("x", 0.05)
    c.flood("x", 0.3)
    events: list[str] = []
    dispatcher = dispatcher_for(sessions)
    dispatcher.subscribe(lambda e: events.append(e.type))
    loop = asyncio.get_running_loop()
    begun = loop.time()
    handle = dispatcher.submit(work(paced("x", sleeper(0.0)), request_types=["x"]))
    assert handle.session is None and "waiting" in events
    pending = dispatcher.snapshot().pending
    assert pending[0].flood_until is not None and "flood wait" in pending[0].reason
    assert await handle == ("b", None)
    # b's wait and the pump's hair (1 ms) past its end, exactly, on the virtual clock
    assert loop.time() - begun == pytest.approx(0.05 + 0.001, abs=1e-5)


async def test_unreachable_target_moves_then_fails_when_no_session_can(
    sessions: list[FakeSession],
) -> None:
    async def only_c(session: FakeSession, job: Job) -> str:
        if session.name != "c":
            raise PrivateChat("@secret is private and this account is not a member")
        return session.name

    dispatcher = dispatcher_for(sessions, ManagerLimits(rebalance=False))
    assert await dispatcher.submit(work(only_c, target="@secret")) == "c"

    async def nobody(session: FakeSession, job: Job) -> str:
        raise PrivateChat("@secret is private")

    handle = dispatcher.submit(work(nobody, target="@secret"))
    with pytest.raises(PrivateChat):
        await handle
    assert len(handle.attempts) == 3


async def test_reach_hook_keeps_work_off_sessions_that_cannot_join(
    sessions: list[FakeSession],
) -> None:
    reach = {"a": Reach.UNREACHABLE, "b": Reach.CAN_JOIN, "c": Reach.MEMBER}
    dispatcher = dispatcher_for(sessions)
    sessions[2].scheduler.submit(SCRAPE, busy(0.05))  # the member is busy
    handle = dispatcher.submit(work(sleeper(0.0), reach=lambda s: reach[s.name]))
    assert handle.session == "c"  # a member before an idle joiner
    await handle
    reach["c"] = Reach.UNREACHABLE
    handle = dispatcher.submit(work(sleeper(0.0), reach=lambda s: reach[s.name]))
    assert handle.session == "b"
    await handle


async def test_attempts_are_bounded(sessions: list[FakeSession]) -> None:
    async def always_floods(session: FakeSession, job: Job) -> None:
        raise FloodWait(0.001, "x")

    dispatcher = dispatcher_for(sessions, ManagerLimits(max_attempts=4))
    handle = dispatcher.submit(work(always_floods, request_types=["x"]))
    with pytest.raises(FloodWait):
        await handle
    assert len(handle.attempts) == 4


async def test_queued_work_moves_to_a_session_that_became_idle(
    sessions: list[FakeSession],
) -> None:
    a, b, _c = sessions
    dispatcher = dispatcher_for([a, b])
    b.scheduler.submit(SCRAPE, busy(0.01))  # b busy, not through the manager
    outside = b.scheduler.submit(SCRAPE, busy(0.01))
    first = dispatcher.submit(work(sleeper(0.2, 1)))
    second = dispatcher.submit(work(sleeper(0.0, 2)))
    assert (first.session, second.session) == ("a", "a")  # b looked busier at first
    await outside
    assert await second == ("b", 2)
    assert second.attempts[0].moved == "rebalanced to b"
    first.cancel()


async def test_removed_session_hands_queued_work_on(sessions: list[FakeSession]) -> None:
    _a, b, c = sessions
    dispatcher = dispatcher_for(sessions, ManagerLimits(rebalance=False))
    for session in (b, c):
        session.scheduler.submit(SCRAPE, busy(0.2))
        session.scheduler.submit(SCRAPE, busy(0.0))
    running = dispatcher.submit(work(sleeper(0.05, "r")))
    queued = dispatcher.submit(work(sleeper(0.0, "q")))
    assert running.session == queued.session == "a"
    dispatcher.remove_worker("a")
    assert dispatcher.snapshot().sessions == ("b", "c")
    assert await running == ("a", "r")  # the running one finished where it was
    assert (await queued)[0] in {"b", "c"}
    assert queued.attempts[0].moved == "session removed"


async def test_removed_session_stopping_moves_its_running_work(
    sessions: list[FakeSession],
) -> None:
    a, b, _c = sessions

    async def slow_on_a(session: FakeSession, job: Job) -> str:
        await asyncio.sleep(5.0 if session.name == "a" else 0.0)
        return session.name

    dispatcher = dispatcher_for([a, b])
    handle = dispatcher.submit(work(slow_on_a))
    await asyncio.sleep(0)
    dispatcher.remove_worker("a")
    await a.scheduler.stop()  # drain_timeout 0.2 s, then cancelled
    assert await handle == "b"
    assert handle.attempts[0].moved == "session removed"


async def test_cancel_queued_running_and_joined(sessions: list[FakeSession]) -> None:
    dispatcher = dispatcher_for(sessions[:1], ManagerLimits(max_running=1))
    running = dispatcher.submit(work(sleeper(1.0), target="@g", key="k"))
    joined = dispatcher.submit(work(sleeper(1.0), target="@g", key="k"))
    queued = dispatcher.submit(work(sleeper(1.0)))
    assert queued.cancel() and queued.state is OperationState.CANCELLED
    assert running.cancel()
    await asyncio.sleep(0.01)
    assert joined.state is OperationState.RUNNING  # someone still wants it
    task = asyncio.ensure_future(joined)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.01)
    assert joined.state is OperationState.CANCELLED
    assert dispatcher.snapshot().active == () and dispatcher.snapshot().running_total == 0


async def test_higher_priority_leaves_the_manager_queue_first(
    sessions: list[FakeSession],
) -> None:
    order: list[str] = []

    def note(name: str):
        async def op(session: FakeSession, job: Job) -> None:
            order.append(name)
            await asyncio.sleep(0.005)

        return op

    dispatcher = dispatcher_for(sessions[:1], ManagerLimits(max_running=1))
    handles = [
        dispatcher.submit(work(note("first"))),
        dispatcher.submit(work(note("send"), kind=SEND)),
        dispatcher.submit(work(note("scrape"))),
        dispatcher.submit(work(note("urgent"), priority=9, kind=SEND)),
    ]
    await asyncio.gather(*handles)
    assert order == ["first", "urgent", "scrape", "send"]


async def test_close_fails_waiting_work_and_refuses_more(sessions: list[FakeSession]) -> None:
    dispatcher = dispatcher_for(sessions[:1], ManagerLimits(max_running=1))
    running = dispatcher.submit(work(sleeper(0.02)))
    waiting = dispatcher.submit(work(sleeper(0.02)))
    dispatcher.close()
    with pytest.raises(SessionClosed):
        await waiting
    assert await running == ("a", None)
    with pytest.raises(SessionClosed):
        dispatcher.submit(work(sleeper(0.0)))


async def test_no_sessions_fails_with_a_clear_error() -> None:
    dispatcher = dispatcher_for([])
    with pytest.raises(NoSessionAvailable, match="add"):
        await dispatcher.submit(work(sleeper(0.0)))


async def test_subscribers_see_the_life_of_an_operation(sessions: list[FakeSession]) -> None:
    events: list[tuple[str, str | None]] = []
    dispatcher = dispatcher_for(sessions)
    dispatcher.subscribe(lambda e: events.append((e.type, e.job and e.job.state.name)))
    dispatcher.subscribe(lambda e: 1 / 0)  # a broken subscriber breaks nothing
    await dispatcher.submit(work(sleeper(0.0)))
    assert [t for t, _ in events] == ["queued", "dispatched", "finished"]
    assert events[-1][1] == "DONE"


async def test_a_session_not_started_takes_no_work(sessions: list[FakeSession]) -> None:
    a, _b, _c = sessions
    (idle_but_stopped,) = [FakeSession("new")]  # never started: looks idle, takes nothing
    dispatcher = dispatcher_for([a, idle_but_stopped])
    a.scheduler.submit(SCRAPE, busy(0.02))
    handles = [dispatcher.submit(work(sleeper(0.0, i))) for i in range(2)]
    assert {h.session for h in handles} == {"a"}
    assert [await h for h in handles] == [("a", 0), ("a", 1)]
    assert all(len(h.attempts) == 1 for h in handles)
