"""What the command writes: data files, the summary line or JSON, progress bars."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from tgkit import export, privacy
from tgkit.progress import ProgressBar

SUFFIXES = (".csv", ".parquet")


def check_output_path(path: Path | None) -> None:
    """Refuse an output path tgkit cannot write, before any request is sent."""
    if path is None:
        return
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"--output {path}: the file name must end in .csv or .parquet")
    if not path.parent.exists():
        raise ValueError(f"--output {path}: the folder {path.parent} does not exist")


def read_key_file(path: Path | None) -> bytes | None:
    """The pseudonymisation key from a file (its bytes, surrounding whitespace removed)."""
    if path is None:
        return None
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise ValueError(f"--pseudonymize-key-file {path}: {exc.strerror}") from None
    privacy.check_key(key)
    return key


def write_frame(
    frame: pd.DataFrame, path: Path, key: bytes | None, *, package: bool = False
) -> pd.DataFrame:
    """Write ``frame`` (pseudonymised first when a key is given) by the path's extension.

    ``package``: also describe it in the folder's ``datapackage.json``.
    """
    if key is not None:
        frame = privacy.pseudonymize(frame, key)
    if path.suffix.lower() == ".parquet":
        export.to_parquet(frame, path, package=package)
    else:
        export.to_csv(frame, path, package=package)
    return frame


def print_summary(summary: dict[str, Any], *, as_json: bool) -> None:
    """One readable line per fact on stdout, or one JSON object."""
    if as_json:
        print(json.dumps(summary, default=str, sort_keys=True))
        return
    for name, value in summary.items():
        if value is None:
            continue
        if name.endswith("coverage") and isinstance(value, float):
            value = f"{value:.1%}"
        print(f"{name.replace('_', ' ')}: {value}")


def progress_bar(description: str, unit: str = "items") -> ProgressBar | None:
    """A tqdm bar on stderr when stderr is a terminal; None otherwise."""
    if not sys.stderr.isatty():
        return None
    return ProgressBar(description, unit=unit)
