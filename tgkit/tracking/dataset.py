"""One growing, partitioned Parquet dataset per study.

Layout (Hive partitions, readable by DuckDB, Polars, Dask and
``tgkit.export.open_dataset``)::

    study/
      tgkit-dataset.json                      what this folder is (refused otherwise)
      messages/_common_metadata               schema, dtypes, partition keys
      messages/chat_id=-100…/month=2024-05/c17.parquet
      observations/_common_metadata
      observations/chat_id=-100…/month=2024-05/c17.parquet

Each tracking round of a chat writes new files named after its store
collection (``c<collection id>.parquet``); old files are never rewritten. A
round that is written again after a crash writes the same names with the
same rows, atomically (a temporary file renamed over), so the dataset never
holds a half file or a row twice. ``observations`` has one row per post and
round: the counters as seen then, so a post's audience can be followed.

Example::

    messages = read_parquet("study/messages")          # tgkit.export
    observations = read_parquet("study/observations")
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from tgkit.export import COMMON_METADATA, METADATA_KEY, frame_schema

__all__ = ["OBSERVATION_COLUMNS", "Dataset", "observations_frame"]

MARKER = "tgkit-dataset.json"
_FORMAT = "tgkit-tracking/1"
PARTITION_BY = ("chat_id", "month")

#: One row per post and observation: the counters as a tracking round saw them.
OBSERVATION_COLUMNS: Mapping[str, str] = {
    "message_id": "Int64",
    "chat_id": "Int64",
    "observed_at": "datetime64[ns, UTC]",
    "date": "datetime64[ns, UTC]",  # when the post was posted (its age at observed_at)
    "views": "Int64",
    "forwards": "Int64",
    "replies": "Int64",
    "reactions": "Int64",
}


def observations_frame(messages: pd.DataFrame) -> pd.DataFrame:
    """The counters of ``messages`` (a messages frame) as observation rows."""
    frame = pd.DataFrame(
        {
            name: messages[source] if source in messages else pd.NA
            for name, source in (
                ("message_id", "message_id"), ("chat_id", "chat_id"),
                ("observed_at", "collected_at"), ("date", "date"), ("views", "views"),
                ("forwards", "forwards"), ("replies", "replies"), ("reactions", "reactions"),
            )
        },
        index=pd.RangeIndex(len(messages)),
    )
    frame = frame.astype(dict(OBSERVATION_COLUMNS))
    frame.attrs = {"kind": "observations"}
    return frame


class Dataset:
    """The dataset folder of one study (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str], watchlist: str) -> None:
        self.path = Path(path).expanduser()
        self.watchlist = watchlist
        self._check()

    def __repr__(self) -> str:
        return f"Dataset({str(self.path)!r})"

    def _check(self) -> None:
        """Refuse, before any request, a path that holds something else."""
        path, marker = self.path, self.path / MARKER
        if path.exists() and not path.is_dir():
            raise ValueError(
                f"the dataset path {path} is a file; give a folder (new or one tgkit track wrote)"
            )
        if marker.is_file():
            try:
                about = json.loads(marker.read_text())
            except ValueError:
                about = {}
            if about.get("format") != _FORMAT:
                raise ValueError(f"{marker} is not a tgkit tracking dataset marker")
            if about.get("watchlist") != self.watchlist:
                raise ValueError(
                    f"the dataset {path} grows watchlist {about.get('watchlist')!r}, not "
                    f"{self.watchlist!r}: one dataset per study; give another folder"
                )
            return
        if path.is_dir() and any(path.iterdir()):
            raise ValueError(
                f"the dataset path {path} holds other files (no {MARKER}); tgkit will not "
                "write into it: give a new or empty folder"
            )

    def create(self) -> None:
        """Make the folder and its marker (idempotent)."""
        self.path.mkdir(parents=True, exist_ok=True)
        marker = self.path / MARKER
        if not marker.exists():
            _atomic_write(marker, json.dumps({"format": _FORMAT, "watchlist": self.watchlist}))

    def append(self, kind: str, frame: pd.DataFrame, name: str, month_of: str) -> list[Path]:
        """Write ``frame``'s rows under ``kind/chat_id=…/month=…/<name>.parquet``."""
        if frame.empty:
            return []
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.create()
        root = self.path / kind
        if (root / COMMON_METADATA).exists():
            self._check_fits(pq, root / COMMON_METADATA, frame)
        months = pd.to_datetime(frame[month_of], utc=True).dt.strftime("%Y-%m")
        schema = {**frame_schema(frame), "partition_by": list(PARTITION_BY)}
        written = []
        for (chat_id, month), part in frame.groupby([frame["chat_id"], months], sort=True):
            folder = root / f"chat_id={int(chat_id)}" / f"month={month}"
            folder.mkdir(parents=True, exist_ok=True)
            table = _table(pa, part.drop(columns=["chat_id"]).reset_index(drop=True), schema)
            file = folder / f"{name}.parquet"
            temp = folder / f".{name}.parquet.tmp"
            pq.write_table(table, temp)
            os.replace(temp, file)
            written.append(file)
        common = root / COMMON_METADATA
        if not common.exists():
            full = frame.head(0).assign(month=pd.Series(dtype="string"))
            keys = {"partition_by": list(PARTITION_BY)}
            full_table = _table(pa, full, {**frame_schema(full), **keys})
            temp = root / f".{COMMON_METADATA}.tmp"
            pq.write_metadata(full_table.schema, temp)
            os.replace(temp, common)
        return written

    def _check_fits(self, pq: Any, common: Path, frame: pd.DataFrame) -> None:
        """A clear error, before writing, when ``frame`` is not of the dataset's kind."""
        existing = json.loads(pq.read_schema(common).metadata[METADATA_KEY])
        old = {k: v for k, v in existing["columns"].items() if k != "month"}
        new = frame_schema(frame)["columns"]
        if old != new:
            differ = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))[:3]
            raise ValueError(
                f"{common.parent} holds frames of other columns or dtypes ({differ} differ); "
                "tgkit will not mix them: give the study a new dataset folder"
            )


def _table(pa: Any, frame: pd.DataFrame, schema: Mapping[str, Any]) -> Any:
    bare = frame.copy(deep=False)
    bare.attrs = {}
    table = pa.Table.from_pandas(bare, preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[METADATA_KEY] = json.dumps(schema, default=str).encode()
    return table.replace_schema_metadata(metadata)


def _atomic_write(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text)
    os.replace(temp, temp.with_name(path.name))
