"""Property 1 with real operations: one at a time per session; a monitor blocks scrapes.

Random mixes of monitors, member and message scrapes and sends, submitted at
random moments with random priorities, run on a sandbox session. Whatever the
interleaving: never two operations run at once (requirements 1.1-1.5), work
submitted while a monitor runs starts only after it ends (requirement 1.2),
and every operation ends DONE with its real result.
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from session_worlds import FAST, build_small

from tgkit.core import OperationState
from tgkit.session import TelegramSession

pytestmark = pytest.mark.telethon_compat

operation = st.tuples(
    st.sampled_from(["monitor", "members", "messages", "send"]),
    st.sampled_from([0.0, 0.0, 0.002, 0.01]),  # pause before submitting
    st.one_of(st.none(), st.integers(0, 12)),  # priority
    st.sampled_from([0.005, 0.02, 0.04]),  # monitor duration
)


def _submit(session: TelegramSession, kind: str, priority, duration):
    if kind == "monitor":
        return session.monitor("@small_group", duration=duration, priority=priority).operation
    if kind == "members":
        return session.scrape_group_members("@small_group", max_members=250, priority=priority)
    if kind == "messages":
        return session.scrape_messages("@small_group", limit=150, priority=priority)
    return session.send_message("@small_group", "hello", priority=priority)


async def _run(plan) -> list[str]:
    """Run ``plan``, check the rules, and return the operations' kinds in start order."""
    small = build_small()
    timeline: list[tuple[str, str]] = []  # (event type, op id), in order
    async with TelegramSession.sandbox(small.world, small.me, config=FAST) as session:
        session.subscribe(
            lambda event: (
                timeline.append((event.type, event.operation.id))
                if event.type in ("started", "finished")
                else None
            )
        )
        handles, blocked_by = [], {}
        for kind, pause, priority, duration in plan:
            await asyncio.sleep(pause)
            running = session.scheduler.running
            handle = _submit(session, kind, priority, duration)
            if running is not None and running.kind.name == "MONITOR":
                blocked_by[handle.id] = running.id
            handles.append((kind, handle))
        results = await asyncio.gather(*(h for _, h in handles), return_exceptions=True)

    running: set[str] = set()
    order = {}
    for position, (event, op_id) in enumerate(timeline):
        if event == "started":
            running.add(op_id)
            assert len(running) == 1, f"two operations ran at once: {running}"
        elif op_id in running:
            running.discard(op_id)
        order.setdefault((event, op_id), position)
    for waiting, monitor in blocked_by.items():
        assert order[("started", waiting)] > order[("finished", monitor)]
    for (kind, handle), result in zip(handles, results, strict=True):
        assert handle.state is OperationState.DONE, (kind, result)
        if kind == "members":
            assert len(result) == 250
        elif kind == "messages":
            assert len(result) == 150
        elif kind == "send":
            assert result.message_id > 0
    kinds = {handle.id: kind for kind, handle in handles}
    return [kinds[op_id] for event, op_id in timeline if event == "started"]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(operation, min_size=2, max_size=6))
def test_property_one_operation_at_a_time_with_real_operations(plan) -> None:
    asyncio.run(_run(plan))


def test_a_monitor_first_then_scrapes_in_priority_order() -> None:
    plan = [
        ("monitor", 0.0, None, 0.04),
        ("send", 0.005, None, 0.0),
        ("messages", 0.0, None, 0.0),
        ("members", 0.0, 11, 0.0),
    ]
    assert asyncio.run(_run(plan)) == ["monitor", "members", "messages", "send"]
