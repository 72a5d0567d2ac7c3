"""The pool dashboard's widget state, Ctrl-C and cancel of pool jobs, on sandbox accounts."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from notebook_helpers import eventually, on_loop
from pool_helpers import HOLD, HOLD_ROWS

import tgkit
from tgkit.core import OperationState, SessionConfig
from tgkit.notebook.pool import Pool
from tgkit.notebook.pool_dashboard import PoolDashboard
from tgkit.telegram.operations import CATALOGUE

CONFIG = SessionConfig(pacing=False, flood_sleep_max=1, drain_timeout=0.2)


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    with CATALOGUE.adding(HOLD), CATALOGUE.adding(HOLD_ROWS):
        opened = tgkit.connect(["da", "db", "dc"], sandbox=True, config=CONFIG)
        yield opened
        opened.close()


@pytest.fixture(autouse=True)
def _idle(pool: Pool) -> Iterator[None]:
    yield
    for job_id in pool.queue["id"]:
        pool.cancel(job_id)
    eventually(lambda: pool.queue.empty and _all_free(pool), within=5)


def _all_free(pool: Pool) -> bool:
    return not any(
        on_loop(pool.runner, lambda s=s: s.scheduler.is_busy) for s in pool.manager.sessions
    )


def _dash(pool: Pool) -> PoolDashboard:
    dash = pool.dashboard()
    dash.refresh_now()
    return dash


def _lock(dash: PoolDashboard, account: str) -> str:
    return dash.panel.account_rows[account].lock.get_state()["value"]


def _jobs(dash: PoolDashboard) -> list[str]:
    return [text.get_state()["value"] for _, text, _ in dash.panel.job_rows]


def test_a_row_per_account_and_the_jobs_with_their_accounts(pool: Pool) -> None:
    dash = _dash(pool)
    assert list(dash.panel.account_rows) == ["da", "db", "dc"]
    assert all("free" in _lock(dash, account) for account in pool.accounts)
    holds = [pool.hold_account(f"@target_{n}", background=True) for n in range(4)]
    eventually(lambda: sum(h.state is OperationState.RUNNING for h in holds) == 3)
    dash.refresh_now()
    assert dash.panel.job_ids == tuple(h.id for h in holds)
    texts = _jobs(dash)
    for hold, text in zip(holds[:3], texts, strict=False):
        account = hold.handle.session
        op = hold.handle.operation_handle.id
        assert f"on {account} as {op}, 1 / 10" in text
        assert f"held by {op} (SCRAPE" in _lock(dash, account)
        assert dash.panel.account_rows[account].progress.get_state()["value"] == pytest.approx(0.1)
    last = holds[3].handle.session
    assert f"queued on {last}" in texts[3]
    assert dash.panel.account_rows[last].queued.get_state()["value"] == "queued: 1"
    html = dash.to_html()
    assert "hold_account @target_3" in html and f"queued on {last}" in html


def test_each_cancel_button_cancels_its_own_job_even_when_clicked_late(pool: Pool) -> None:
    dash = _dash(pool)
    short = pool.hold_account("@target_0", seconds=0.3, background=True)
    long = [pool.hold_account(f"@target_{n}", background=True) for n in (1, 2, 3)]
    eventually(lambda: short.state is OperationState.RUNNING)
    dash.refresh_now()
    stale = dash.panel.job_button(short.id)
    short.result(progress=False)  # it ends; its button, drawn before, is still on screen
    stale.click()
    dash.panel.job_button(long[1].id).click()
    eventually(lambda: long[1].state is OperationState.CANCELLED)
    assert short.state is OperationState.DONE
    assert long[0].state is not OperationState.CANCELLED
    assert long[2].state is not OperationState.CANCELLED
    eventually(lambda: dash.refresh_now() and long[1].id not in dash.panel.job_ids)
    # the queued one moved up: it runs where the finished one was
    eventually(lambda: all(h.state is OperationState.RUNNING for h in (long[0], long[2])))


def test_dashboard_cancel_by_id_reaches_a_queued_job(pool: Pool) -> None:
    holds = [pool.hold_account(f"@target_{n}", background=True) for n in range(5)]
    eventually(lambda: sum(h.state is OperationState.RUNNING for h in holds) == 3)
    dash = _dash(pool)
    dash.cancel(holds[4].id)
    eventually(lambda: holds[4].state is OperationState.CANCELLED)
    assert sum(h.state is OperationState.RUNNING for h in holds) == 3
    with pytest.raises(KeyError, match="not among the jobs shown"):
        dash.cancel("mop-99999")


def _press_stop_when(check) -> threading.Timer:  # type: ignore[no-untyped-def]
    def press() -> None:
        eventually(check, within=5)
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(0.05, press)
    timer.start()
    return timer


def test_ctrl_c_cancels_a_blocking_pool_call_and_frees_its_account(pool: Pool) -> None:
    timer = _press_stop_when(lambda: list(pool.queue["state"]) == ["RUNNING"])
    with pytest.raises(KeyboardInterrupt):
        pool.hold_account("@target_0")
    timer.join()
    # the stop waited until the operation had really ended: nothing runs, the lock is free
    assert pool.queue.empty and _all_free(pool)
    history = pool.history
    assert list(history[["label", "state"]].iloc[-1]) == ["hold_account @target_0", "CANCELLED"]
    assert pool.hold_account("@target_0", seconds=0.05) == 1


def test_ctrl_c_during_many_cancels_every_target(pool: Pool) -> None:
    targets = [f"@target_{n}" for n in range(5)]
    timer = _press_stop_when(lambda: (pool.queue["state"] == "RUNNING").sum() == 3)
    with pytest.raises(KeyboardInterrupt):
        pool.many(targets, what="hold_rows", progress=False)
    timer.join()
    assert pool.queue.empty and _all_free(pool)
    cancelled = pool.history.tail(5)
    assert set(cancelled["state"]) == {"CANCELLED"}
    assert sorted(cancelled["label"]) == [f"hold_rows {t}" for t in targets]


def test_many_shows_progress_over_targets_and_returns_outcomes(pool: Pool) -> None:
    result = pool.many([f"@target_{n}" for n in range(4)], what="hold_rows", seconds=0.05,
                       progress=False)
    assert list(result.outcomes["status"]) == ["done"] * 4
    assert set(result.outcomes["session"]) == set(pool.accounts)


def test_the_refresher_follows_the_pool_and_goes_quiet(pool: Pool) -> None:
    dash = pool.dashboard()
    hold = pool.hold_account("@target_0", background=True)
    account = None

    def shown() -> bool:
        nonlocal account
        account = hold.handle.session
        return account is not None and "held by" in _lock(dash, account)

    eventually(shown)
    hold.cancel()
    eventually(lambda: "free" in _lock(dash, account))
    eventually(lambda: dash.panel.job_ids == ())
    assert "CANCELLED" in dash.panel.recent.get_state()["value"]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("submit"), st.integers(min_value=0, max_value=3)),
            st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=20)),
            st.tuples(st.just("refresh"), st.none()),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_the_pool_dashboard_always_matches_the_pool(pool: Pool, steps: list[tuple]) -> None:
    """Any mix of submissions, cancels and refreshes: the widgets show the pool's truth."""
    dash = pool.dashboard()
    holds = []
    for action, value in steps:
        if action == "submit":
            holds.append(pool.hold_account(f"@target_{value}", background=True))
        elif action == "cancel" and holds:
            holds[value % len(holds)].cancel()
        else:
            dash.refresh_now()
    alive = {hold.id for hold in holds if hold.state is not OperationState.CANCELLED}

    def matches() -> bool:
        dash.refresh_now()
        if set(dash.panel.job_ids) != alive:
            return False
        for session in pool.manager.sessions:
            running = on_loop(pool.runner, lambda s=session: s.scheduler.running)
            lock = _lock(dash, session.name)
            if (running is None) != ("free" in lock):
                return False
            if running is not None and f"held by {running.id}" not in lock:
                return False
        return True

    eventually(matches, within=5)
    for hold in holds:
        hold.cancel()
    eventually(lambda: pool.queue.empty and _all_free(pool), within=5)


