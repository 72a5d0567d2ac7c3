"""OperationQueue: priority then FIFO, lazy removal, deadlines in order, compaction.

The queue holds runs (``tgkit.core.run.Run``), each with its operation's data.
"""

from __future__ import annotations

import contextvars
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from tgkit.core import OperationKind
from tgkit.core.queue import OperationQueue
from tgkit.core.run import Run, new_run


async def nothing() -> None:
    return None


def make(priority: int, queued_at: float = 0.0, queue_timeout: float = 60.0) -> Run:
    return new_run(
        Run,
        OperationKind.SCRAPE,
        nothing,
        (),
        {},
        "x",
        priority,
        1.0,
        queue_timeout,
        queued_at,
        None,  # type: ignore[arg-type]  # no engine here
        contextvars.copy_context(),
    )


def test_pops_highest_priority_first_then_in_submission_order() -> None:
    queue = OperationQueue()
    ops = [make(p) for p in (1, 5, 10, 5, 1, 10)]
    for op in ops:
        queue.push(op)
    assert list(queue) == [ops[2], ops[5], ops[1], ops[3], ops[0], ops[4]]
    popped = [queue.pop() for _ in range(6)]
    assert popped == [ops[2], ops[5], ops[1], ops[3], ops[0], ops[4]]
    assert queue.pop() is None
    assert len(queue) == 0


def test_discarded_operations_are_skipped_and_not_counted() -> None:
    queue = OperationQueue()
    first, second, third = make(5), make(5), make(5)
    for op in (first, second, third):
        queue.push(op)
    assert queue.discard(second) is True
    assert queue.discard(second) is False
    assert len(queue) == 2
    assert list(queue) == [first, third]
    assert [queue.pop(), queue.pop(), queue.pop()] == [first, third, None]


def test_earliest_deadline_and_pop_expired_in_submission_order() -> None:
    queue = OperationQueue()
    slow = make(5, queued_at=0.0, queue_timeout=10.0)  # deadline 10
    quick = make(1, queued_at=1.0, queue_timeout=2.0)  # deadline 3
    later = make(1, queued_at=2.0, queue_timeout=2.0)  # deadline 4
    endless = make(1, queued_at=0.0, queue_timeout=math.inf)
    for op in (slow, quick, later, endless):
        queue.push(op)
    assert queue.earliest_deadline() == 3.0
    assert queue.pop_expired(2.9) == []
    assert queue.pop_expired(4.0) == [quick, later]
    assert queue.earliest_deadline() == 10.0
    assert queue.pop_expired(100.0) == [slow]
    assert queue.earliest_deadline() is None
    assert list(queue) == [endless]


def test_dispatched_operations_leave_the_deadline_order() -> None:
    queue = OperationQueue()
    first = make(5, queued_at=0.0, queue_timeout=1.0)
    second = make(5, queued_at=0.5, queue_timeout=1.0)
    queue.push(first)
    queue.push(second)
    assert queue.pop() is first
    assert queue.earliest_deadline() == 1.5
    assert queue.pop_expired(10.0) == [second]


def test_many_removals_keep_the_structures_small() -> None:
    queue = OperationQueue()
    keep = make(0, queue_timeout=1000.0)
    queue.push(keep)
    for i in range(5000):
        op = make(i % 7, queued_at=float(i), queue_timeout=float(1 + i % 3))
        queue.push(op)
        queue.discard(op)
    assert len(queue) == 1
    assert queue._stored <= 4 * 1 + 256 + 2  # compacted as it went
    assert list(queue) == [keep]


actions = st.lists(
    st.one_of(
        st.tuples(st.just("push"), st.integers(0, 3), st.sampled_from([1.0, 2.0, math.inf])),
        st.tuples(st.just("pop"), st.just(0), st.just(0.0)),
        st.tuples(st.just("discard"), st.integers(0, 50), st.just(0.0)),
        st.tuples(st.just("expire"), st.just(0), st.floats(0, 3)),
    ),
    max_size=120,
)


