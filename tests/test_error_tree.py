"""The error tree drawn in tgkit.errors' docstring is the real class tree, and the only one.

Every TgkitError subclass defined anywhere in tgkit lives in tgkit.errors,
and the drawing shows each of them under its real parent.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import pkgutil
import re
import sys
from pathlib import Path

import tgkit
import tgkit.errors as errors
from tgkit.errors import Cancelled, TgkitError


def drawn_tree() -> dict[str, str]:
    """``{class: parent}`` read from the drawing in the module docstring."""
    doc = errors.__doc__ or ""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in doc.splitlines():
        match = re.match(r"^(\s*)(?:[│ ]*)(?:├── |└── )?([A-Z]\w+)\b", line)
        if not match or not re.search(r"(├──|└──|^\s+TgkitError\s*$)", line):
            continue
        name = match.group(2)
        depth = line.index(name)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[name] = stack[-1][1]
        stack.append((depth, name))
    return parents


def real_tree() -> dict[str, str]:
    """``{class: parent}`` for every TgkitError subclass defined in tgkit."""
    for module in pkgutil.walk_packages(tgkit.__path__, "tgkit."):
        if module.name.endswith("__main__"):
            continue
        importlib.import_module(module.name)
    parents: dict[str, str] = {}
    pending = [TgkitError]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.split(".")[0] != "tgkit":
                continue  # defined by a test
            parents[sub.__name__] = cls.__name__
            pending.append(sub)
    return parents


def test_the_drawing_is_the_class_tree() -> None:
    assert drawn_tree() == real_tree()


def test_every_tgkit_error_lives_in_tgkit_errors() -> None:
    real_tree()
    stray = []
    pending: list[type] = [TgkitError]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("tgkit") and sub.__module__ != "tgkit.errors":
                stray.append(f"{sub.__module__}.{sub.__name__}")
            pending.append(sub)
    assert stray == []


def test_old_import_paths_keep_working() -> None:
    from tgkit.core import SessionClosed as core_closed
    from tgkit.store import CollectionInUse, StoreError

    assert StoreError is errors.StoreError and CollectionInUse is errors.CollectionInUse
    assert core_closed is errors.SessionClosed


def test_cancelled_is_a_tgkit_error_and_an_asyncio_cancellation() -> None:
    error = Cancelled("op-1 was cancelled", by="ctrl-c")
    assert isinstance(error, TgkitError) and isinstance(error, asyncio.CancelledError)
    assert error.by == "ctrl-c"


def test_tgkit_errors_imports_the_standard_library_only() -> None:
    tree = ast.parse(Path(errors.__file__).read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    names |= {node.module for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and node.module}
    assert {name.split(".")[0] for name in names} <= set(sys.stdlib_module_names) | {"__future__"}
