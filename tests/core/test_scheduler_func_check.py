"""Submit checks each distinct function once: the answer never differs from a fresh check.

``Scheduler.submit`` remembers (weakly) the last function it checked and its
default label, and skips both for the next submit of the same function. The
property: over any sequence of submits drawn from async and non-async
callables (including new closures made for each submit, whose ids the
interpreter reuses once the previous one is freed), every submit is refused
with TypeError exactly when the function is not async, and every accepted
one gets the label a fresh check gives and runs that very function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
from core_probes import FAST, run_on_virtual_clock
from hypothesis import given, settings
from hypothesis import strategies as st

from tgkit.core import OperationKind, Scheduler

SCRAPE = OperationKind.SCRAPE


async def fetch(value: int) -> tuple[str, int]:
    return ("fetch", value)


async def other(value: int) -> tuple[str, int]:
    return ("other", value)


def blocking(value: int) -> tuple[str, int]:
    return ("blocking", value)


async def pages(value: int) -> Any:
    yield value


class AsyncCallable:
    async def __call__(self, value: int) -> tuple[str, int]:
        return ("AsyncCallable", value)


class Client:
    async def fetch(self, value: int) -> tuple[str, int]:
        return ("method", value)


def fresh_async() -> Callable[[int], Any]:
    async def made(value: int) -> tuple[str, int]:
        return ("made", value)

    return made


def fresh_sync() -> Callable[[int], Any]:
    def made(value: int) -> tuple[str, int]:
        return ("made", value)

    return made


_CALLABLE = AsyncCallable()
_CLIENT = Client()

#: name -> (makes the function to submit, is it async, its default label, what it returns)
POOL: dict[str, tuple[Callable[[], Any], bool, str, str]] = {
    "fetch": (lambda: fetch, True, "fetch", "fetch"),
    "other": (lambda: other, True, "other", "other"),
    "blocking": (lambda: blocking, False, "", ""),
    "pages": (lambda: pages, False, "", ""),
    "partial": (lambda: functools.partial(fetch), True, "fetch", "fetch"),
    "partial of sync": (lambda: functools.partial(blocking), False, "", ""),
    "async callable": (lambda: _CALLABLE, True, "AsyncCallable", "AsyncCallable"),
    "bound method": (lambda: _CLIENT.fetch, True, "fetch", "method"),
    "fresh async closure": (fresh_async, True, "made", "made"),
    "fresh sync closure": (fresh_sync, False, "", ""),
}

submits = st.lists(
    st.tuples(st.sampled_from(sorted(POOL)), st.sampled_from([None, "given label"])),
    min_size=1,
    max_size=30,
)


async def scenario(steps: list[tuple[str, str | None]]) -> None:
    scheduler = Scheduler(FAST, name="funcs")
    await scheduler.start()
    try:
        for value, (name, label) in enumerate(steps):
            make, is_async, default_label, returns = POOL[name]
            func = make()
            if not is_async:
                with pytest.raises(TypeError, match="func must be an async function"):
                    scheduler.submit(SCRAPE, func, value, label=label)
                del func
                continue
            if value % 2:  # by keyword: forwarded to func, as positional ones are
                handle = scheduler.submit(SCRAPE, func, label=label, value=value)
            else:
                handle = scheduler.submit(SCRAPE, func, value, label=label)
            assert handle.label == (default_label if label is None else label)
            assert await handle == (returns, value)
            del func
        assert scheduler.queued_count == 0
    finally:
        await scheduler.stop()


@settings(max_examples=100, deadline=None)
@given(submits)
def test_each_submit_is_checked_as_if_its_function_were_new(
    steps: list[tuple[str, str | None]],
) -> None:
    run_on_virtual_clock(scenario(steps))


def test_a_sync_closure_reusing_a_checked_async_closures_id_is_still_refused() -> None:
    async def go() -> None:
        scheduler = Scheduler(FAST, name="ids")
        await scheduler.start()
        try:
            for value in range(50):
                accepted = fresh_async()
                assert await scheduler.submit(SCRAPE, accepted, value) == ("made", value)
                del accepted
                refused = fresh_sync()
                with pytest.raises(TypeError):
                    scheduler.submit(SCRAPE, refused, value)
                del refused
        finally:
            await scheduler.stop()

    run_on_virtual_clock(go())
