"""Every operation end to end on a sandbox that misbehaves like Telegram (faults="realistic"),
and the monitor's promise under any schedule of lost, repeated, late and too-long pushes.

The property test scripts the fate of each push (``world.faults.plan_pushes``) on top
of the realistic rates, which keep applying to everything else (history pages without
a count, users left out, "" strings, later pushes). Time is looptime's virtual clock;
each scenario has a bounded virtual end, and a guard fails it when the virtual clock stops
moving (a busy loop on a clock that only moves when the loop idles would otherwise never end,
and hypothesis re-runs a failing example after pytest-timeout has fired once).
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import looptime
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from session_worlds import FAST, Small, build_small, until
from virtual_clock import virtual_loop

from tgkit.core import OperationState
from tgkit.sandbox import World
from tgkit.sandbox.shapes import PushPlan
from tgkit.session import TelegramSession

pytestmark = pytest.mark.telethon_compat

#: Every scenario here ends well before this virtual time; reaching it fails the test.
VIRTUAL_END_S = 900.0


@pytest.fixture
def realistic() -> Small:
    small = build_small(seed=5)
    small.world.set_faults("realistic")
    return small


def _author(small: Small, chat) -> object:  # type: ignore[no-untyped-def]
    return small.world.users[next(uid for uid in chat.members if uid != small.me.id)]


@pytest.mark.looptime(end=VIRTUAL_END_S)
async def test_members_are_complete_under_realistic_faults(realistic: Small):
    async with TelegramSession.sandbox(realistic.world, realistic.me, config=FAST) as session:
        df = await session.scrape_group_members("@small_group")
        basic = await session.scrape_group_members(-realistic.basic.id)
    assert set(df["user_id"]) == set(realistic.group.members) and df["user_id"].is_unique
    assert set(basic["user_id"]) == set(realistic.basic.members)
    assert not (df["last_name"] == "").any()


@pytest.mark.looptime(end=VIRTUAL_END_S)
async def test_join_and_members_under_realistic_faults(realistic: Small):
    link = realistic.world.invite_link(realistic.private)
    async with TelegramSession.sandbox(realistic.world, realistic.me, config=FAST) as session:
        df = await session.join_and_scrape_members(link)
    assert realistic.me.id in realistic.private.members
    assert set(df["user_id"]) == set(realistic.private.members)


@pytest.mark.looptime(end=VIRTUAL_END_S)
async def test_messages_are_complete_under_realistic_faults(realistic: Small):
    async with TelegramSession.sandbox(realistic.world, realistic.me, config=FAST) as session:
        df = await session.scrape_messages("@small_group", days_back=30)
    assert sorted(df["message_id"]) == [m.id for m in realistic.group.messages]
    assert df.attrs["messages_in_chat"] == 400


@pytest.mark.looptime(end=VIRTUAL_END_S)
async def test_monitor_is_complete_under_realistic_faults(realistic: Small):
    world, group = realistic.world, realistic.group
    author = _author(realistic, group)
    async with TelegramSession.sandbox(world, realistic.me, config=FAST) as session:
        handle = session.monitor(["@small_group", -realistic.basic.id], duration=120)
        await until(lambda: session.client.list_event_handlers(), "the monitor to listen")
        posted = []
        for number in range(40):
            chat = group if number % 3 else realistic.basic
            sender = author if chat is group else _author(realistic, chat)
            posted.append((chat, world.post(chat, sender, f"live {number}")))
            await asyncio.sleep(0.5)
        handle.stop()
        df = await handle
    assert handle.state is OperationState.DONE
    assert sorted(df["text"]) == sorted(m.text for _, m in posted)
    assert not df.duplicated(["chat_id", "message_id"]).any()


@pytest.mark.looptime(end=VIRTUAL_END_S)
async def test_send_under_realistic_faults(realistic: Small):
    async with TelegramSession.sandbox(realistic.world, realistic.me, config=FAST) as session:
        sent = [await session.send_message("@small_group", f"note {n}") for n in range(5)]
        sent.append(await session.send_message(-realistic.basic.id, "to the basic group"))
    ids = [m.id for m in realistic.group.messages[-5:]] + [realistic.basic.messages[-1].id]
    assert [s.message_id for s in sent] == ids
    assert realistic.group.messages[-1].text == "note 4"


# -- the monitor's promise: no gap, no duplicate ---------------------------------------

_PLANS = st.one_of(
    st.just(PushPlan()),
    st.just(PushPlan(delays=())),  # lost
    st.just(PushPlan(too_long=True)),
    st.sampled_from([0.1, 0.4, 0.7, 2.5]).map(lambda d: PushPlan(delays=(d,))),  # late
    st.tuples(st.sampled_from([0.0, 0.3]), st.sampled_from([0.05, 1.0])).map(
        lambda t: PushPlan(delays=(t[0], t[0] + t[1]))  # duplicate
    ),
)
_STEPS = st.lists(
    st.tuples(st.sampled_from(["group", "basic"]), _PLANS, st.sampled_from([0.0, 0.2, 1.0, 25.0])),
    min_size=1,
    max_size=20,
)


#: Wall-clock seconds the virtual clock may stand still before a scenario counts as hung.
STILL_CLOCK_LIMIT_S = 15.0

#: A schedule that made the monitor spin at virtual time 40.105 (its stall check woke at
#: 20.105 + 20 = 40.105000000000004 and never saw the clock reach it).
_SPUN_AT_40_105 = [
    ("group", PushPlan(delays=()), 0.0), ("group", PushPlan(delays=(0.1,)), 0.0),
    ("group", PushPlan(delays=()), 0.0), ("basic", PushPlan(delays=(0.0,), too_long=True), 25.0),
    ("basic", PushPlan(delays=()), 25.0), ("group", PushPlan(delays=(0.1,)), 25.0),
    ("group", PushPlan(delays=()), 0.0), ("basic", PushPlan(delays=(0.3, 0.35)), 0.2),
    ("group", PushPlan(delays=()), 0.0), ("group", PushPlan(delays=()), 25.0),
]

#: A schedule whose late push (0.4 s) gave Telethon a possible-gap deadline 4e-15 s past
#: a virtual instant: its update loop spun there while asyncio fired the timer early.
_TELETHON_SPUN = [
    *[("group", PushPlan(delays=(0.0,)), pause) for pause in (0.0, 1.0, 0.2, 25.0, 25.0, 25.0,
                                                              25.0)],
    ("group", PushPlan(delays=()), 25.0), ("basic", PushPlan(delays=(0.0,)), 1.0),
    ("group", PushPlan(delays=(0.4,)), 0.0), ("basic", PushPlan(delays=(0.0,)), 0.0),
]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(seed=65535, steps=_SPUN_AT_40_105)
@example(seed=3648, steps=_TELETHON_SPUN)
@given(seed=st.integers(0, 2**16), steps=_STEPS)
def test_monitor_frame_equals_the_messages_posted(seed: int, steps) -> None:  # type: ignore[no-untyped-def]
    # Bounded: the pauses (at most 20 x 25 s), the last 3 s, the monitor's end; 900 s is ample.
    _run_bounded(_monitor_scenario(seed, steps), virtual_end=VIRTUAL_END_S)


def _run_bounded(
    scenario: Awaitable[Any],
    *,
    virtual_end: float,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> None:
    """Run ``scenario`` on a looptime loop (``virtual_loop`` unless given); a failure,
    not a hang, if it overruns."""
    failure: list[str] = []

    async def bounded() -> None:
        with _still_clock_guard(asyncio.get_running_loop(), asyncio.current_task()) as stuck:
            try:
                async with asyncio.timeout(virtual_end):
                    await scenario
            except TimeoutError:
                failure.append(f"the scenario did not end within {virtual_end} virtual seconds")
            except asyncio.CancelledError:
                if not stuck:
                    raise
                failure.append(
                    f"the virtual clock stood still for {STILL_CLOCK_LIMIT_S} s of wall time, "
                    "a busy loop; its tasks were at:\n" + stuck[0]
                )

    with asyncio.Runner(loop_factory=loop_factory or virtual_loop) as runner:
        runner.run(bounded())
    if failure:
        pytest.fail(failure[0])


@contextmanager
def _still_clock_guard(loop: asyncio.AbstractEventLoop, task: Any) -> Iterator[list[str]]:
    """Cancel the loop's tasks (``task`` too) when ``loop.time()`` has not moved for
    ``STILL_CLOCK_LIMIT_S``; the list it gives then holds where they were (their stacks).

    Every task: a cancelled scenario's clean-up waits in virtual time, which the busy
    task keeps from moving until it is cancelled too.
    """
    stuck: list[str] = []
    ended = threading.Event()

    def stacks_then_cancel() -> None:  # in the loop's thread, between two of its steps
        out = io.StringIO()
        for each in asyncio.all_tasks(loop):
            each.print_stack(file=out)
        stuck.append(out.getvalue())
        for each in asyncio.all_tasks(loop):
            each.cancel()

    def watch() -> None:
        seen, still_since = loop.time(), time.monotonic()
        while not ended.wait(1.0):
            now = loop.time()
            if now != seen:
                seen, still_since = now, time.monotonic()
            elif time.monotonic() - still_since > STILL_CLOCK_LIMIT_S:
                loop.call_soon_threadsafe(stacks_then_cancel)
                return

    watcher = threading.Thread(target=watch, name="still-clock-guard", daemon=True)
    watcher.start()
    try:
        yield stuck
    finally:
        ended.set()
        watcher.join()


async def _monitor_scenario(seed: int, steps) -> None:  # type: ignore[no-untyped-def]
    world = World(seed=seed, faults="realistic")
    me = world.add_user("Ada", username="ada_research")
    friend = world.add_user("Friend")
    group = world.add_supergroup("Live", username="live_group", members=[me, friend])
    basic = world.add_basic_group("Basic", members=[me, friend])
    for chat in (group, basic):
        world.post(chat, friend, f"before {chat.title}")
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        handle = session.monitor(["@live_group", -basic.id], duration=600, stall_after=20)
        await until(lambda: session.client.list_event_handlers(), "the monitor to listen")
        world.faults.plan_pushes(plan for _, plan, _ in steps)
        posted = []
        for number, (name, _, pause) in enumerate(steps):
            chat = group if name == "group" else basic
            posted.append((chat, world.post(chat, friend, f"{name} {number}")))
            await asyncio.sleep(pause)
        await asyncio.sleep(3)  # late copies land after the last post
        handle.stop()
        df = await handle
    keys = list(zip(df["chat_id"], df["message_id"], strict=True))
    expected = [(-chat.id if chat is basic else -1_000_000_000_000 - chat.id, m.id)
                for chat, m in posted]
    assert len(keys) == len(set(keys)), "a message came twice"
    assert sorted(keys) == sorted(expected)
    assert sorted(df["text"]) == sorted(m.text for _, m in posted)


# -- gaps shown by a channel's ids are back-filled while the monitor runs -----------------


@pytest.mark.looptime(end=VIRTUAL_END_S)
@pytest.mark.parametrize("lost", [1, 120])  # 120 > Telethon's limit: channelDifferenceTooLong
async def test_a_gap_in_a_channels_ids_is_backfilled_at_once(small: Small, lost: int):
    world, group = small.world, small.group
    author = _author(small, group)
    async with TelegramSession.sandbox(world, small.me, config=FAST) as session:
        handle = session.monitor("@small_group", duration=600, stall_after=300)
        await until(lambda: session.client.list_event_handlers(), "the monitor to listen")
        world.post(group, author, "seen live")  # Telethon now tracks the channel's pts
        await asyncio.sleep(1)
        world.faults.plan_pushes([PushPlan(delays=())] * lost)
        posted = [world.post(group, author, f"lost {n}") for n in range(lost)]
        posted.append(world.post(group, author, "after the lost ones"))
        await asyncio.sleep(2)
        # One lost push: Telethon sees the pts gap and the difference brings it. 120: the
        # difference is "too long" and Telethon skips them all (this one too), so the
        # monitor sees the gap only in the ids of the next live message.
        posted.append(world.post(group, author, "the next one"))
        await asyncio.sleep(3)  # well before a stall (300 s) or the end
        live = handle.frame()
        assert set(live["message_id"]) >= {m.id for m in posted}
        reasons = [b.reason for b in handle.backfills]
        assert reasons == ([] if lost == 1 else ["gap"])
        assert handle.backfilled == (0 if lost == 1 else lost + 1)
        handle.stop()
        await handle


# -- a stall check that wakes a hair early is still a stall check ------------------------


def test_stall_checks_at_inexact_times_end_and_each_back_fills(small: Small) -> None:
    """Stalls at 20.105, 40.105000000000004, ...: each wait for one is a stall, then the end.

    (The monitor compared the clock with ``last_live + stall_after`` and, at 40.105, woke
    before the float sum: nothing done, and on looptime's clock it waited again at once.)
    """

    async def scenario() -> list[str]:
        async with TelegramSession.sandbox(small.world, small.me, config=FAST) as session:
            await asyncio.sleep(0.105)
            handle = session.monitor("@small_group", duration=100, stall_after=20)
            await handle
        return [b.reason for b in handle.backfills]

    reasons: list[str] = []

    async def record() -> None:
        reasons.extend(await scenario())

    # looptime's plain clock (microsecond ticks): there 20.105 + 20 is not a tick.
    _run_bounded(record(), virtual_end=400.0, loop_factory=looptime.new_event_loop)
    assert reasons == ["stalled"] * 4 + ["final"]
