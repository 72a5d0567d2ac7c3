"""The dashboard's widget state over a real Scheduler, checked with get_state()."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from notebook_helpers import (
    eventually,
    held_until_cancelled,
    make_holder,
    on_loop,
    refreshers,
)

from tgkit.core import OperationKind, OperationState, Scheduler
from tgkit.notebook.dashboard import Dashboard
from tgkit.notebook.loop import BackgroundLoop


def _submit(runner: BackgroundLoop, scheduler: Scheduler, kind: str, func, **kw):  # type: ignore[no-untyped-def]
    return on_loop(runner, lambda: scheduler.submit(OperationKind[kind], func, **kw))


def _queue_texts(dash: Dashboard, name: str) -> list[str]:
    panel = dash.panels[name]
    return [text.get_state()["value"] for _, text, _ in panel.queue_rows]


def test_lock_holder_and_queue_in_dispatch_order(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    dash = Dashboard([scheduler], runner=runner)
    dash.refresh_now()
    assert "free" in dash.panels["dash-test"].lock.get_state()["value"]

    holder = _submit(runner, scheduler, "SCRAPE", held_until_cancelled, label="members @big")
    send = _submit(runner, scheduler, "SEND", held_until_cancelled, label="send hi")
    scrape = _submit(runner, scheduler, "SCRAPE", held_until_cancelled, label="messages @x")
    monitor = _submit(runner, scheduler, "MONITOR", held_until_cancelled, label="monitor @x")
    urgent_send = _submit(
        runner, scheduler, "SEND", held_until_cancelled, label="urgent", priority=7
    )
    assert dash.refresh_now()

    panel = dash.panels["dash-test"]
    lock = panel.lock.get_state()["value"]
    assert f"held by {holder.id}" in lock and "members @big" in lock
    # higher priority first, FIFO within a priority; a priority override counts
    assert panel.queue_ids == (monitor.id, urgent_send.id, scrape.id, send.id)
    texts = _queue_texts(dash, "dash-test")
    assert texts[0].startswith(f"1. <b>{monitor.id}</b> MONITOR") and "priority 10" in texts[0]
    assert texts[1].startswith(f"2. <b>{urgent_send.id}</b> SEND") and "priority 7" in texts[1]
    assert "waiting" in texts[3]
    assert not dash.refresh_now(), "nothing changed, so nothing is redrawn"


def test_progress_of_the_running_operation(runner: BackgroundLoop, scheduler: Scheduler) -> None:
    dash = Dashboard([scheduler], runner=runner)
    holder = _submit(runner, scheduler, "SCRAPE", make_holder((50, 200)), label="members @p")
    eventually(lambda: holder.progress.done == 50)
    dash.refresh_now()
    state = dash.panels["dash-test"].progress.get_state()
    assert state["description"] == holder.id
    assert state["value"] == pytest.approx(0.25)
    assert "50 / 200" in dash.panels["dash-test"].progress_text.get_state()["value"]


def test_cancel_buttons_cancel_queued_and_running_operations(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    dash = Dashboard([scheduler], runner=runner)
    holder = _submit(runner, scheduler, "SCRAPE", held_until_cancelled, label="first")
    queued = _submit(runner, scheduler, "SCRAPE", held_until_cancelled, label="second")
    after = _submit(runner, scheduler, "SEND", held_until_cancelled, label="third")
    dash.refresh_now()
    panel = dash.panels["dash-test"]

    panel.queue_button(queued.id).click()
    eventually(lambda: queued.state is OperationState.CANCELLED)
    assert holder.state is OperationState.RUNNING
    dash.refresh_now()
    assert panel.queue_ids == (after.id,)

    panel.cancel_running.click()
    eventually(lambda: holder.state is OperationState.CANCELLED)
    eventually(lambda: after.state is OperationState.RUNNING)  # the lock passed on
    dash.refresh_now()
    assert f"held by {after.id}" in panel.lock.get_state()["value"]
    assert panel.queue_ids == ()
    recent = panel.recent.get_state()["value"]
    assert holder.id in recent and queued.id in recent and "CANCELLED" in recent


def test_a_button_is_bound_to_its_operation_when_drawn_and_a_late_click_says_so(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    dash = Dashboard([scheduler], runner=runner)
    first = _submit(runner, scheduler, "SCRAPE", held_until_cancelled, label="first")
    second = _submit(runner, scheduler, "SCRAPE", held_until_cancelled, label="second")
    dash.refresh_now()
    panel = dash.panels["dash-test"]
    drawn_for_first = panel.cancel_running
    assert drawn_for_first.tooltip == f"cancel {first.id}"

    first.cancel()  # ended elsewhere; the second one now holds the lock
    eventually(lambda: second.state is OperationState.RUNNING)
    drawn_for_first.click()  # a click that arrives late, on the button shown for the first
    eventually(lambda: "already ended" in panel.notice.get_state()["value"])
    assert panel.notice.get_state()["value"] == (
        f"<i>{first.id} had already ended; nothing was cancelled</i>"
    )
    assert second.state is OperationState.RUNNING  # not the operation running now
    dash.refresh_now()
    assert panel.cancel_running is not drawn_for_first
    assert panel.cancel_running.tooltip == f"cancel {second.id}"
    panel.cancel_running.click()
    eventually(lambda: second.state is OperationState.CANCELLED)


def test_refresher_redraws_on_change_and_stays_quiet_when_idle(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    dash = Dashboard([scheduler], runner=runner, interval=0.25).start()
    try:
        eventually(lambda: dash.refreshes >= 1)
        idle_count = dash.refreshes
        holder = _submit(runner, scheduler, "SCRAPE", held_until_cancelled, label="live")
        eventually(lambda: holder.id in dash.panels["dash-test"].lock.get_state()["value"])
        holder.cancel()
        eventually(lambda: "free" in dash.panels["dash-test"].lock.get_state()["value"])
        settled = dash.refreshes
        assert settled > idle_count
        runner.run(asyncio.sleep(0.6))  # idle: no events, nothing ticking
        assert dash.refreshes == settled
    finally:
        dash.stop()
    assert not dash.is_live()


def test_starting_twice_keeps_one_refresher(runner: BackgroundLoop, scheduler: Scheduler) -> None:
    dash = Dashboard([scheduler], runner=runner, name="twice")
    dash.start()
    dash.start()

    try:
        assert refreshers("twice") == ["tgkit-dashboard:twice"]
    finally:
        dash.stop()
    assert refreshers("twice") == []


def test_static_html_shows_the_same_state_and_escapes_labels(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    holder = _submit(runner, scheduler, "SCRAPE", held_until_cancelled, label="<b>x</b>")
    queued = _submit(runner, scheduler, "SEND", held_until_cancelled, label="send")
    html = Dashboard([scheduler], runner=runner).to_html()
    assert f"held by {holder.id}" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert queued.id in html and "nothing queued" not in html


def test_interval_outside_the_throttle_range_is_refused(
    runner: BackgroundLoop, scheduler: Scheduler
) -> None:
    with pytest.raises(ValueError, match="interval"):
        Dashboard([scheduler], runner=runner, interval=0.05)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(
                st.just("submit"),
                st.sampled_from(["MONITOR", "SCRAPE", "SEND"]),
                st.one_of(st.none(), st.integers(min_value=0, max_value=12)),
            ),
            st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=20), st.none()),
            st.tuples(st.just("refresh"), st.none(), st.none()),
        ),
        min_size=1,
        max_size=14,
    )
)
def test_the_dashboard_always_matches_the_scheduler(
    runner: BackgroundLoop, scheduler: Scheduler, steps: list[tuple]
) -> None:
    """Any mix of submissions, cancels and refreshes: the widgets show the scheduler's truth."""
    dash = Dashboard([scheduler], runner=runner)
    handles = []
    for action, first, second in steps:
        if action == "submit":
            handles.append(
                _submit(runner, scheduler, first, held_until_cancelled, priority=second)
            )
        elif action == "cancel" and handles:
            on_loop(runner, handles[first % len(handles)].cancel)
        else:
            dash.refresh_now()
    dash.refresh_now()
    snapshot = on_loop(runner, scheduler.snapshot)
    panel = dash.panels["dash-test"]
    assert panel.queue_ids == tuple(op.id for op in snapshot.queued)
    lock = panel.lock.get_state()["value"]
    if snapshot.running is None:
        assert "free" in lock
    else:
        assert f"held by {snapshot.running.id}" in lock
    for handle in handles:
        on_loop(runner, handle.cancel)
    eventually(lambda: not scheduler.is_busy and scheduler.queued_count == 0)
