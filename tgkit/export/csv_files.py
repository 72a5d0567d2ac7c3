"""CSV with a sidecar ``path + ".schema.json"`` holding dtypes and attrs.

CSV cannot tell an empty string from a missing one: both come back as NA.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pandas as pd

from tgkit.export.atomic import atomic_file
from tgkit.export.frame_schema import apply_schema, frame_schema, json_lists
from tgkit.package import add_resource

__all__ = ["SCHEMA_SUFFIX", "read_csv", "to_csv"]

SCHEMA_SUFFIX = ".schema.json"


def to_csv(df: pd.DataFrame, path: str | os.PathLike[str], *, package: bool = False) -> Path:
    """Write ``df`` as CSV plus ``path + ".schema.json"`` (dtypes and attrs).

    ``package=True``: also describe it in the folder's ``datapackage.json``
    (see ``tgkit.package``).

    Example::

        to_csv(members, "members.csv")   # also writes members.csv.schema.json
    """
    target = Path(path)
    schema = frame_schema(df)
    with atomic_file(target) as temp:
        # Quote every text field: pandas leaves a lone "\r" unquoted, which splits the row.
        json_lists(df).to_csv(temp, index=False, na_rep="", quoting=csv.QUOTE_NONNUMERIC)
    with atomic_file(_sidecar(target)) as temp:
        temp.write_text(json.dumps(schema, indent=2, ensure_ascii=False), encoding="utf-8")
    if package:
        add_resource(df, target, "csv")
    return target


def read_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV written by :func:`to_csv`, restoring dtypes and attrs from its sidecar.

    Example::

        members = read_csv("members.csv")
    """
    source = Path(path)
    sidecar = _sidecar(source)
    if not sidecar.exists():
        raise FileNotFoundError(
            f"{sidecar} is missing: read_csv needs the schema file to_csv writes beside "
            "the CSV; without it use pandas.read_csv"
        )
    schema = json.loads(sidecar.read_text(encoding="utf-8"))
    names = list(schema["columns"])
    # pandas 2's C parser cuts a field at a NUL character; the python parser does not.
    engine = "python" if _contains_nul(source) else "c"
    raw = pd.read_csv(
        source, dtype="string", keep_default_na=False, na_values=[""], encoding="utf-8",
        engine=engine,
    )
    if list(raw.columns) != names:
        raise ValueError(
            f"{source} has columns {list(raw.columns)} but its schema file lists {names}; "
            "they were not written together"
        )
    return apply_schema(raw, schema)


def _contains_nul(path: Path) -> bool:
    with path.open("rb") as file:
        return any(b"\x00" in chunk for chunk in iter(lambda: file.read(1 << 20), b""))


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + SCHEMA_SUFFIX)