@settings(deadline=None, max_examples=200)
@given(actions)
def test_queue_matches_a_sorted_list_model(steps: list[tuple[str, int, float]]) -> None:
    """Against a plain model: order, length, expiry and removal always agree."""
    queue = OperationQueue()
    model: list[Run] = []  # every queued run
    pushed: list[Run] = []
    clock = 0.0
    for action, number, value in steps:
        clock += 0.1
        if action == "push":
            run = make(number, queued_at=clock, queue_timeout=value)
            queue.push(run)
            model.append(run)
            pushed.append(run)
        elif action == "pop":
            best = max(model, key=lambda run: (run.priority, -run.seq), default=None)
            assert queue.pop() is best
            if best is not None:
                model.remove(best)
        elif action == "discard" and pushed:
            run = pushed[number % len(pushed)]
            assert queue.discard(run) is (run in model)
            if run in model:
                model.remove(run)
        elif action == "expire":
            now = clock + value
            due = sorted((run for run in model if run.queue_deadline <= now), key=lambda o: o.seq)
            assert queue.pop_expired(now) == due
            model = [run for run in model if run not in due]
        assert len(queue) == len(model)
        assert list(queue) == sorted(model, key=lambda run: (-run.priority, run.seq))
        deadlines = [run.queue_deadline for run in model if run.queue_deadline != math.inf]
        assert queue.earliest_deadline() == (min(deadlines) if deadlines else None)


def test_new_run_sets_every_field_an_operation_and_its_run_have() -> None:
    """``new_run`` sets the fields itself (not through ``Operation.__init__``): none missed,
    and the operation's own fields as ``Operation.__init__`` sets them."""
    from tgkit.core.handle import OperationHandle
    from tgkit.core.operation import Operation

    run = make(5, queued_at=2.0)
    slots = [name for cls in type(run).__mro__ for name in getattr(cls, "__slots__", ())]
    assert len(slots) > 30
    missing = [name for name in slots if not hasattr(run, name)]
    assert missing == []
    plain = Operation(OperationKind.SCRAPE, nothing, (), {}, "x", 5, 1.0, 60.0, 2.0, 0.0)
    own = [name for name in Operation.__slots__ if name != "seq"]
    assert {name: getattr(run, name) for name in own} == {
        name: getattr(plain, name) for name in own
    }
    assert run.seq < plain.seq
    assert OperationHandle.__slots__ == ()  # the handle adds no field new_run would miss


def test_submit_sets_every_field_as_new_run_does() -> None:
    """``Scheduler.submit`` sets a handle's fields itself (not through ``new_run``): the same
    fields, with the same values for the same call."""
    import asyncio

    from core_probes import run_on_virtual_clock

    from tgkit.core import Scheduler, SchedulerConfig
    from tgkit.core.handle import OperationHandle

    async def go() -> None:
        scheduler = Scheduler(SchedulerConfig(), name="fields")
        await scheduler.start()
        gate = asyncio.Event()
        holder = scheduler.submit(OperationKind.SCRAPE, gate.wait)  # busy: the next queues
        handle = scheduler.submit(OperationKind.SCRAPE, nothing, label="x")
        engine = handle.engine
        made = new_run(
            OperationHandle,
            OperationKind.SCRAPE,
            nothing,
            (),
            {},
            "x",
            handle.priority,
            handle.timeout,
            handle.queue_timeout,
            handle.queued_at,
            engine,
            handle.context,
        )
        slots = [name for cls in OperationHandle.__mro__ for name in getattr(cls, "__slots__", ())]
        compared = [name for name in slots if name not in ("seq", "queued")]
        values = {name: getattr(made, name) for name in compared}
        assert {name: getattr(handle, name) for name in compared} == values
        assert handle.queued and not made.queued  # submit queued it (behind the holder)
        assert made.seq == handle.seq + 1
        gate.set()
        await holder
        await handle
        await scheduler.stop()

    run_on_virtual_clock(go())
