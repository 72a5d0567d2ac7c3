"""How a notebook call ends: one line when stopped, a short block for a TgkitError,
a green bar saying what was found, results from the store labelled, ``tg.last``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from notebook_helpers import eventually

import tgkit.progress
from tgkit.core import OperationState
from tgkit.errors import Cancelled, ChatNotFound
from tgkit.notebook.connect import connect
from tgkit.notebook.facade import Notebook
from tgkit.notebook.outcome import found_text
from tgkit.progress import ProgressBar
from tgkit.sandbox import DEMO_TARGETS

BIG, SMALL = DEMO_TARGETS["big_group"], DEMO_TARGETS["small_group"]


@pytest.fixture(scope="module")
def tg() -> Iterator[Notebook]:
    notebook = connect("outcome-tests", sandbox=True)
    yield notebook
    notebook.close()


def test_a_cancelled_call_shows_one_line_naming_who_and_where_the_rows_are(
    tg: Notebook,
) -> None:
    job = tg.members(BIG, refresh=True, background=True)
    eventually(lambda: job.progress.done > 0, within=10)
    assert tg.last is job
    tg.cancel(job.id)
    with pytest.raises(Cancelled) as raised:
        job.result(progress=False)
    assert job.state is OperationState.CANCELLED
    # the error itself names who cancelled, as does the line the notebook shows
    assert raised.value.by == "handle"
    assert str(raised.value) == (
        f"{job.id} (SCRAPE 'members {BIG}') was cancelled while running "
        "by cancel() on its handle, job or id"
    )
    lines = raised.value._render_traceback_()  # type: ignore[attr-defined]
    assert len(lines) == 1
    rows = len(tg.last.partial)
    assert rows > 0
    assert lines[0] == (
        f"cancelled members {BIG} after {rows:,} rows (by cancel() on its handle, job or id); "
        "tg.last.partial has them; run the same call again to resume"
    )
    # %tb renders it again: the full traceback
    assert len(raised.value._render_traceback_()) > 1  # type: ignore[attr-defined]
    # the sandbox keeps a store: the stopped collection is listed, and resumes
    listed = tg.collections()
    assert "interrupted" in set(listed["status"])
    resumed = tg.members(BIG, progress=False)
    assert resumed.attrs["resumed"] is True and resumed.attrs["from_store"] is False


def test_a_misspelt_target_is_a_short_block_and_percent_tb_the_full_one(tg: Notebook) -> None:
    with pytest.raises(ChatNotFound) as raised:
        tg.members("@big_publc_group", progress=False)
    lines = raised.value._render_traceback_()
    assert len(lines) == 2
    assert "ChatNotFound" in lines[0] and "big_publc_group" in lines[0]
    assert "%tb" in lines[1]
    assert len(raised.value._render_traceback_()) > 2


def test_scripts_keep_normal_tracebacks() -> None:
    import subprocess
    import sys

    code = (
        "import tgkit\nfrom tgkit.errors import ChatNotFound\n"
        "print(hasattr(ChatNotFound('x'), '_render_traceback_'))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert shown.stdout.strip() == "False", shown.stderr


def test_a_complete_collection_comes_back_labelled_from_the_store(
    tg: Notebook, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tg.members(SMALL, refresh=True, progress=False)
    assert first.attrs["from_store"] is False
    capsys.readouterr()
    again = tg.members(SMALL, progress=False)
    assert again.attrs["from_store"] is True
    assert again.attrs["collected_at"].tzinfo is not None
    notice = capsys.readouterr().out.strip()
    assert notice.startswith(f"{len(again):,} rows of {SMALL} from the store, collected ")
    assert notice.endswith("refresh=True collects afresh")
    fresh = tg.members(SMALL, refresh=True, progress=False)
    assert fresh.attrs["from_store"] is False


def test_found_text_says_what_was_found_and_why_not_all() -> None:
    import pandas as pd

    frame = pd.DataFrame({"user_id": range(24_541)})
    frame.attrs = {"reported_total": 25_003, "coverage_note": "462 hidden by privacy"}
    assert found_text(frame, "members") == (
        "24,541 of 25,003 members, 98.2 %; 462 unreachable: 462 hidden by privacy"
    )
    frame.attrs = {"reported_total": 24_541, "from_store": True}
    assert found_text(frame, "members") == "24,541 of 24,541 members, 100 % (from the store)"


def test_a_successful_bar_is_green_even_short_of_its_total(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tqdm.notebook import tqdm as notebook_tqdm

    made: list[notebook_tqdm] = []

    def make(*args: object, **kwargs: object) -> notebook_tqdm:
        made.append(notebook_tqdm(*args, **kwargs, display=False))
        return made[-1]

    monkeypatch.setattr(tgkit.progress, "tqdm", make)
    bar = ProgressBar("members @x", unit="members")
    bar.feed(980, 1000)
    bar.close(found="980 of 1,000 members, 98.0 %")
    styles = [c.bar_style for c in made[0].container.children if hasattr(c, "bar_style")]
    assert styles == ["success"]
    failed = ProgressBar("members @y", unit="members")
    failed.feed(50, 1000)
    failed.close()
    styles = [c.bar_style for c in made[1].container.children if hasattr(c, "bar_style")]
    assert styles == ["danger"]


def test_a_resumed_job_rate_counts_only_this_runs_rows() -> None:
    bar = ProgressBar("members @x", unit="members")
    bar.feed(11_532, 25_000)  # the rows restored from the store
    bar.draw()
    bar.feed(11_732, 25_000)
    bar.draw()
    assert bar._bar.initial == 11_532 and bar._bar.n == 11_732
    bar.close()


def test_sending_to_a_broadcast_channel_says_posting_needs_admin_rights(tg: Notebook) -> None:
    from tgkit.errors import AdminRequired

    with pytest.raises(AdminRequired, match="posting needs admin rights") as raised:
        tg.send(DEMO_TARGETS["channel"], "hello")
    assert "subscriber" not in str(raised.value)


def test_queue_and_history_name_their_times_alike(tg: Notebook) -> None:
    tg.messages(SMALL, limit=5, progress=False)
    job = tg.members(BIG, refresh=True, background=True)
    eventually(lambda: not tg.queue.empty)
    times = {"wait_s", "run_s"}
    assert times <= set(tg.queue.columns) and times <= set(tg.history.columns)
    tg.cancel(job.id)
    with pytest.raises(BaseException):  # noqa: B017 - the cancel, whatever its class
        job.result(progress=False)


def test_a_resumed_jobs_rate_counts_only_this_runs_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """A job resumed at 20,000 stored rows that adds 400 in 2 s shows ~200 members/s
    (the bar once showed 2,508,790 members/s: the stored rows counted as this run's)."""
    import io
    import re

    from tqdm import tqdm as plain_tqdm

    now = [1_000.0]

    made: list[plain_tqdm] = []

    def make(*args: object, **kwargs: object) -> plain_tqdm:
        bar = plain_tqdm(*args, **kwargs, file=io.StringIO(), mininterval=0)
        bar._time = lambda: now[0]  # tqdm's own clock, made virtual
        bar.start_t = bar.last_print_t = now[0]
        made.append(bar)
        return bar

    monkeypatch.setattr(tgkit.progress, "tqdm", make)
    bar = ProgressBar("members @x", unit="members")
    bar.feed(20_000, 25_003)  # resumed: 20,000 rows were in the store already
    bar.draw()
    now[0] += 2.0
    bar.feed(20_400, 25_003)
    bar.draw()
    shown = made[0].format_meter(**made[0].format_dict)
    rate = float(re.search(r"([\d.]+)members/s", shown).group(1))  # type: ignore[union-attr]
    assert 150 <= rate <= 250, shown
