"""Stress loop for issue 20, run by hand: press stop at random moments of a sandbox scrape.

The notebook stop test (``test_ctrl_c_cancels_...`` in test_notebook_facade.py)
once ended the scrape DONE about one run in ten. This repeats its body ``N``
times in one process, with SIGINT at a random moment in [0, 0.3] s (before the
scrape is submitted, while it is, before its first page, or during it), and
counts the outcomes::

    PYTHONPATH=. python tests/notebook/stress_stop.py 200

Exit status 1 if any scrape ended other than CANCELLED after the stop.
"""

from __future__ import annotations

import collections
import faulthandler
import os
import random
import signal
import sys
import threading

from tgkit.notebook.connect import connect
from tgkit.sandbox import DEMO_TARGETS

BIG, SMALL = DEMO_TARGETS["big_group"], DEMO_TARGETS["small_group"]


def main(runs: int) -> int:
    tg = connect("stress-stop", sandbox=True)
    outcomes: collections.Counter[str] = collections.Counter()
    try:
        for _ in range(runs):
            faulthandler.dump_traceback_later(60, exit=True)  # a hung run shows where
            outcomes[one_run(tg)] += 1
        faulthandler.cancel_dump_traceback_later()
    finally:
        tg.close()
    print(dict(outcomes))
    bad = sum(n for key, n in outcomes.items() if key not in ("CANCELLED", "not submitted"))
    print(f"{runs} runs, {bad} not cancelled")
    return 1 if bad else 0


def one_run(tg) -> str:  # type: ignore[no-untyped-def]
    before = set(tg.history["id"])
    queued = []

    def press_stop() -> None:
        queued.append(tg.messages(SMALL, days_back=1, background=True))
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(random.uniform(0.0, 0.3), press_stop)
    timer.start()
    try:
        tg.members(BIG, resume=False, progress=False)
        interrupted = False
    except KeyboardInterrupt:
        interrupted = True
    timer.join()
    queued[0].result(progress=False)
    history = tg.history
    scrapes = history[~history["id"].isin(before) & (history["label"] == f"members {BIG}")]
    if not interrupted:
        return "no KeyboardInterrupt"
    if not len(scrapes):
        return "not submitted"
    return str(scrapes["state"].iloc[0])


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
