"""Phone numbers are personal data (issue 14, defect 9).

The ``phone`` column is filled only with ``include_phones=True`` (or
``--include-phones``), only for users whose privacy settings show their
number, and never with the logged-in account's own number: not in the frame,
not in the store, not in a written file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tgkit.core import SessionConfig
from tgkit.sandbox import World
from tgkit.session import TelegramSession

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)
OWN, SHARED, HIDDEN = "+447700900001", "+447700900002", "+447700900003"


def _world() -> World:
    world = World(seed=9)
    me = world.add_user("Ada", "Lovelace", username="ada_research", phone=OWN)
    sharer = world.add_user("Sam", "Shares", phone=SHARED, phone_public=True)
    hider = world.add_user("Hal", "Hides", phone=HIDDEN)
    world.add_supergroup("Group", username="phone_group", members=[me, sharer, hider])
    world.add_people(20)
    world.me = me  # type: ignore[attr-defined]
    return world


def _everything_under(folder: Path) -> bytes:
    blobs = []
    for path in folder.rglob("*"):
        if path.is_file():
            blobs.append(path.read_bytes())
            if path.suffix == ".db":
                with sqlite3.connect(path) as conn:
                    blobs.append("\n".join(conn.iterdump()).encode())
                conn.close()
    return b"\n".join(blobs)


@pytest.mark.parametrize("include", [False, True])
async def test_phones_only_when_asked_and_never_the_own(tmp_path: Path, include: bool) -> None:
    world = _world()
    async with TelegramSession.sandbox(
        world, world.me, config=FAST, store=tmp_path / "tgkit.db"  # type: ignore[attr-defined]
    ) as session:
        if include:
            frame = await session.scrape_group_members("@phone_group", include_phones=True)
        else:
            frame = await session.scrape_group_members("@phone_group")
    phones = set(frame["phone"].dropna())
    assert phones == ({SHARED[1:]} if include else set())
    stored = _everything_under(tmp_path)
    assert OWN[1:].encode() not in stored and HIDDEN[1:].encode() not in stored
    assert (SHARED[1:].encode() in stored) is include


def test_include_phones_is_a_cli_flag() -> None:
    from tgkit.cli.parser import build_parser

    args = build_parser().parse_args(["members", "@g", "--include-phones"])
    assert args.include_phones is True
    assert build_parser().parse_args(["members", "@g"]).include_phones is False


@pytest.mark.parametrize("include", [False, True])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_command_writes_phones_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, include: bool, suffix: str
) -> None:
    import tgkit.sandbox
    from tgkit.cli import main

    world = _world()
    monkeypatch.setattr(tgkit.sandbox, "demo_world", lambda: (world, world.me))  # type: ignore[attr-defined]
    argv = ["members", "@phone_group", "--sandbox", "--store", str(tmp_path / "tgkit.db"),
            "-o", str(tmp_path / f"members{suffix}")]
    assert main([*argv, "--include-phones"] if include else argv) == 0
    written = _everything_under(tmp_path)
    assert OWN[1:].encode() not in written and HIDDEN[1:].encode() not in written
    assert (SHARED[1:].encode() in written) is include
    assert (SHARED[1:].encode() in (tmp_path / f"members{suffix}").read_bytes()) is include
