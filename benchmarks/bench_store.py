"""Store-only benchmark: what committing every page costs.

Writes pages of 200 member records and of 100 message records (every column
of the frames' schemas filled) into a Store (synchronous NORMAL, the default,
and FULL) and into an in-memory list, the baseline measured in the same run,
then reads the rows back as records and as a frame. Prints rows per second,
milliseconds per page, and the ratio to the baseline.

    .venv/bin/python benchmarks/bench_store.py [--rows 50000] [--repeat 3]

The scrape-level benchmark (a sandbox scrape with the store on and off)
extends this once the session layer exists.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tgkit.store import Store

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
#: The paced interval between two page requests (24 requests / 30 s).
PACED_PAGE_INTERVAL = 30 / 24


def member_record(user_id: int) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "username": f"user_{user_id}",
        "first_name": f"First {user_id}",
        "last_name": "Last",
        "phone": None,
        "is_bot": False,
        "is_deleted": False,
        "is_verified": False,
        "is_premium": user_id % 7 == 0,
        "is_scam": False,
        "is_fake": False,
        "status": "recently",
        "last_seen": NOW - timedelta(seconds=user_id),
        "role": "member",
        "joined_at": NOW - timedelta(days=1, microseconds=user_id),
        "source": "participants",
        "chat_id": -1001234567890,
        "chat_title": "Research group",
        "collected_at": NOW,
    }


def message_record(message_id: int) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "chat_id": -1001234567890,
        "date": NOW - timedelta(seconds=message_id),
        "sender_id": 1000 + message_id % 500,
        "sender_username": f"user_{message_id % 500}",
        "text": "A message of ordinary length, with some words in it. " * 3,
        "reply_to_msg_id": message_id - 3 if message_id % 4 == 0 else None,
        "fwd_from_id": None,
        "views": 1234,
        "forwards": 5,
        "replies": 2,
        "reactions": 7,
        "media_type": "photo" if message_id % 5 == 0 else None,
        "edit_date": None,
        "grouped_id": None,
        "collected_at": NOW,
    }


def pages(kind: str, rows: int, size: int) -> list[list[dict[str, Any]]]:
    make = member_record if kind == "members" else message_record
    return [
        [make(n) for n in range(start, min(start + size, rows))] for start in range(0, rows, size)
    ]


def into_list(kind: str, all_pages: list[list[dict[str, Any]]], folder: Path) -> float:
    collected: list[dict[str, Any]] = []
    started = time.perf_counter()
    for page in all_pages:
        collected.extend(page)
    return time.perf_counter() - started


def into_store(synchronous: str) -> Callable[[str, list[list[dict[str, Any]]], Path], float]:
    def run(kind: str, all_pages: list[list[dict[str, Any]]], folder: Path) -> float:
        with Store(folder / f"{kind}-{synchronous}.db", synchronous=synchronous) as store:
            c = store.open_collection(account="bench", target="@bench", kind=kind, params={})
            started = time.perf_counter()
            for number, page in enumerate(all_pages):
                store.write_page(c.id, page, checkpoint={"page": number + 1})
            return time.perf_counter() - started

    return run


def read_back(kind: str, folder: Path) -> tuple[float, float]:
    with Store(folder / f"{kind}-NORMAL.db") as store:
        started = time.perf_counter()
        records = store.records(1)
        as_records = time.perf_counter() - started
        started = time.perf_counter()
        frame = store.frame(1)
        as_frame = time.perf_counter() - started
    assert len(records) == len(frame)
    return as_records, as_frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="rows per kind (default 50000)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    args = parser.parse_args()
    print(f"{'kind':9} {'writer':14} {'rows/s':>12} {'ms/page':>8} {'x baseline':>11}")
    for kind, size in (("members", 200), ("messages", 100)):
        all_pages = pages(kind, args.rows, size)
        baseline = None
        for name, writer in (
            ("list", into_list),
            ("store NORMAL", into_store("NORMAL")),
            ("store FULL", into_store("FULL")),
        ):
            best = float("inf")
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory() as folder:
                    best = min(best, writer(kind, all_pages, Path(folder)))
            baseline = baseline or best
            ms_page = best / len(all_pages) * 1000
            print(
                f"{kind:9} {name:14} {args.rows / best:12,.0f} {ms_page:8.3f} "
                f"{best / baseline:11.1f}"
            )
        with tempfile.TemporaryDirectory() as folder:
            into_store("NORMAL")(kind, all_pages, Path(folder))
            as_records, as_frame = read_back(kind, Path(folder))
        print(
            f"{kind:9} {'read back':14} {args.rows / as_records:12,.0f} rows/s as records, "
            f"{args.rows / as_frame:,.0f} rows/s as a frame"
        )
    print(
        f"(a paced page request is {PACED_PAGE_INTERVAL * 1000:.0f} ms apart: "
        "the store's ms/page is its share of that)"
    )


if __name__ == "__main__":
    main()
