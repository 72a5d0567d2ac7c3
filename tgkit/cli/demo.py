"""``tgkit demo``: the whole job on the built-in sandbox, no account needed.

It builds the demo world, collects the members of a group larger than
Telegram's 10,000 listing cap (showing the search sweep past it), a week of
messages, a few seconds of live activity, and writes every frame as one data
package (``datapackage.json``, see ``tgkit.package``), its methods statement
(``methods.txt``) and a short summary to a folder.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tgkit.cli.commands import RunState
from tgkit.session import TelegramSession
from tgkit.telegram.settings import SessionConfig


async def run_demo(args: argparse.Namespace, state: RunState) -> dict[str, Any]:
    """Run the demo and write ``members``, ``messages``, ``live`` and ``summary.json``."""
    from tgkit.sandbox import demo_world
    from tgkit.sandbox.demo import DEMO_TARGETS

    folder: Path = args.output
    folder.mkdir(parents=True, exist_ok=True)
    state.store_path = args.store or folder / "tgkit.db"
    world, me = demo_world()
    session = TelegramSession.sandbox(
        world, me, name="demo", config=SessionConfig(pacing=False), store=state.store_path
    )
    big, active = DEMO_TARGETS["big_group"], DEMO_TARGETS["small_group"]
    async with session:
        _say(args, f"collecting the members of {big} (past the 10,000 listing cap)...")
        state.handle = session.scrape_group_members(big)
        members = await state.handle
        _say(args, f"collecting a week of messages from {active}...")
        state.handle = session.scrape_messages(active, days_back=7)
        messages = await state.handle
        _say(args, f"monitoring {active} live for {args.monitor_seconds:g} s...")
        world.start_activity(active, messages_per_second=5.0)
        try:
            state.handle = session.monitor([active], duration=args.monitor_seconds)
            live = await state.handle
        finally:
            world.stop_activity()
    summary = _summary(members, messages, live)
    _write(folder, {"members": members, "messages": messages, "live": live}, summary)
    return {**summary, "output": str(folder)}


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.json:
        print(text, flush=True)


def _summary(members: pd.DataFrame, messages: pd.DataFrame, live: pd.DataFrame) -> dict[str, Any]:
    return {
        "members_target": members.attrs.get("target"),
        "members_collected": len(members),
        "members_reported_total": members.attrs.get("reported_total"),
        "members_coverage": members.attrs.get("coverage"),
        "members_coverage_note": members.attrs.get("coverage_note"),
        "members_by_source": _counts(members["source"]),
        "messages_collected": len(messages),
        "live_messages": len(live),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _counts(column: pd.Series) -> dict[str, int]:
    counts = column.value_counts()
    return {str(name): int(n) for name, n in counts.items() if n}


def _write(folder: Path, frames: dict[str, pd.DataFrame], summary: dict[str, Any]) -> None:
    """Every frame as Parquet in one data package, its methods statement, the summary."""
    from tgkit import export
    from tgkit.provenance import describe

    for name, frame in frames.items():
        export.to_parquet(frame, folder / f"{name}.parquet", package=True)
    statement, table = describe(frames)
    (folder / "methods.txt").write_text(statement + "\n\n" + table.to_string(index=False) + "\n")
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
