"""Bad input to every ``tgkit`` subcommand: the documented exit code, one clear line on
stderr (no traceback), no secret in any output, and not one request sent.

The command runs in this process (``tgkit.cli.main``) on one sandbox world, so
the world's request counter shows what each row sent. Rows are written by
hand for what only the command line has (paths, stores, the demo), and
generated from the catalogue for every operation's parameters: a new
operation joins the table by being in the catalogue.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hardening_helpers import CANARY_HASH, assert_no_secret, remount_read_only, tmpfs

import tgkit.sandbox
from tgkit.cli import ExitCode, main
from tgkit.core import OperationKind
from tgkit.sandbox import World, demo_world
from tgkit.telegram.catalogue import TARGET, OperationSpec, Param
from tgkit.telegram.operations import CATALOGUE

BAD, STORE, IN_USE = ExitCode.BAD_INPUT, ExitCode.STORE, ExitCode.IN_USE

#: For each kind of value: bad command-line words (each must exit 2).
BAD_WORDS: dict[str, list[str]] = {
    "target": ["\u017fmall_group", "\u212aelvin_group", "\u0661\u0662\u0663\u0664\u0665",
               "9" * 25, "", "+44 7700 900123", "t.me/joinchat"],
    "targets": ["\u017fmall_group"],
    "seeds": ["\u017fmall_group"],  # a typed seed is checked word by word
    "count": ["0", "-1", "2.5", "nan", "inf", str(2**31), "1e3", "ten"],
    "days": ["1000000", "nan", "inf", "-1", "0", "1e400", "seven", "100000D"],
    "duration": ["nan", "inf", "0", "-1", "1e12", "soon", "1000000D"],
    "datetime": ["yesterday-ish", "2010-01-01", "2024-13-45"],
    "since": ["yesterday-ish", "2010-01-01", "2024-13-45", "2099-01-01"],
    "text": [""],
    "query": ["", "ab"],
    "depth": ["-1", "99", "x", "1.5", "\u0661"],
    "via": ["nonsense"],
    "limit": ["0", "x", "1e3", "101", "\u0665"],
    "ids": ["0", "-3", "x", str(2**31), "1.5", "\u0661\u0662"],
}
GOOD_WORDS = {
    "target": "@small_group", "targets": "@small_group", "seeds": "@small_group",
    "duration": "5", "query": "research",
}


def _generated() -> list[tuple[list[str], int]]:
    rows = []
    for spec in CATALOGUE:
        if not spec.cli:
            continue
        params = [p for p in spec.params if p.cli and p.kind.name != "flag"]
        positional = [p for p in params if p.required and p.kind.chats]
        options = [p for p in params if p not in positional]
        required = [w for p in options if p.required for w in (p.cli_flags()[0],
                    GOOD_WORDS[p.kind.name])]
        for param in positional:
            for word in BAD_WORDS[param.kind.name]:
                rows.append(([spec.name, word, *required], BAD))
        for param in options:
            for word in BAD_WORDS.get(param.kind.name, []):
                args = [spec.name, *[GOOD_WORDS[p.kind.name] for p in positional], *required]
                argv = [*args, f"{param.cli_flags()[0]}={word}"]
                rows.append((argv, BAD))
    return rows


HAND: list[tuple[list[str], int]] = [
    (["frobnicate"], BAD),
    ([], BAD),
    (["members"], BAD),
    (["members", "@small_group", "-o", "out.txt"], BAD),
    (["members", "@small_group", "-o", "no/such/folder/out.csv"], BAD),
    (["members", "@small_group", "-o", "."], BAD),
    (["members", "@small_group", "--pseudonymize-key-file", "absent.key"], BAD),
    (["members", "@small_group", "--pseudonymize-key-file", "short.key"], BAD),
    (["members", "@small_group", "--session-dir", "short.key"], BAD),
    (["login", "--session-dir", "short.key"], BAD),
    (["login", "--name", "a/b"], BAD),
    (["describe", "absent.json"], BAD),
    (["describe", "garbage.db"], BAD),
    (["track", "add", "\u017fmall_group", "--sandbox"], BAD),
    (["track", "add", "@small_group", "--watchlist", "a/b", "--sandbox"], BAD),
    (["track", "run", "--timeout", "nan", "--sandbox"], BAD),
    (["track", "list", "--store", "garbage.db"], STORE),
    (["doctor", "--step-timeout", "nan"], BAD),
    (["doctor", "--step-timeout", "-1"], BAD),
    (["doctor", "--step-timeout", "7200"], BAD),
    (["doctor", "--step-timeout", "soon"], BAD),
    (["track", "remove", "@small_group", "--sandbox"], BAD),
    (["members", "@small_group", "--store", "garbage.db"], STORE),
    (["members", "@small_group", "--store", "."], STORE),
    (["members", "@small_group", "--store", "foreign.db"], STORE),
    (["messages", "@small_group", "--days", "1", "--since", "2024-01-01"], BAD),
    (["messages", "@small_group", "--since", "2024-02-01", "--until", "2024-01-01"], BAD),
    (["monitor", "@small_group"], BAD),
    (["collections", "--store", "garbage.db"], STORE),
    (["collections", "--store", "."], STORE),
    (["export", "0", "-o", "x.csv"], BAD),
    (["export", "-5", "-o", "x.csv"], BAD),
    (["export", "one", "-o", "x.csv"], BAD),
    (["export", str(10**30), "-o", "x.csv"], BAD),
    (["export", "1", "-o", "x.txt"], BAD),
    (["export", "99", "-o", "x.csv"], BAD),
    (["export", "1", "-o", "x.csv", "--store", "garbage.db"], STORE),
    (["demo", "--monitor-seconds", "nan"], BAD),
    (["demo", "--monitor-seconds", "0"], BAD),
    (["demo", "--monitor-seconds", "inf"], BAD),
]
NEEDS_STORE = {"--store"}


@pytest.fixture(scope="module")
def world() -> tuple[World, Any]:
    return demo_world()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, world: tuple[World, Any]) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tgkit.sandbox, "demo_world", lambda: world)
    monkeypatch.setenv("TG_API_ID", "12345")
    monkeypatch.setenv("TG_API_HASH", CANARY_HASH)
    (tmp_path / "garbage.db").write_bytes(b"garbage\n" * 100)
    (tmp_path / "short.key").write_bytes(b"short")
    with sqlite3.connect(tmp_path / "foreign.db") as conn:
        conn.execute("CREATE TABLE photos (id INTEGER)")
    conn.close()
    return tmp_path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    if "--store" not in argv and argv and argv[0] not in ("frobnicate", "demo", "describe"):
        argv = [*argv, "--store", "t.db"]
    if (argv and argv[0] in CATALOGUE) or argv[:1] == ["demo"]:
        argv = [*argv, "--sandbox"]
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


ROWS = HAND + _generated()


def _argv(row: Any) -> list[str]:
    return row.values[0] if hasattr(row, "values") else row[0]


@pytest.mark.parametrize(("argv", "code"), ROWS, ids=[" ".join(_argv(r)) or "-" for r in ROWS])
def test_bad_input_exits_with_its_code_and_sends_nothing(
    folder: Path, world: tuple[World, Any], capsys: pytest.CaptureFixture[str],
    argv: list[str], code: int,
) -> None:
    before = world[0].stats().count()
    files = set(os.listdir(folder))
    got, out, err = run(argv, capsys)
    assert got == code, err
    assert world[0].stats().count() == before, "a request was sent before refusing"
    assert "Traceback" not in err and err.strip(), err
    assert_no_secret(out, err)
    assert "+44 7700 900123" not in err
    written = set(os.listdir(folder)) - files - {"t.db", "t.db-wal", "t.db-shm"}
    assert not written, f"a refused command wrote {written}"
    assert _collections(folder / "t.db") == 0, "a refused command started a collection"


def _collections(db: Path) -> int:
    if not db.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        if "collections" not in tables:
            return 0
        return int(conn.execute("SELECT count(*) FROM collections").fetchone()[0])


def test_every_cli_operation_has_rows() -> None:
    named = {_argv(row)[0] for row in ROWS if _argv(row)}
    assert {spec.name for spec in CATALOGUE if spec.cli} <= named


def test_monitor_of_an_unknown_chat_says_not_found(folder: Path, capsys) -> None:
    code, _, err = run(["monitor", "@no_such_chat_here", "--duration", "2"], capsys)
    assert code == BAD and "not found" in err and "KeyError" not in err


def test_output_into_a_read_only_folder_is_refused_before_collecting(
    folder: Path, world: tuple[World, Any], capsys
) -> None:
    with tmpfs(folder / "share") as share:
        remount_read_only(share)
        before = world[0].stats().count()
        code, _, err = run(["members", "@small_group", "-o", str(share / "m.csv")], capsys)
        assert code == BAD and "cannot be written" in err
        assert world[0].stats().count() == before


def test_a_result_folder_on_a_read_only_share_is_refused_before_collecting(
    folder: Path, world: tuple[World, Any], capsys
) -> None:
    with tmpfs(folder / "share") as share:
        (share / "existing").mkdir()
        remount_read_only(share)
        before = world[0].stats().count()
        for target in (share / "network", share / "existing"):
            code, _, err = run(["discover", "@small_group", "--depth", "0", "-o", str(target)],
                               capsys)
            assert code == BAD and "cannot be written" in err, err
        assert world[0].stats().count() == before


def test_a_dataset_on_a_read_only_share_is_refused_before_the_round(
    folder: Path, world: tuple[World, Any], capsys
) -> None:
    assert run(["track", "add", "@small_group", "--sandbox"], capsys)[0] == 0
    with tmpfs(folder / "share") as share:
        remount_read_only(share)
        before = world[0].stats().count()
        code, _, err = run(["track", "run", "--dataset", str(share / "study"), "--sandbox"],
                           capsys)
        assert code == BAD and "cannot be written" in err and "dataset" in err, err
        assert world[0].stats().count() == before


def test_a_read_only_store_is_listed_and_exported(folder: Path, capsys) -> None:
    with tmpfs(folder / "share") as share:
        assert run(["members", "@small_group", "--max-members", "20", "--store",
                    str(share / "t.db")], capsys)[0] == 0
        remount_read_only(share)
        code, out, err = run(["collections", "--store", str(share / "t.db"), "--json"], capsys)
        assert code == 0, err
        assert '"status": "complete"' in out
        code, _out, err = run(["export", "1", "-o", "m.csv", "--store", str(share / "t.db")],
                             capsys)
        assert code == 0, err
        assert (folder / "m.csv").exists()
        code, _, err = run(["members", "@small_group", "--store", str(share / "t.db")], capsys)
        assert code == STORE and "read" in err


def test_stale_output_temporaries_are_removed_on_the_next_write(folder: Path, capsys) -> None:
    stale = [folder / ".m.csv.abc123.tmp", folder / ".m.csv.schema.json.x.tmp"]
    for path in stale:
        path.write_text("half a file")
    (folder / ".m.csv.dir.tmp").mkdir()
    code, _, err = run(["members", "@small_group", "--max-members", "5", "-o", "m.csv"], capsys)
    assert code == 0, err
    assert not [p for p in os.listdir(folder) if p.startswith(".m.csv.") and p.endswith(".tmp")]


def test_readme_and_help_list_every_exit_code() -> None:
    import re

    from hardening_helpers import REPO

    from tgkit.cli.parser import EPILOG

    table = re.findall(r"^\| (\d+) \| (.+) \|$", (REPO / "README.md").read_text(), re.M)
    assert sorted(int(code) for code, _ in table) == sorted(code.value for code in ExitCode)
    helped = " ".join(EPILOG.split())
    for code in ExitCode:
        assert re.search(rf"(^|[ ,:]){code.value} [A-Za-z]", helped), f"--help omits exit {code}"


def _fill(folder: Path, leave: int) -> None:
    """Fill the tmpfs on ``folder`` until about ``leave`` bytes are free."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    (folder / "filler").write_bytes(b"\0" * max(0, free - leave))


