"""tgkit.core needs asyncio and the standard library only (DESIGN.md, layers)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import tgkit.core

CORE = Path(tgkit.core.__file__).parent


def imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(), filename=str(source))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_core_imports_only_the_standard_library_and_itself() -> None:
    files = sorted(CORE.glob("*.py"))
    assert len(files) > 5
    outside = {
        f"{source.name}: {name}"
        for source in files
        for name in imported_modules(source)
        if not name.startswith("tgkit.core")
        and name not in ("tgkit.core", "tgkit.errors")  # the one error tree: stdlib only
        and name.split(".")[0] not in sys.stdlib_module_names
    }
    assert outside == set()
