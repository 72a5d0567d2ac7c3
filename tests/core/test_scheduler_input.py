"""Bad input: a clear error naming the argument, and nothing queued."""

from __future__ import annotations

import functools
import gc
import math
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from tgkit.core import (
    OperationKind,
    Scheduler,
    SchedulerConfig,
    SchedulerEvent,
)

SCRAPE = OperationKind.SCRAPE


async def fetch(chat: str = "@x") -> str:
    return chat


def blocking(chat: str = "@x") -> str:
    return chat


async def pages() -> Any:
    yield 1


class AsyncCallable:
    async def __call__(self, chat: str) -> str:
        return chat


def assert_nothing_happened(scheduler: Scheduler, events: list[SchedulerEvent]) -> None:
    assert scheduler.queued_count == 0
    assert not scheduler.is_busy
    assert scheduler.history == ()
    assert events == []


@pytest.mark.parametrize(
    ("func", "message"),
    [
        (blocking, r"func must be an async function .*blocking"),
        (lambda: None, "func must be an async function"),
        ("fetch", "func must be an async function"),
        (pages, "async generator"),
    ],
)
async def test_a_function_that_is_not_async_is_a_type_error(
    scheduler: Scheduler, func: object, message: str
) -> None:
    events: list[SchedulerEvent] = []
    scheduler.subscribe(events.append)
    with pytest.raises(TypeError, match=message):
        scheduler.submit(SCRAPE, func)  # type: ignore[arg-type]
    assert_nothing_happened(scheduler, events)


async def test_a_coroutine_object_is_refused_and_closed(scheduler: Scheduler) -> None:
    coroutine = fetch()
    with pytest.raises(TypeError, match=r"not submit\(kind, fetch\(chat\)\)"):
        scheduler.submit(SCRAPE, coroutine)  # type: ignore[arg-type]
    assert coroutine.cr_frame is None  # closed: no "never awaited" warning later
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        del coroutine
        gc.collect()


class Client:
    async def fetch(self, chat: str) -> str:
        return chat


@pytest.mark.parametrize(
    "func",
    [fetch, functools.partial(fetch), AsyncCallable(), Client().fetch],
    ids=["async def", "partial", "async __call__", "bound async method"],
)
async def test_async_callables_are_accepted(scheduler: Scheduler, func: Callable[..., Any]) -> None:
    handle = scheduler.submit(SCRAPE, func, "@z")
    assert await handle == "@z"
    assert handle.label in {"fetch", "AsyncCallable"}


async def test_a_sync_function_returning_a_coroutine_is_refused(scheduler: Scheduler) -> None:
    def sneaky() -> Any:
        return fetch()

    with pytest.raises(TypeError, match=r"func must be an async function .*sneaky"):
        scheduler.submit(SCRAPE, sneaky)


@pytest.mark.parametrize(
    ("argument", "value", "error"),
    [
        ("timeout", 0, ValueError),
        ("timeout", -1.0, ValueError),
        ("timeout", math.nan, ValueError),
        ("timeout", "5", TypeError),
        ("queue_timeout", 0.0, ValueError),
        ("queue_timeout", -3, ValueError),
        ("priority", 1.5, TypeError),
        ("priority", True, TypeError),
        ("label", 7, TypeError),
    ],
)
async def test_bad_options_name_the_argument(
    scheduler: Scheduler, argument: str, value: object, error: type[Exception]
) -> None:
    events: list[SchedulerEvent] = []
    scheduler.subscribe(events.append)
    with pytest.raises(error, match=argument):
        scheduler.submit(SCRAPE, fetch, **{argument: value})
    assert_nothing_happened(scheduler, events)


@pytest.mark.parametrize("kind", ["bogus", 42, None, "scrape "])
async def test_an_unknown_kind_is_a_value_error_naming_kind(
    scheduler: Scheduler, kind: object
) -> None:
    events: list[SchedulerEvent] = []
    scheduler.subscribe(events.append)
    if kind == "scrape ":
        assert await scheduler.submit(kind, fetch) == "@x"  # type: ignore[arg-type]
        return
    with pytest.raises(ValueError, match=r"kind must be one of OperationKind\.\{MONITOR"):
        scheduler.submit(kind, fetch)  # type: ignore[arg-type]
    assert_nothing_happened(scheduler, events)


async def test_infinite_limits_mean_no_limit(scheduler: Scheduler) -> None:
    handle = scheduler.submit(SCRAPE, fetch, timeout=math.inf, queue_timeout=math.inf)
    assert await handle == "@x"
    assert handle.operation.timeout == math.inf


async def test_secrets_passed_as_arguments_never_show(scheduler: Scheduler) -> None:
    secret = "api-hash-0123456789abcdef"
    handle = scheduler.submit(SCRAPE, fetch, secret, label="login")
    shown = [repr(handle), repr(handle.operation), repr(scheduler.snapshot()), repr(scheduler)]
    await handle
    shown += [repr(scheduler.history)]
    assert not any(secret in text for text in shown)


def test_kind_defaults() -> None:
    kinds = {k: (k.default_priority, k.default_timeout) for k in OperationKind}
    assert kinds == {
        OperationKind.MONITOR: (10, 3600.0),
        OperationKind.SCRAPE: (5, 300.0),
        OperationKind.SEND: (1, 60.0),
    }
    assert OperationKind.of("Monitor") is OperationKind.MONITOR


def test_scheduler_config_validation_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"SchedulerConfig\.queue_timeout"):
        SchedulerConfig(queue_timeout=0)
    with pytest.raises(TypeError, match=r"SchedulerConfig.priorities\[SCRAPE\]"):
        SchedulerConfig().replace(priorities={SCRAPE: "high"})
    assert SchedulerConfig(timeouts={"send": 5}).timeout_for(OperationKind.SEND) == 5.0


def test_scheduler_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="config"):
        Scheduler({"queue_timeout": 5})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="name"):
        Scheduler(name="")
