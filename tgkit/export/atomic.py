"""Atomic writes: a temporary file or directory beside the target, renamed over it.

A crash leaves the old file (or dataset directory) or the new one, never half of one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_directory", "atomic_file"]


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        yield Path(temp)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_directory(path: Path) -> Iterator[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        yield temp
        _swap_in(temp, path)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def _swap_in(new: Path, path: Path) -> None:
    if path.is_file():
        raise FileExistsError(f"{path} is a file; pass a directory path for a partitioned dataset")
    if not path.exists():
        os.replace(new, path)
        return
    # A directory cannot be replaced in one step: move the old one aside first.
    old = path.parent / f".{path.name}.{uuid.uuid4().hex}.old"
    os.replace(path, old)
    os.replace(new, path)
    shutil.rmtree(old, ignore_errors=True)
