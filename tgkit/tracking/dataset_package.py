"""A tracking dataset as a Frictionless Data Package, rewritten after every run.

After each run ``datapackage.json`` in the dataset folder describes what the
folder holds, like ``export.to_parquet(..., package=True)`` does for one
file: one resource per frame (``messages``, ``observations``,
``chat_info``), each the whole partitioned folder (``path`` is the folder;
the ``frictionless`` library and ``export.read_package`` read it as one
table, its partition keys ``chat_id`` and ``month`` included), with field
types from the tgkit dtypes, descriptions from where the columns are
documented (``tgkit.frames``; observations in ``tgkit.tracking.dataset``),
primary keys, the rows it holds, and its provenance (``tgkit.provenance``):
tool versions, the operation and parameters of the last run, the
pseudonymous account, the server, from the first run's start to the last
run's end, requests and waits over all runs, and the pseudonymisation.

The package lists the runs (``descriptor["tgkit"]["runs"]``): each one's
start and end, versions, account, server, chats, new messages, refreshed
posts, failed chats, chat info taken, requests and waits. The data files are
written before the descriptor; a run killed between the two leaves the
descriptor one run behind until the next run, which rewrites it.

The dataset's folder path is kept by its name only (a home folder names its
owner).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tgkit import export
from tgkit import package as pkg
from tgkit.export.frame_schema import apply_schema, arrow_types
from tgkit.export.parquet_read import require_pyarrow
from tgkit.tracking import dataset as tracking_dataset
from tgkit.tracking.dataset import KINDS, PARTITION_BY, Dataset

__all__ = ["run_entry", "write_package"]

#: The columns that key each resource's rows.
PRIMARY_KEYS = {
    "messages": ["chat_id", "message_id"],
    "observations": ["chat_id", "message_id", "observed_at"],
    "chat_info": ["chat_id", "collected_at"],
}
_MONTH = "the month of the row (YYYY-MM, UTC), a partition key: of date for messages, of " \
    "observed_at for observations, of collected_at for chat info"
_SUMMED = ("budget_wait_s", "flood_wait_s")


def run_entry(provenance: Mapping[str, Any] | None, counts: Mapping[str, Any]) -> dict[str, Any]:
    """One run as the package lists it (from its provenance and its counts)."""
    made = dict(provenance or {})
    tool = made.get("tool") or {}
    params = made.get("parameters") or {}
    return {
        "started_at": made.get("started_at"),
        "ended_at": made.get("ended_at"),
        "tgkit": tool.get("tgkit"),
        "telethon": tool.get("telethon"),
        "account": made.get("account"),
        "server": made.get("server"),
        **{k: counts.get(k) for k in ("chats", "new_messages", "refreshed", "failed")},
        "chat_info_taken": counts.get("chat_info_taken", 0),
        "requests": int(sum((made.get("requests") or {}).values())),
        **{k: made.get(k, 0.0) for k in _SUMMED},
        "parameters": {k: params.get(k) for k in ("refresh_days", "chat_info")},
    }


def write_package(
    dataset: Dataset, run: Mapping[str, Any] | None, entry: Mapping[str, Any],
    chats: Sequence[str],
) -> Path:
    """Describe ``dataset`` after a run (``run``: its provenance; ``entry``: ``run_entry``)."""
    path = dataset.path / pkg.DESCRIPTOR
    earlier = _earlier(path)
    runs = [*earlier.get("runs", []), dict(entry)]
    requests: dict[str, int] = dict(earlier.get("requests", {}))
    for name, count in ((run or {}).get("requests") or {}).items():
        requests[name] = requests.get(name, 0) + int(count)
    made = _provenance(run, runs, requests, dataset)
    resources = [
        _resource(dataset, kind, made, chats)
        for kind in KINDS if (dataset.path / kind / export.COMMON_METADATA).exists()
    ]
    descriptor = {
        "name": pkg._name(dataset.path.resolve().name or "tgkit-tracking"),
        "profile": "tabular-data-package",
        "resources": resources,
        "tgkit": {
            "format": "tgkit-tracking/1",
            "watchlist": dataset.watchlist,
            "pseudonymized": dataset.pseudonymized,
            "chats": list(chats),
            "requests": requests,
            "runs": runs,
        },
    }
    pkg._write_json(path, pkg._jsonable(descriptor))
    return path


def _earlier(path: Path) -> dict[str, Any]:
    """The runs (and requests) the descriptor listed so far; none if it is unreadable."""
    if not path.exists():
        return {}
    try:
        about = json.loads(path.read_text(encoding="utf-8")).get("tgkit", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return about if isinstance(about, dict) else {}


def _provenance(
    run: Mapping[str, Any] | None, runs: list[dict[str, Any]], requests: dict[str, int],
    dataset: Dataset,
) -> dict[str, Any] | None:
    if run is None:
        return None
    params = dict(run.get("parameters") or {})
    if params.get("dataset"):
        params["dataset"] = dataset.path.name
    return {
        **{k: run.get(k) for k in ("tool", "operation", "account", "server")},
        "parameters": params,
        "started_at": runs[0].get("started_at") or run.get("started_at"),
        "ended_at": run.get("ended_at"),
        "requests": requests,
        **{k: round(sum(float(r.get(k) or 0) for r in runs), 3) for k in _SUMMED},
        "runs": len(runs),
    }


def _resource(
    dataset: Dataset, kind: str, made: Mapping[str, Any] | None, chats: Sequence[str]
) -> dict[str, Any]:
    folder = dataset.path / kind
    typed = _typed_empty(folder)
    descriptions = pkg.column_descriptions(
        kind, tracking_dataset.__doc__ if kind == "observations" else None
    )
    descriptions = {**descriptions, "month": _MONTH}
    fields = [pkg._field(typed, column, descriptions) for column in typed.columns]
    attrs = {k: v for k, v in typed.attrs.items() if k != "provenance"}
    attrs.update(
        kind=kind, watchlist=dataset.watchlist, partition_by=list(PARTITION_BY),
        target=", ".join(chats) if len(chats) <= 10 else f"the {len(chats)} chats of the "
        f"watchlist {dataset.watchlist!r}",
    )
    tgkit: dict[str, Any] = {
        "kind": kind,
        "rows": export.open_dataset(folder).count_rows(),
        "attrs": pkg._jsonable(attrs),
        "provenance": made,
    }
    if made is None:
        tgkit["note"] = "provenance is missing: this run was not recorded"
    return {
        "name": kind,
        "profile": "tabular-data-resource",
        "path": kind,
        "format": "parquet",
        "schema": {
            "fields": fields,
            "fieldsMatch": "equal",  # partition keys come last when the folder is read
            "primaryKey": [c for c in PRIMARY_KEYS[kind] if c in typed.columns],
        },
        "tgkit": tgkit,
    }


def _typed_empty(folder: Path) -> pd.DataFrame:
    """No rows, the columns and dtypes (and attrs) the folder's frames were written with."""
    pa = require_pyarrow()
    arrow_schema = pa.parquet.read_schema(folder / export.COMMON_METADATA)
    schema = json.loads(arrow_schema.metadata[export.METADATA_KEY])
    empty = arrow_schema.empty_table().to_pandas(types_mapper=arrow_types(pa))
    return apply_schema(empty, schema)
