"""Run in a subprocess: loop="kernel" patches asyncio for the whole process.

Inside a running event loop (as in a kernel cell), a KernelLoop must run a
coroutine to completion synchronously, keep other tasks on that loop running
while it blocks, and on Ctrl-C cancel the coroutine, let it clean up, and
re-raise. Prints one JSON line with what it saw.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading

from tgkit.notebook.kernel_loop import KernelLoop


async def main() -> dict[str, object]:
    seen: dict[str, object] = {}
    runner = KernelLoop()
    beats: list[int] = []

    async def heartbeat() -> None:
        while True:
            beats.append(1)
            await asyncio.sleep(0.01)

    background = asyncio.get_running_loop().create_task(heartbeat())

    async def answer() -> int:
        await asyncio.sleep(0.1)
        return 42

    ticks: list[int] = []
    seen["result"] = runner.run(answer(), tick=lambda: ticks.append(1))
    seen["same_loop"] = runner.loop is asyncio.get_running_loop()
    seen["heartbeats_while_blocked"] = len(beats)
    seen["ticks"] = len(ticks)

    cleanup: list[str] = []

    async def long_call() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await asyncio.sleep(0.02)
            cleanup.append("cleaned up")
            raise

    threading.Timer(0.05, os.kill, args=(os.getpid(), signal.SIGINT)).start()
    try:
        runner.run(long_call())
        seen["interrupt"] = "not raised"
    except KeyboardInterrupt:
        seen["interrupt"] = "raised"
    seen["cleanup"] = cleanup
    background.cancel()
    return seen


if __name__ == "__main__":
    # Not asyncio.run: its Runner turns SIGINT into a cancel of main(); a
    # kernel instead lets SIGINT raise KeyboardInterrupt where the cell is.
    loop = asyncio.new_event_loop()
    print(json.dumps(loop.run_until_complete(main())))
