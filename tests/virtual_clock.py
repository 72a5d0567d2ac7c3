"""A looptime loop for tests that run Telethon's own update loop on virtual time.

Shared by the realistic-session and the edit/delete property tests.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import looptime

#: looptime's tick: a power of two, so a time plus 0.5, 20 or 25 s is exact in floats.
TICK = 2.0**-20


def virtual_loop() -> asyncio.AbstractEventLoop:
    """looptime's loop, on which a timer is due only once the virtual clock has reached it.

    asyncio runs a timer up to ``_clock_resolution`` (1 ns) early, and looptime's clock
    moves in ticks only when the loop idles. A timer a float error past a tick
    (``40.105 + 0.5`` is 40.605000000000004) then fired with the clock short of it, and
    a loop that waits until ``now >= deadline`` (Telethon's update loop, for a possible
    gap) waited again at once, for ever, at one virtual instant. Here times are whole
    ticks (exact in floats) and a timer is set on the first tick not before it.
    """
    loop = looptime.new_event_loop(resolution=TICK)
    call_at = loop.call_at

    def call_at_a_tick(when: float, *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
        return call_at(math.ceil(when / TICK) * TICK, *args, **kwargs)

    loop.call_at = call_at_a_tick  # type: ignore[method-assign]
    return loop
