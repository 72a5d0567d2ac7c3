"""Property test on the sandbox: random workloads over real sessions keep the caps and targets.

Each example: 2–3 accounts, random ``ManagerLimits``, and a random mix of
member scrapes, message scrapes and sends over four groups, some identical,
some hit by a one-off long flood wait on one account. Watching every session's own
started/finished events, never more run at once than the caps allow, never
two collect one group at once, and every collection returns its group's
rows.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from manager_fakes import run_on_virtual_clock
from manager_worlds import GROUPS, build_accounts, manager_for, user_ids

from tgkit.core import OperationKind
from tgkit.manager import ManagerLimits

pytestmark = pytest.mark.telethon_compat

REQUESTS = st.tuples(
    st.sampled_from(["members", "messages", "send"]),
    st.integers(0, len(GROUPS) - 1),
)
LIMITS = st.builds(
    ManagerLimits,
    max_running=st.none() | st.integers(1, 3),
    per_kind=st.dictionaries(
        st.sampled_from([OperationKind.SCRAPE, OperationKind.SEND]), st.integers(1, 2), max_size=2
    ),
    rebalance=st.booleans(),
)


class Watch:
    """Every session's started/finished events, checked as they happen."""

    def __init__(self, limits: ManagerLimits) -> None:
        self.limits = limits
        self.running: dict[str, tuple[OperationKind, str]] = {}
        self.problems: list[str] = []

    def __call__(self, event: Any) -> None:
        if event.type != "session" or event.event.type not in ("started", "finished"):
            return
        op = event.event.operation
        if event.event.type == "finished":
            self.running.pop(op.id, None)
            return
        target = op.label.split(" ", 1)[1]
        if op.kind is OperationKind.SCRAPE and any(
            kind is OperationKind.SCRAPE and other == target
            for kind, other in self.running.values()
        ):
            self.problems.append(f"two collections of {target} at once")
        self.running[op.id] = (op.kind, target)
        kinds = Counter(kind for kind, _ in self.running.values())
        if self.limits.max_running is not None and len(self.running) > self.limits.max_running:
            self.problems.append(f"{len(self.running)} running, cap {self.limits.max_running}")
        for kind, cap in self.limits.per_kind.items():
            if kinds[kind] > cap:
                self.problems.append(f"{kinds[kind]} {kind.name} running, cap {cap}")


async def run_workload(
    accounts_count: int, limits: ManagerLimits, requests: list[tuple[str, int]], flooded: set[int]
) -> None:
    accounts = build_accounts(accounts_count, members=300)
    for index in flooded:
        user = accounts.accounts[index]
        accounts.world.fail_next("channels.GetParticipants", "FLOOD_WAIT_600", user=user)
    watch = Watch(limits)
    async with manager_for(accounts, limits=limits) as manager:
        manager.subscribe(watch)
        handles = []
        for what, group in requests:
            chat = f"@{GROUPS[group]}"
            if what == "members":
                handles.append(manager.scrape_group_members(chat))
            elif what == "messages":
                handles.append(manager.scrape_messages(chat, days_back=10))
            else:
                handles.append(manager.send_message(chat, "hello"))
        results = await asyncio.wait_for(asyncio.gather(*handles), timeout=20)
        snapshot = manager.snapshot().manager
    assert not watch.problems, watch.problems
    for (what, group), result in zip(requests, results, strict=True):
        if what == "members":
            assert user_ids(result) == sorted(accounts.groups[group].members)
        elif what == "messages":  # sends may land before the scrape reads the history
            sends = requests.count(("send", group))
            assert 150 <= len(result) <= 150 + sends
    assert snapshot.pending == () and snapshot.active == () and snapshot.running_total == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 3),
    LIMITS,
    st.lists(REQUESTS, min_size=1, max_size=8),
    st.sets(st.integers(0, 1), max_size=1),  # never every account: then it would wait 600 s
)
def test_random_workloads_on_the_sandbox_keep_the_caps(
    accounts_count: int, limits: ManagerLimits, requests: list, flooded: set[int]
) -> None:
    run_on_virtual_clock(run_workload(accounts_count, limits, requests, flooded))