def test_many_in_the_background_is_a_job_that_can_be_cancelled(pool: Pool) -> None:
    from tgkit.notebook.pool_many import ManyJob

    targets = [f"@target_{n}" for n in range(4)]
    job = pool.many(targets, what="hold_rows", background=True)
    assert isinstance(job, ManyJob) and job.progress.total == 4
    eventually(lambda: (pool.queue["state"] == "RUNNING").sum() == 3)
    assert job.cancel()
    eventually(job.done)
    assert pool.queue.empty and _all_free(pool)
    assert not job.cancel()
    done = pool.many(targets, what="hold_rows", seconds=0.05, background=True)
    result = done.result(progress=False)
    assert list(result.outcomes["status"]) == ["done"] * 4 and done.progress.done == 4
    with pytest.raises(ValueError, match="what must be"):
        pool.many(targets, what="nothing", background=True)


def test_a_target_one_account_cannot_reach_moves_to_another(pool: Pool) -> None:
    basic_group = -987_654_321  # the demo's basic group: only its members can list it
    holds = [pool.hold_account(f"@target_{n}", background=True) for n in (1, 2)]
    eventually(lambda: all(h.state is OperationState.RUNNING for h in holds))
    idle = (set(pool.accounts) - {h.handle.session for h in holds}).pop()
    outsider = pool.researchers[pool.accounts.index(idle)]
    pool.world.leave(basic_group, outsider)
    try:
        job = pool.members(basic_group, background=True)
        eventually(lambda: len(job.handle.attempts) == 2)  # off the outsider, queued elsewhere
        dash = _dash(pool)
        moves = dash.panel.moves.get_state()["value"]
        assert job.id in moves and f"moved off {idle}: PrivateChat" in moves
        assert f"{job.id} SCRAPE" in _jobs(dash)[-1] and "attempt 2" in _jobs(dash)[-1]
        for hold in holds:
            hold.cancel()
        members = len(pool.world.resolve_chat(basic_group).members)  # the outsider left
        assert len(job.result(progress=False)) == members
        first, last = job.handle.attempts
        assert first.session == idle and "PrivateChat" in (first.error or "")
        assert last.session != idle and last.state is OperationState.DONE
    finally:
        pool.world.join(basic_group, outsider)
