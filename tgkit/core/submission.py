"""Checking what is submitted, before anything is queued."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from types import FunctionType
from typing import Any


def check_func(func: object) -> Callable[..., Any]:
    """``func`` if it is an async function (or callable object with ``async def __call__``).

    Raises TypeError naming ``func`` otherwise. A coroutine object (``fetch()``
    instead of ``fetch``) is closed, so it does not warn "never awaited".
    """
    if type(func) is FunctionType and func.__code__.co_flags & inspect.CO_COROUTINE:
        return func  # the common case, checked cheaply
    if asyncio.iscoroutine(func):
        func.close()
        raise TypeError(
            "func must be an async function, not a coroutine object: pass the function "
            "and its arguments, e.g. submit(kind, fetch, chat), not submit(kind, fetch(chat))"
        )
    if inspect.isasyncgenfunction(func):
        raise TypeError(
            f"func must be an async function returning a value, but {name_of(func)} is an "
            "async generator; collect its items inside an async def and submit that"
        )
    if not callable(func):
        raise TypeError(f"func must be an async function, got {func!r}")
    if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - an object with async __call__
    ):
        return func
    raise TypeError(
        f"func must be an async function (async def), but {name_of(func)} is not; "
        "wrap blocking work in an async def that awaits asyncio.to_thread(...)"
    )


def check_label(label: object, func: Callable[..., Any]) -> str:
    """``label``, or the function's name when None; TypeError naming ``label`` otherwise."""
    if label is None:
        return name_of(func)
    if not isinstance(label, str):
        raise TypeError(f"label must be a str or None, got {label!r}")
    return label


def name_of(func: object) -> str:
    """A readable name for a function, partial or callable object."""
    while isinstance(func, functools.partial):
        func = func.func
    name = getattr(func, "__name__", None) or getattr(func, "__qualname__", None)
    return name if isinstance(name, str) else type(func).__name__
