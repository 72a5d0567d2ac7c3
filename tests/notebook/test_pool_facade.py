"""A pool of sandbox accounts from a notebook: the catalogue's methods, many, monitors, moves."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pandas as pd
import pytest
from notebook_helpers import eventually
from pool_helpers import HOLD

import tgkit
from tgkit.core import OperationState, SessionConfig
from tgkit.errors import InvalidTarget
from tgkit.notebook.facade import Notebook
from tgkit.notebook.jobs import Job
from tgkit.notebook.pool import Pool
from tgkit.sandbox.researchers import STUDY_GROUPS
from tgkit.telegram.catalogue import face_names
from tgkit.telegram.operations import CATALOGUE

PARTICIPANTS = "channels.GetParticipants"
SMALL = "@small_group"
#: every flood wait over a second moves the work (the default sleeps through a minute)
CONFIG = SessionConfig(pacing=False, flood_sleep_max=1, drain_timeout=0.2)


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    opened = tgkit.connect(["pa", "pb", "pc"], sandbox=True, config=CONFIG)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _idle(pool: Pool) -> Iterator[None]:
    yield
    pool.world.stop_activity()
    for job_id in pool.queue["id"]:
        pool.cancel(job_id)
    eventually(lambda: pool.queue.empty, within=5)


def test_the_pool_has_every_operation_of_the_notebook_with_its_parameters() -> None:
    for spec in CATALOGUE:
        for name, _ in face_names(spec, "notebook"):
            pool_method, one = getattr(Pool, name), getattr(Notebook, name)
            assert inspect.signature(pool_method) == inspect.signature(one), name
            assert pool_method.__doc__.replace("pool.", "tg.") == one.__doc__
    with CATALOGUE.adding(HOLD):
        assert list(inspect.signature(Pool.hold_account).parameters)[1:3] == ["target", "seconds"]
    assert not hasattr(Pool, "hold_account")


def test_connect_again_returns_the_same_pool(pool: Pool) -> None:
    assert tgkit.connect(["pa", "pb", "pc"], sandbox=True, config=CONFIG) is pool
    assert pool.accounts == ("pa", "pb", "pc")
    assert [u.username for u in pool.researchers] == [
        "demo_researcher", "demo_researcher2", "demo_researcher3"
    ]


def test_blocking_calls_return_frames_and_history_names_the_account(pool: Pool) -> None:
    members = pool.members(STUDY_GROUPS[0], progress=False)
    assert len(members) == 1200 + 1 + 3  # members, the admin, the researchers
    week = pool.messages(STUDY_GROUPS[0], days_back=7, progress=False)
    assert len(week) > 0
    history = pool.history
    assert set(history["account"]) <= set(pool.accounts)
    group = STUDY_GROUPS[0]
    assert list(history["label"])[-2:] == [f"members {group}", f"messages {group}"]


async def test_background_jobs_spread_over_idle_accounts_and_are_awaitable(pool: Pool) -> None:
    jobs = [pool.members(group, background=True) for group in STUDY_GROUPS[1:4]]
    assert all(isinstance(job, Job) for job in jobs)
    frames = [await job for job in jobs]
    assert all(len(frame) == 1204 for frame in frames)
    accounts = {job.handle.session for job in jobs}
    assert accounts == set(pool.accounts)  # three idle accounts, three jobs


def test_many_returns_a_frame_and_one_outcome_per_target(pool: Pool) -> None:
    result = pool.many([*STUDY_GROUPS[:3], "@no_such_group", STUDY_GROUPS[0]], progress=False)
    outcomes = result.outcomes.set_index("target")
    assert list(outcomes.index) == [*STUDY_GROUPS[:3], "@no_such_group"]  # duplicates once
    assert list(outcomes["status"]) == ["done", "done", "done", "failed"]
    assert outcomes.loc["@no_such_group", "error_type"] == "ChatNotFound"
    assert set(outcomes["session"].dropna()) <= set(pool.accounts)
    assert result.frame.groupby("target").size().to_dict() == dict.fromkeys(STUDY_GROUPS[:3], 1204)
    messages = pool.many(STUDY_GROUPS[:2], what="messages", days_back=2, progress=False)
    assert set(messages.outcomes["status"]) == {"done"}


def test_bad_input_raises_before_anything_is_queued(pool: Pool) -> None:
    before = len(pool.history)
    with pytest.raises(InvalidTarget, match=r"targets\[1\]"):
        pool.many([SMALL, "not a chat!"])
    with pytest.raises(ValueError, match="what must be"):
        pool.many([SMALL], what="monitor")
    with pytest.raises(InvalidTarget):
        pool.members("not a chat!")
    with pytest.raises(TypeError, match="background"):
        pool.members(SMALL, background="yes")  # type: ignore[arg-type]
    assert len(pool.history) == before and pool.queue.empty


def test_a_monitor_holds_one_account_and_the_others_keep_collecting(pool: Pool) -> None:
    watch = pool.monitor(SMALL, duration="1min")
    eventually(lambda: watch.state is OperationState.RUNNING)
    monitored = watch.handle.session
    pool.world.start_activity("small_group", 50)
    eventually(lambda: watch.count >= 3)
    jobs = [pool.members(group, background=True) for group in STUDY_GROUPS[:2]]
    frames = [job.result(progress=False) for job in jobs]
    assert all(len(frame) == 1204 for frame in frames)
    assert monitored not in {job.handle.session for job in jobs}
    assert watch.state is OperationState.RUNNING
    dash = pool.dashboard()
    dash.refresh_now()
    lock = dash.panel.account_rows[monitored].lock.get_state()["value"]
    assert f"held by the monitor {watch.handle.operation_handle.id}" in lock
    queue = pool.queue
    assert list(queue["kind"]) == ["MONITOR"] and list(queue["account"]) == [monitored]
    watch.stop()
    assert len(watch.result()) >= 3


def test_a_flood_wait_moves_the_work_to_another_account(pool: Pool) -> None:
    pool.world.fail_next(PARTICIPANTS, "FLOOD_WAIT_30")
    job = pool.members(STUDY_GROUPS[4], background=True, resume=False)
    frame = job.result(progress=False)
    assert len(frame) == 1204
    first, second = (attempt.session for attempt in job.handle.attempts)
    assert first != second
    moves = pool.moves
    assert list(moves[["job", "from", "to"]].iloc[-1]) == [job.id, first, second]
    assert "FloodWait" in moves["why"].iloc[-1]
    dash = pool.dashboard()
    dash.refresh_now()
    assert job.id in dash.panel.moves.get_state()["value"]
    assert "FloodWait" in dash.panel.account_rows[first].floods.get_state()["value"] or (
        PARTICIPANTS in dash.panel.account_rows[first].floods.get_state()["value"]
    )


def test_queue_is_a_frame_with_where_each_job_is(pool: Pool) -> None:
    with CATALOGUE.adding(HOLD):
        holds = [pool.hold_account(f"@target_{n}", background=True) for n in range(4)]
        eventually(lambda: sum(h.state is OperationState.RUNNING for h in holds) == 3)
        queue = pool.queue
        assert isinstance(queue, pd.DataFrame) and len(queue) == 4
        running = queue[queue["state"] == "RUNNING"]
        assert sorted(running["account"]) == sorted(pool.accounts)
        assert all(where.startswith("on ") for where in running["where"])
        waiting = queue[queue["state"] == "QUEUED"]
        assert len(waiting) == 1
        for hold in holds:
            hold.cancel()
        eventually(lambda: pool.queue.empty)


def test_dashboard_for_a_pool_is_its_dashboard(pool: Pool) -> None:
    from tgkit.notebook import dashboard_for

    assert dashboard_for(pool) is pool.dashboard()
    both = dashboard_for(pool, pool.manager.session("pa"))
    try:
        both.refresh_now()
        assert {"pa", "pb", "pc"} <= set(both.panels)
    finally:
        both.stop()


async def test_many_in_the_background_is_awaitable(pool: Pool) -> None:
    job = pool.many(STUDY_GROUPS[:2], what="messages", days_back=1, background=True)
    result = await job
    assert list(result.outcomes["status"]) == ["done", "done"] and len(result.frame) > 0


def test_each_account_row_shows_its_own_budgets_with_pacing_on() -> None:
    paced = tgkit.connect(["budget-a", "budget-b"], sandbox=True, config=SessionConfig())
    try:
        job = paced.members(STUDY_GROUPS[0], background=True)
        job.result(progress=False)
        dash = paced.dashboard()
        dash.refresh_now()
        ran = job.handle.session
        idle = next(account for account in paced.accounts if account != ran)
        rows = dash.panel.account_rows
        assert f"{PARTICIPANTS} " in rows[ran].budgets.get_state()["value"]
        assert rows[idle].budgets.get_state()["value"] == ""
        assert PARTICIPANTS in dash.to_html()
    finally:
        paced.close()
