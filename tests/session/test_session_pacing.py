"""Pacing and the store wired into the session: budgets, per-type flood waits, caches.

Issue 5's promise is tested end to end on the sandbox with scaled-down limits: a
workload that earns a flood wait with pacing off completes without a single one
with pacing on, and so does any random mix of collections.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from session_worlds import FAST, Small, until

from tgkit.core import OperationHandle, Rate
from tgkit.errors import FloodWait
from tgkit.pacing import PacingEventKind, WaitReason
from tgkit.sandbox import User, World
from tgkit.session import TelegramSession
from tgkit.store import Store

# Budgets, flood windows and waits are measured on looptime's virtual clock (the pacer
# and, where a test passes it, the sandbox read the loop's clock), so a busy machine
# cannot stretch a burst past a window.
pytestmark = [pytest.mark.telethon_compat, pytest.mark.looptime]


async def test_every_request_goes_through_its_budget(small: Small):
    # One participants page per 0.3 s: the second page must wait for the budget.
    budgets = {"channels.GetParticipants": (Rate(1, 0.3),), "*": (Rate(100, 1),)}
    config = FAST.replace(pacing=True, budgets=budgets)
    async with TelegramSession.sandbox(small.world, small.me, config=config) as session:
        events = []
        session.pacer.subscribe(events.append)
        handle = session.scrape_group_members("@small_group")  # two pages of participants
        df = await handle
    assert len(df) == 301
    budget_waits = [
        e
        for e in events
        if e.kind is PacingEventKind.WAIT_STARTED and e.reason is WaitReason.BUDGET
    ]
    assert [e.request_type for e in budget_waits] == ["channels.GetParticipants"]
    # The second page could not go before 0.3 s after the first: it waited for the budget.
    assert handle.report["budget_wait_s"] > 0
    assert session.scheduler.history[-1].run_seconds >= 0.3
    assert session.history()["budget_wait_s"].tolist() == [handle.report["budget_wait_s"]]


async def test_a_flood_wait_on_one_request_type_leaves_the_others_alone(small: Small):
    small.world.flood_limit("messages.GetHistory", calls=0, per=60, wait=3600)
    async with TelegramSession.sandbox(small.world, small.me, config=FAST) as session:
        with pytest.raises(FloodWait):
            await session.scrape_messages("@small_group", limit=10)
        small.world.reset_stats()
        df = await session.scrape_group_members("@small_group")  # participants are fine
        assert len(df) == 301
        with pytest.raises(FloodWait):  # history is still blocked, without asking Telegram
            await session.scrape_messages("@small_group", limit=10)
    assert small.world.stats().count("messages.GetHistory") == 0


async def test_flood_waits_and_resolved_usernames_outlive_the_session(small: Small, tmp_path):
    small.world.flood_limit("messages.GetHistory", calls=0, per=60, wait=3600)
    with Store(tmp_path / "t.db") as store:
        async with TelegramSession.sandbox(
            small.world, small.me, config=FAST, store=store
        ) as session:
            with pytest.raises(FloodWait):
                await session.scrape_messages("@small_group", limit=10)
        small.world.reset_stats()
        async with TelegramSession.sandbox(
            small.world, small.me, config=FAST, store=store
        ) as again:
            assert again.pacer.flood_wait_remaining("messages.GetHistory") > 3500
            with pytest.raises(FloodWait):
                await again.scrape_messages("@small_group", limit=10)
            await again.scrape_group_members("@small_group", max_members=5)
    stats = small.world.stats()
    assert stats.count("messages.GetHistory") == 0
    assert stats.count("contacts.ResolveUsername") == 0  # the username came from the cache


async def test_a_monitor_over_several_chats_stores_its_rows(small: Small, tmp_path):
    author = small.world.users[next(u for u in small.group.members if u != small.me.id)]
    friend = small.world.users[next(u for u in small.basic.members if u != small.me.id)]
    with Store(tmp_path / "t.db") as store:
        async with TelegramSession.sandbox(
            small.world, small.me, config=FAST, store=store
        ) as session:
            handle = session.monitor(["@small_group", -small.basic.id], duration=30)
            await until(lambda: session.client.list_event_handlers(), "the monitor to listen")
            small.world.post(small.group, author, "in the supergroup")
            small.world.post(small.basic, friend, "in the basic group")
            await until(lambda: handle.count == 2, "both messages")
            handle.stop()
            df = await handle
        assert set(df["chat_id"]) == {-1_000_000_000_000 - small.group.id, -small.basic.id}
        collections = store.collections()
        messages = collections[collections["kind"] == "messages"]
        assert messages["target"].tolist() == [f"monitor:@small_group,id:{-small.basic.id}"]
        assert messages["rows"].tolist() == [2]
        assert collections["kind"].tolist() == ["messages", "events"]  # its events beside it
        assert store.frame(int(messages["id"].iloc[0]))["text"].tolist() == df["text"].tolist()


# -- issue 5: a workload that trips the flood limit without pacing gets none with it --
#
# Telegram's limits scaled down so the tests are fast: the sandbox lets an account send
# LIMIT_CALLS requests of the limited type in any LIMIT_PER seconds and answers the next
# one with an hour's flood wait; tgkit's budget for that type is one request below. The
# window is long enough for the unpaced workload to trip it on a busy machine.

LIMIT_CALLS, LIMIT_PER, LIMIT_WAIT = 3, 0.5, 3600
SCALED_BUDGETS = {
    "contacts.ResolveUsername": (Rate(LIMIT_CALLS - 1, LIMIT_PER),),
    "channels.GetParticipants": (Rate(LIMIT_CALLS - 1, LIMIT_PER),),
    "*": (Rate(1000, 1),),
}


@dataclass
class Workload:
    """Collections that send more than LIMIT_CALLS requests of ``limited`` in a burst."""

    name: str
    limited: str
    groups: dict[str, int]  # username to member count

    def world(self) -> tuple[World, User]:
        # the sandbox's flood limits read the loop's (virtual) clock, as the pacer does:
        # on a busy machine a real-time window could let the unpaced burst slip through
        world = World(seed=5, clock=asyncio.get_running_loop().time)
        me = world.add_user("Ada", username="ada_research")
        for username, members in self.groups.items():
            world.add_supergroup(username, username=username, members=members)
        world.flood_limit(self.limited, calls=LIMIT_CALLS, per=LIMIT_PER, wait=LIMIT_WAIT)
        return world, me

    async def run(self, session: TelegramSession) -> list[OperationHandle]:
        handles = []
        for username in self.groups:
            handle = session.scrape_group_members(f"@{username}")
            await handle
            handles.append(handle)
        return handles


WORKLOADS = [
    # 700 members: four participant pages of 200, one after the other.
    Workload("one big group", "channels.GetParticipants", {"big_group": 700}),
    # Four small groups: four usernames resolved in quick succession.
    Workload(
        "many small groups",
        "contacts.ResolveUsername",
        {f"small_group_{n}": 20 for n in range(4)},
    ),
]


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
async def test_without_pacing_the_workload_earns_a_flood_wait(workload: Workload):
    world, me = workload.world()
    config = FAST.replace(budgets=SCALED_BUDGETS)  # pacing off; flood_sleep_max 60 s
    async with TelegramSession.sandbox(world, me, config=config) as session:
        with pytest.raises(FloodWait) as raised:
            await workload.run(session)
        assert session.pacer.flood_wait_remaining(workload.limited) > LIMIT_WAIT - 60
        failed = session.scheduler.history[-1]
    assert raised.value.request_type == workload.limited
    assert raised.value.seconds == LIMIT_WAIT
    assert failed.report["flood_waits"] == {workload.limited: 1}
    # LIMIT_CALLS went through and the next one was refused.
    assert world.stats().count(workload.limited) == LIMIT_CALLS + 1


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
async def test_with_pacing_the_same_workload_completes_without_a_flood_wait(
    workload: Workload,
):
    world, me = workload.world()
    config = FAST.replace(budgets=SCALED_BUDGETS, pacing=True)
    async with TelegramSession.sandbox(world, me, config=config) as session:
        floods = []
        session.pacer.subscribe(
            lambda event: event.kind is PacingEventKind.FLOOD_RECORDED and floods.append(event)
        )
        handles = await workload.run(session)
        snapshot = session.pacer.snapshot()
    assert [len(handle.result()) for handle in handles] == list(workload.groups.values())
    assert floods == []
    assert snapshot.flood_waits == {}
    assert all("flood_waits" not in handle.report for handle in handles)
    assert sum(handle.report["flood_wait_s"] for handle in handles) == 0
    # The limit was live and the workload went past it: pacing spread the requests out.
    sent = world.stats().count(workload.limited)
    assert sent > LIMIT_CALLS
    assert sent == sum(handle.report["requests"][workload.limited] for handle in handles)
    assert sum(handle.report["budget_wait_s"] for handle in handles) > 0


# -- the same promise over random mixes of collections --

LIMITED = {  # sandbox method to the budget that paces it
    "contacts.ResolveUsername": "contacts.ResolveUsername",
    "channels.GetFullChannel": "channels.GetFullChannel",
    "channels.GetParticipants": "channels.GetParticipants",
    "messages.GetHistory": "messages.GetHistory",
    "channels.JoinChannel": "join",
}
GROUPS = {"pace_a": 450, "pace_b": 150, "pace_c": 250}  # username to members

collection = st.tuples(
    st.sampled_from(["members", "messages", "join"]),
    st.sampled_from(sorted(GROUPS)),
    st.sampled_from([0.0, 0.0, 0.003]),  # pause before submitting
    st.one_of(st.none(), st.integers(0, 9)),  # priority
)
budget_calls = st.fixed_dictionaries({method: st.integers(1, 4) for method in LIMITED})


def pacing_world() -> tuple[World, User]:
    """Three public groups of GROUPS' sizes with 250 messages each, and an account in none."""
    world = World(seed=11)
    me = world.add_user("Paced", "Researcher")
    for username, members in GROUPS.items():
        group = world.add_supergroup(username, username=username, members=members)
        world.generate_messages(group, 250, days=5)
    return world, me


