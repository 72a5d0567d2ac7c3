"""Docstring examples are tests too: every module's ``>>>`` examples run here.

(Not ``--doctest-modules``: that also imports each test folder's conftest.py
as a module named ``conftest``, and two of them collide.)
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import tgkit

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(tgkit.__path__, "tgkit.")
    if not info.name.endswith("__main__")  # running it would run the command
)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
        runner.run(test)
    failed, _ = runner.summarize(verbose=False)
    assert failed == 0, capsys.readouterr().out


def test_the_examples_are_found() -> None:
    finder = doctest.DocTestFinder(exclude_empty=True)
    examples = sum(
        len(test.examples)
        for name in MODULES
        for test in finder.find(importlib.import_module(name), name)
    )
    assert examples > 50