def test_a_store_on_a_full_disk_is_exit_7_in_one_line(folder: Path, capsys) -> None:
    with tmpfs(folder / "share", size="1m") as share:
        _fill(share, leave=8192)
        code, _, err = run(["members", "@small_group", "--store", str(share / "t.db")], capsys)
        assert code == STORE, err
        assert "its disk is full" in err and "run the same call again" in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_output_onto_a_full_disk_is_exit_8_and_keeps_the_rows(folder: Path, capsys) -> None:
    with tmpfs(folder / "share", size="1m") as share:
        _fill(share, leave=0)
        code, _, err = run(["members", "@small_group", "-o", str(share / "m.csv")], capsys)
        assert code == ExitCode.FILE, err
        assert "No space left" in err and "Traceback" not in err
        assert f"writing {share / 'm.csv'}" in err and "tgkit export 1 -o FILE" in err
        assert not [p for p in os.listdir(share) if p.endswith(".tmp")]  # no half file
        assert not (share / "m.csv").exists()
    code, out, err = run(["collections", "--json"], capsys)
    assert code == 0 and '"status": "complete"' in out  # the rows are in the store


async def _buggy(ctx: Any, args: Any, live: Any) -> Any:
    return {}["a bug in tgkit"]  # a KeyError no user can cause


BUGGY = OperationSpec(
    name="buggy_operation", kind=OperationKind.SCRAPE, summary="Fail as a bug would.",
    params=(Param("target", TARGET, positional=True, help="a chat"),),
    run=_buggy, frame="members", unit="rows", example=("@small_group",),
)


def test_an_internal_bug_shows_its_traceback_and_asks_to_report_it(folder: Path, capsys) -> None:
    with CATALOGUE.adding(BUGGY):
        code, _, err = run(["buggy_operation", "@small_group"], capsys)
    assert code == ExitCode.FAILED
    assert "Traceback" in err and "KeyError" in err
    assert "this is a bug in tgkit" in err and "Please report it" in err
    assert_no_secret(err)