def _submit(session: TelegramSession, kind: str, group: str, priority: int | None):
    if kind == "members":
        return session.scrape_group_members(f"@{group}", priority=priority)
    if kind == "messages":
        return session.scrape_messages(f"@{group}", limit=250, priority=priority)
    return session.join_and_scrape_members(f"@{group}", priority=priority)


async def _run_paced(plan, calls: dict[str, int], per: float) -> None:
    world, me = pacing_world()
    for method, allowed in calls.items():
        world.flood_limit(method, calls=allowed + 1, per=per, wait=LIMIT_WAIT)
    budgets = {LIMITED[method]: (Rate(allowed, per),) for method, allowed in calls.items()}
    config = FAST.replace(pacing=True, budgets={**budgets, "*": (Rate(1000, 1),)})
    async with TelegramSession.sandbox(world, me, config=config) as session:
        handles = []
        for kind, group, pause, priority in plan:
            await asyncio.sleep(pause)
            handles.append(_submit(session, kind, group, priority))
        results = await asyncio.gather(*handles, return_exceptions=True)
        flood_waits = session.pacer.snapshot().flood_waits
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert flood_waits == {}
    assert all("flood_waits" not in handle.report for handle in handles)
    for (kind, group, _, _), frame in zip(plan, results, strict=True):
        if kind == "messages":
            assert len(frame) == 250
        else:  # a join before a scrape of the same group makes the account one more member
            assert len(set(frame["user_id"]) - {me.id}) == GROUPS[group]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(collection, min_size=1, max_size=6),
    budget_calls,
    st.sampled_from([0.02, 0.05]),
)
def test_property_paced_collections_never_earn_a_flood_wait(plan, calls, per) -> None:
    # Every sandbox limit is one request above its budget. Since a collection sends its
    # requests one after the other, that margin holds whatever the delay between tgkit
    # letting a request go and the sandbox counting it.
    asyncio.run(_run_paced(plan, calls, per))
