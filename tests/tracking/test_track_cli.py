"""``tgkit track add|remove|list|run`` on the sandbox, in process: lines and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tgkit.cli import main
from tgkit.cli.exitcodes import ExitCode
from tgkit.store import Store
from tgkit.tracking import Watchlist

pytestmark = pytest.mark.telethon_compat


def _track(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["track", *argv, "--store", str(db)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_add_run_list_remove(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, study = tmp_path / "tgkit.db", tmp_path / "study"
    code, out, _ = _track(capsys, db, "add", "@news_channel", "@small_group", "--sandbox")
    assert (code, out) == (0, "track default: 2 chats tracked\n")
    code, out, _ = _track(capsys, db, "run", "--sandbox", "--dataset", str(study))
    assert code == 0
    [line] = out.splitlines()
    assert line.startswith("track default: 2 chats, ") and " 0 failed, " in line
    assert "requests, waited 0.0 s on budgets" in line
    code, out, _ = _track(capsys, db, "run", "--sandbox", "--dataset", str(study), "--json")
    summary = json.loads(out)
    assert summary["new_messages"] == 0 and summary["failed"] == 0 and summary["chats"] == 2
    code, out, _ = _track(capsys, db, "list")
    assert "news_channel" in out and "small_group" in out
    code, out, _ = _track(capsys, db, "remove", "@small_group")
    assert (code, out) == (0, "track default: 1 removed, 1 tracked\n")
    with Store(db) as store:
        [entry] = Watchlist(store).entries()
    assert entry.username == "news_channel" and entry.round == 2


def test_bad_input_exits_2_before_anything_is_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "tgkit.db"
    code, _, err = _track(capsys, db, "add", "@news_channel", "@no_such_chat_here", "--sandbox")
    assert code == 2 and "cannot track @no_such_chat_here" in err
    code, _, err = _track(capsys, db, "remove", "@news_channel")
    assert code == 2 and "not in the watchlist" in err
    other = tmp_path / "thesis"
    other.mkdir()
    (other / "chapter1.tex").write_text("x")
    code, _, err = _track(capsys, db, "run", "--sandbox", "--dataset", str(other))
    assert code == 2 and "holds other files" in err
    with pytest.raises(SystemExit) as exit_:
        main(["track", "run", "--watchlist", "no spaces", "--store", str(db)])
    assert exit_.value.code == 2


def test_a_second_run_while_one_holds_the_watchlist_exits_in_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "tgkit.db"
    _track(capsys, db, "add", "@news_channel", "--sandbox")
    with Store(db) as other, Watchlist(other).running():
        code, _, err = _track(capsys, db, "run", "--sandbox")
    assert code == ExitCode.IN_USE and "being tracked right now" in err  # 6, README's table
