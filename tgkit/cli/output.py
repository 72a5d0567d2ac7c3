"""What the command writes: data files, the summary line or JSON, progress bars."""

from __future__ import annotations

import glob
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from tgkit import export, privacy
from tgkit.progress import ProgressBar

SUFFIXES = (".csv", ".parquet")


def check_output_path(path: Path | None) -> None:
    """Refuse an output path tgkit cannot write, before any request is sent.

    The folder must exist and take a new file (tried, not guessed: a
    read-only share refuses even root), and the path must not be a folder.
    """
    if path is None:
        return
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"--output {path}: the file name must end in .csv or .parquet")
    if not path.parent.exists():
        raise ValueError(f"--output {path}: the folder {path.parent} does not exist")
    if path.is_dir() and path.suffix.lower() == ".csv":
        raise ValueError(f"--output {path}: that is a folder; name a file")
    try:
        with tempfile.TemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".probe"):
            pass
    except OSError as exc:
        raise ValueError(
            f"--output {path}: the folder {path.parent} cannot be written ({exc.strerror}); "
            "choose another folder (nothing was collected yet)"
        ) from None


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

    ``package``: also describe it in the folder's ``datapackage.json``. Temporaries
    a killed earlier write of the same file left behind (``.NAME.*.tmp``) are
    removed first.
    """
    remove_stale_temporaries(path)
    if key is not None:
        frame = privacy.pseudonymize(frame, key)
    if path.suffix.lower() == ".parquet":
        export.to_parquet(frame, path, package=package)
    else:
        export.to_csv(frame, path, package=package)
    return frame


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Delete ``.NAME.*.tmp`` files and folders beside ``path`` (a killed write's leftovers)."""
    removed = []
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
        removed.append(stale)
    return removed


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
