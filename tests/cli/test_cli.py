"""The ``tgkit`` command, run as a subprocess on the sandbox."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tgkit.export import read_csv, read_parquet
from tgkit.privacy import generate_key

pytestmark = pytest.mark.telethon_compat


def tgkit(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "tgkit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def summary_of(result: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_demo_writes_frames_and_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    tgkit("demo", "-o", out, "--monitor-seconds", "0.5")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["members_collected"] > 10_000, "the sweep must pass the 10,000 cap"
    assert summary["members_by_source"]["search"] > 0
    assert summary["members_coverage"] == pytest.approx(
        summary["members_collected"] / summary["members_reported_total"]
    )
    members = read_parquet(out / "members.parquet")
    assert len(members) == summary["members_collected"]
    assert members["user_id"].is_unique
    assert len(read_parquet(out / "messages.parquet")) == summary["messages_collected"] > 0


def test_the_demo_output_is_a_package_whose_statement_matches_its_provenance(
    tmp_path: Path,
) -> None:
    from tgkit.export import read_package
    from tgkit.provenance import record

    out = tmp_path / "demo"
    tgkit("demo", "-o", out, "--monitor-seconds", "0.5")
    frames = read_package(out)
    assert set(frames) == {"members", "messages", "live"}
    statement = (out / "methods.txt").read_text()
    for name, frame in frames.items():
        made = record(frame)
        assert made is not None, name
        requests = int(sum(made["requests"].values()))
        assert f"The {name} data ({len(frame):,} rows) was collected with tgkit" in statement
        assert f"by the operation {made['operation']!r}" in statement
        assert f"between {made['started_at']} and {made['ended_at']}" in statement
        assert f"It took {requests:,} requests" in statement or requests == 0
    members = record(frames["members"])
    assert members is not None and f"{members['coverage']:.1%} of the" in statement


def test_members_to_csv_then_collections_and_export(tmp_path: Path) -> None:
    db, csv = tmp_path / "t.db", tmp_path / "members.csv"
    result = tgkit("members", "@small_group", "--sandbox", "--store", db, "-o", csv, "--json")
    summary = summary_of(result)
    frame = read_csv(csv)
    assert summary["rows"] == len(frame) > 100
    assert summary["output"] == str(csv)

    listed = summary_of(tgkit("collections", "--store", db, "--json"))["collections"]
    assert [(c["target"], c["kind"], c["status"]) for c in listed] == [
        ("@small_group", "members", "complete")
    ]

    parquet = tmp_path / "again.parquet"
    tgkit("export", str(listed[0]["id"]), "-o", parquet, "--store", db)
    assert sorted(read_parquet(parquet)["user_id"]) == sorted(frame["user_id"])


def test_export_with_a_pseudonymisation_key(tmp_path: Path) -> None:
    db, key = tmp_path / "t.db", tmp_path / "key"
    key.write_text(generate_key())
    tgkit("members", "@small_group", "--sandbox", "--store", db)
    out = tmp_path / "shared.csv"
    tgkit("export", "1", "-o", out, "--store", db, "--pseudonymize-key-file", key)
    shared = read_csv(out)
    raw = read_csv_from_store(db)
    assert not set(shared["user_id"].astype(str)) & set(raw["user_id"].astype(str))
    assert "first_name" not in shared.columns and "phone" not in shared.columns


def read_csv_from_store(db: Path):
    from tgkit.store import Store

    with Store(db) as store:
        return store.frame(1)


def test_messages_in_a_date_window(tmp_path: Path) -> None:
    result = tgkit("messages", "@small_group", "--sandbox", "--store", tmp_path / "t.db",
                   "--days", "3", "--json")
    summary = summary_of(result)
    assert summary["rows"] > 0
    out = tmp_path / "m.parquet"
    tgkit("messages", "@small_group", "--sandbox", "--store", tmp_path / "t.db",
          "--since", "2014-01-01", "--limit", "7", "-o", out)
    assert len(read_parquet(out)) == 7


def test_monitor_records_live_messages(tmp_path: Path) -> None:
    out = tmp_path / "live.csv"
    result = tgkit("monitor", "@small_group", "--sandbox", "--store", tmp_path / "t.db",
                   "--duration", "1.2s", "-o", out, "--json")
    assert summary_of(result)["rows"] == len(read_csv(out)) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["members", "not a target!", "--sandbox"], "not a target"),
        (["members", "@small_group", "--sandbox", "-o", "x.txt"], ".csv or .parquet"),
        (["messages", "@small_group", "--sandbox", "--days", "0"], "positive number of days"),
        (["messages", "@small_group", "--sandbox", "--since", "2024-02-01", "--until",
          "2024-01-01"], "must be before until"),
        (["messages", "@small_group", "--sandbox", "--since", "yesterday"],
         "must be a date or time"),
        (["monitor", "@small_group", "--sandbox"], "--duration"),
        (["export", "99", "-o", "x.csv"], "not in the store"),
        (["frobnicate"], "invalid choice"),
        # no abbreviations: --session is not quietly --session-dir
        (["members", "@small_group", "--sandbox", "--session", "research"],
         "unrecognized arguments: --session"),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = tgkit(*args, "--store", tmp_path / "t.db", check=False) if args[0] != "frobnicate" \
        else tgkit(*args, check=False)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


def test_telegram_refusal_exits_3(tmp_path: Path) -> None:
    result = tgkit("members", "@news_channel", "--sandbox", "--no-fallback",
                   "--store", tmp_path / "t.db", check=False)
    assert result.returncode == 3, result.stderr
    assert "admin" in result.stderr.lower()


def test_real_account_without_credentials_says_how(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TG_")}
    result = subprocess.run(
        [sys.executable, "-m", "tgkit", "members", "@small_group", "--store", str(tmp_path / "db")],
        capture_output=True, text=True, timeout=60,
        env={**env, "XDG_CONFIG_HOME": str(tmp_path)},
    )
    assert result.returncode == 3
    assert "TG_API_ID" in result.stderr and "--sandbox" in result.stderr


def stored_rows(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as connection:
            return sum(n for (n,) in connection.execute("SELECT rows FROM collections"))
    except sqlite3.Error:
        return 0


def test_ctrl_c_mid_scrape_leaves_a_resumable_collection(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "tgkit", "members", "@big_public_group", "--sandbox",
         "--store", str(db), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while stored_rows(db) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 5, stderr
    # the operation was cancelled on behalf of "ctrl-c", and the one line says so
    assert stderr.strip().startswith("interrupted by Ctrl-C: "), stderr
    assert "rows were saved" in stderr and "resume" in stderr
    saved = stored_rows(db)
    assert 0 < saved < 24_000

    resumed = summary_of(tgkit("members", "@big_public_group", "--sandbox", "--store", db,
                               "--json"))
    fresh = summary_of(tgkit("members", "@big_public_group", "--sandbox",
                             "--store", tmp_path / "fresh.db", "--json"))
    assert resumed["rows"] == fresh["rows"]
    assert resumed["collection_id"] == 1, "the interrupted collection is continued, not restarted"


def test_login_on_the_sandbox_asks_for_the_code_and_never_echoes_the_phone() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tgkit", "login", "--sandbox", "--json"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # no controlling terminal: getpass reads stdin
    )
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write("+15550001234\n")
    process.stdin.flush()
    seen = ""
    while "the code sent is" not in seen:
        line = process.stderr.readline()
        assert line, f"login ended before asking for the code:\n{seen}"
        seen += line
    code = seen.rsplit("the code sent is", 1)[1].split()[0]
    stdout, stderr = process.communicate(f"{code}\n", timeout=60)
    assert process.returncode == 0, stderr
    assert json.loads(stdout.strip().splitlines()[-1]) == {
        "account": "@demo_researcher", "logged_in": True, "session": "sandbox"
    }
    assert "5550001234" not in stdout + seen + stderr


def test_login_with_a_wrong_code_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tgkit", "login", "--sandbox", "--phone", "+15550001234"],
        input="000000\n" * 3, capture_output=True, text=True, timeout=60, start_new_session=True,
    )
    assert result.returncode == 3, result.stderr
    assert "the login code was wrong 3 times" in result.stderr


def test_progress_bar_on_stderr_only_when_it_is_a_terminal(tmp_path: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    # a terminal 100 columns wide (a new pty is 0 wide, and tqdm draws nothing in 0)
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "tgkit", "members", "@small_group", "--sandbox",
         "--store", str(tmp_path / "t.db"), "--json"],
        stdout=subprocess.PIPE, stderr=follower, text=True,
    )
    os.close(follower)
    stdout, _ = process.communicate(timeout=60)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    terminal = b"".join(chunks).decode(errors="replace")
    assert process.returncode == 0
    assert "members of @small_group" in terminal and "100%" in terminal
    assert "items" not in stdout  # the summary stays clean for pipes
