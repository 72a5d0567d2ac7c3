"""Scheduler benchmark: dispatch latency and overhead against a bare asyncio.Lock.

Many tasks each submit trivial operations one after another (awaiting each),
10,000 in all. A trivial operation notes when it started, yields to the loop
once (``await asyncio.sleep(0)``, so the lock is really contended, as it is
when an operation waits on the network) and notes when it ended. The
baseline runs the same bodies serialized by a bare ``asyncio.Lock`` in the
same process. Reported:

- dispatch latency: from one operation's end to the next one's start
  (median and p99), for both;
- total time as a ratio: scheduler / bare lock, for the best round of each
  (the least disturbed by the rest of the machine, as ``timeit`` advises) and
  for the median round;
- the same ratio in CPU time (``time.process_time``): the loop never waits on
  I/O here, so CPU time is the work done, and it is what a loaded machine
  (other processes taking turns on the cores) disturbs least.

    .venv/bin/python benchmarks/bench_scheduler.py [--operations 10000]
        [--tasks 100] [--rounds 7]

Targets (issue 18): a ratio of at most 1.3 and a p50 dispatch latency under 20 µs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable

from tgkit.core import OperationKind, Scheduler, SessionConfig

Spans = list[tuple[float, float]]


async def trivial(spans: Spans) -> None:
    began = time.perf_counter()
    await asyncio.sleep(0)
    spans.append((began, time.perf_counter()))


async def with_scheduler(operations: int, tasks: int) -> tuple[tuple[float, float], Spans]:
    scheduler = Scheduler(SessionConfig(), name="bench")
    await scheduler.start()
    spans: Spans = []

    async def submitter(count: int) -> None:
        for _ in range(count):
            await scheduler.submit(OperationKind.SCRAPE, trivial, spans)

    elapsed = await _timed(submitter, operations, tasks)
    await scheduler.stop()
    return elapsed, spans


async def with_bare_lock(operations: int, tasks: int) -> tuple[tuple[float, float], Spans]:
    lock = asyncio.Lock()
    spans: Spans = []

    async def submitter(count: int) -> None:
        for _ in range(count):
            async with lock:
                await trivial(spans)

    elapsed = await _timed(submitter, operations, tasks)
    return elapsed, spans


async def _timed(
    submitter: Callable[[int], Awaitable[None]], operations: int, tasks: int
) -> tuple[float, float]:
    """Wall and CPU seconds for ``operations`` spread over ``tasks`` submitters."""
    shares = [operations // tasks + (1 if i < operations % tasks else 0) for i in range(tasks)]
    began, began_cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(submitter(share) for share in shares))
    return time.perf_counter() - began, time.process_time() - began_cpu


def latencies(spans: Spans) -> list[float]:
    """Gaps between one operation's end and the next one's start, in seconds."""
    ordered = sorted(spans)
    gaps = [nxt[0] - prev[1] for prev, nxt in itertools.pairwise(ordered)]
    if any(gap < 0 for gap in gaps):
        raise AssertionError("two operations overlapped: the lock did not serialize them")
    return gaps


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    totals: dict[str, list[float]] = {"scheduler": [], "bare lock": []}
    cpu: dict[str, list[float]] = {"scheduler": [], "bare lock": []}
    gaps: dict[str, list[float]] = {"scheduler": [], "bare lock": []}
    for _ in range(args.rounds):  # interleaved, so both see the same machine state
        for name, run in (("scheduler", with_scheduler), ("bare lock", with_bare_lock)):
            (elapsed, cpu_seconds), spans = asyncio.run(run(args.operations, args.tasks))
            if len(spans) != args.operations:
                raise AssertionError(f"{name}: {len(spans)} of {args.operations} ran")
            totals[name].append(elapsed)
            cpu[name].append(cpu_seconds)
            gaps[name].extend(latencies(spans))

    print(f"{args.operations} trivial operations from {args.tasks} tasks, {args.rounds} rounds")
    for name in totals:
        best, median = min(totals[name]), statistics.median(totals[name])
        p50 = percentile(gaps[name], 0.50) * 1e6
        p99 = percentile(gaps[name], 0.99) * 1e6
        print(
            f"  {name:<10} total best {best * 1e3:7.1f} ms, median {median * 1e3:7.1f} ms  "
            f"dispatch latency p50 {p50:5.1f} µs  p99 {p99:6.1f} µs"
        )
    best = min(totals["scheduler"]) / min(totals["bare lock"])
    median = statistics.median(totals["scheduler"]) / statistics.median(totals["bare lock"])
    cpu_best = min(cpu["scheduler"]) / min(cpu["bare lock"])
    p50 = percentile(gaps["scheduler"], 0.50) * 1e6
    print(
        f"  ratio scheduler / bare lock: best {best:.2f}, median {median:.2f}, "
        f"CPU time (best) {cpu_best:.2f}"
    )
    print(
        f"  targets (issue 18): ratio <= 1.3: {'met' if best <= 1.3 else 'NOT met'}; "
        f"p50 dispatch latency < 20 µs: {'met' if p50 < 20 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
