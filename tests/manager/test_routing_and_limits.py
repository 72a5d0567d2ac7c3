"""The routing policy and the cap bookkeeping, as plain functions (no event loop)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgkit.core import OperationKind
from tgkit.manager.limits import Caps, ManagerLimits, TargetLocks
from tgkit.manager.routing import Candidate, DurationEstimator, Reach, choose_session

SCRAPE, SEND, MONITOR = OperationKind.SCRAPE, OperationKind.SEND, OperationKind.MONITOR

candidates = st.builds(
    Candidate,
    name=st.sampled_from("abcdef"),
    idle=st.booleans(),
    expected_wait=st.floats(0, 1000),
    flood_wait=st.sampled_from([0.0, 0.0, 0.5, 30.0]),
    reach=st.sampled_from(list(Reach)),
    tried=st.booleans(),
    order=st.integers(0, 10),
).map(lambda c: c if not c.idle else Candidate(**{**_fields(c), "expected_wait": 0.0}))


def _fields(c: Candidate) -> dict:
    return {name: getattr(c, name) for name in Candidate.__slots__}


@given(st.lists(candidates, max_size=6, unique_by=lambda c: c.name))
def test_the_choice_follows_the_policy(pool: list[Candidate]) -> None:
    decision = choose_session(pool)
    usable = [c for c in pool if c.reach is not Reach.UNREACHABLE]
    free = [c for c in usable if c.flood_wait <= 0]
    if not usable:
        assert decision.session is None and decision.wait is None
        return
    if not free:  # all waiting: wait for the earliest, choose nobody now
        assert decision.session is None
        assert decision.wait == min(c.flood_wait for c in usable)
        return
    chosen = next(c for c in pool if c.name == decision.session)
    assert chosen in free  # never unreachable, never in a flood wait
    best_rank = min(c.reach.rank for c in free)
    assert chosen.reach.rank == best_rank  # members before joiners
    same_rank = [c for c in free if c.reach.rank == best_rank]
    if any(c.idle for c in same_rank):
        assert chosen.idle  # idle first
    else:
        assert chosen.expected_wait == min(c.expected_wait for c in same_rank)


def test_choice_examples() -> None:
    busy = Candidate("busy", idle=False, expected_wait=30)
    idle = Candidate("idle", idle=True, expected_wait=0)
    shorter = Candidate("shorter", idle=False, expected_wait=10)
    flooded = Candidate("flooded", idle=True, expected_wait=0, flood_wait=60)
    assert choose_session([busy, idle, flooded]).session == "idle"
    assert choose_session([busy, shorter, flooded]).session == "shorter"
    waiting = choose_session([Candidate("x", True, 0, flood_wait=9), flooded])
    assert (waiting.session, waiting.wait) == (None, 9)
    assert "x is free in 9.0 s" in waiting.reason
    member = Candidate("member", idle=False, expected_wait=50, reach=Reach.MEMBER)
    joiner = Candidate("joiner", idle=True, expected_wait=0, reach=Reach.CAN_JOIN)
    assert choose_session([joiner, member]).session == "member"
    nobody = choose_session([Candidate("x", True, 0, reach=Reach.UNREACHABLE)])
    assert nobody.session is None and "reach" in nobody.reason


def test_duration_estimates_learn_from_observations() -> None:
    estimate = DurationEstimator(lambda kind: kind.default_timeout, weight=0.5)
    assert estimate.expected(SCRAPE) == 300.0  # nothing seen yet: the timeout
    estimate.observe(SCRAPE, 10.0)
    estimate.observe(SCRAPE, 20.0)
    assert estimate.expected(SCRAPE) == 15.0
    assert estimate.remaining(SCRAPE, 5.0) == 10.0
    assert estimate.remaining(SCRAPE, 100.0) == 1.5  # overran: close to its end, never 0
    assert estimate.queue_wait(running=(SCRAPE, 5.0), queued=[SCRAPE, SEND]) == 10 + 15 + 60
    with pytest.raises(ValueError, match="weight"):
        DurationEstimator(lambda kind: 1.0, weight=0)


@given(
    st.one_of(st.none(), st.integers(1, 4)),
    st.dictionaries(st.sampled_from([SCRAPE, SEND, MONITOR]), st.integers(1, 3), max_size=3),
    st.lists(st.tuples(st.booleans(), st.sampled_from([SCRAPE, SEND, MONITOR])), max_size=40),
)
def test_caps_never_admit_past_a_limit(
    max_running: int | None, per_kind: dict, steps: list[tuple[bool, OperationKind]]
) -> None:
    caps = Caps(ManagerLimits(max_running=max_running, per_kind=per_kind))
    held: list[OperationKind] = []
    for take, kind in steps:
        if take and caps.allows(kind):
            caps.take(kind)
            held.append(kind)
        elif not take and kind in held:
            caps.release(kind)
            held.remove(kind)
        assert caps.total == len(held)
        assert max_running is None or caps.total <= max_running
        for capped, cap in per_kind.items():
            assert caps.running(capped) <= cap
        full_everywhere = max_running is not None and len(held) >= max_running
        assert caps.full == full_everywhere


def test_caps_refuse_misuse() -> None:
    caps = Caps(ManagerLimits(per_kind={"scrape": 1}))
    caps.take(SCRAPE)
    with pytest.raises(RuntimeError, match="no free slot"):
        caps.take(SCRAPE)
    caps.release(SCRAPE)
    with pytest.raises(RuntimeError, match="not held"):
        caps.release(SCRAPE)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_running": 0}, "max_running"),
        ({"max_running": 1.5}, "max_running"),
        ({"per_kind": {"crawl": 2}}, "per_kind"),
        ({"per_kind": {SCRAPE: 0}}, "per_kind"),
        ({"per_kind": [SCRAPE]}, "per_kind"),
        ({"max_attempts": 0}, "max_attempts"),
    ],
)
def test_limits_reject_bad_values(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ManagerLimits(**kwargs)


def test_limits_accept_kind_names() -> None:
    limits = ManagerLimits(max_running=3, per_kind={"scrape": 2, "Send": 1})
    assert limits.cap_for(SCRAPE) == 2 and limits.cap_for(SEND) == 1
    assert limits.cap_for(MONITOR) is None


def test_target_locks_hold_and_join() -> None:
    locks: TargetLocks[str] = TargetLocks()
    locks.claim("@g", "job-1")
    assert locks.holder("@g") == "job-1" and locks.holder("@h") is None
    with pytest.raises(RuntimeError, match="held"):
        locks.claim("@g", "job-2")
    locks.register(("members", "@g"), "job-1")
    locks.register(("members", "@g"), "job-2")  # the first stays the one to join
    assert locks.in_flight(("members", "@g")) == "job-1"
    locks.release("@g", "job-2")  # not the holder: nothing happens
    assert locks.held_targets() == ("@g",)
    locks.release("@g", "job-1")
    locks.forget(("members", "@g"), "job-1")
    assert locks.holder("@g") is None and locks.in_flight(("members", "@g")) is None


def test_the_concurrency_part_imports_nothing_from_telegram_or_pandas() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from tgkit.manager import Dispatcher, ManagerLimits\n"
        "import tgkit.manager.placement, tgkit.manager.floods, tgkit.manager.routing\n"
        "print(sorted(m for m in ('telethon', 'pandas') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
