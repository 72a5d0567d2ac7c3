"""Run as a subprocess by the store tests: collect ``pages`` member pages into a
store the way an operation does (resume from the checkpoint, one page and its
checkpoint per transaction), printing ``page N`` after each commit.

    python store_writer.py DB TARGET PAGES [--go FILE] [--busy-timeout S]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from store_pages import member_page  # beside this script, so on sys.path

from tgkit.store import Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("target")
    parser.add_argument("pages", type=int)
    parser.add_argument("--go", help="wait until this file exists before writing")
    parser.add_argument("--busy-timeout", type=float, default=30.0)
    args = parser.parse_args()
    with Store(args.db, busy_timeout=args.busy_timeout) as store:
        collection = store.open_collection(
            account="acct", target=args.target, kind="members", params={"max_members": None}
        )
        print(f"opened {collection.id} resumed={collection.resumed}", flush=True)
        while args.go and not Path(args.go).exists():
            time.sleep(0.001)
        number = collection.checkpoint.get("next_page", 0)
        while number < args.pages:
            store.write_page(
                collection.id, member_page(number), checkpoint={"next_page": number + 1}
            )
            store.record_requests("acct", [("channels.GetParticipants", time.time())])
            number += 1
            print(f"page {number}", flush=True)
        store.finish(collection.id, "complete", attrs={"target": args.target})
        print("done", flush=True)


if __name__ == "__main__":
    main()
