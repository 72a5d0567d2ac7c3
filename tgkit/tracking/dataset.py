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

Observations (``kind="observations"``: one row per post and round)

============  ===================  =================================================
column        dtype                meaning
============  ===================  =================================================
message_id    Int64                id of the post within its chat
chat_id       Int64                the chat's marked id (``-100…`` for channels)
observed_at   datetime64[ns, UTC]  when tgkit read these counters
date          datetime64[ns, UTC]  when the post was posted (its age at observed_at)
views         Int64                views of the post then (NA where Telegram counts none)
forwards      Int64                times the post had been forwarded then
replies       Int64                replies (or comments) the post had then
reactions     Int64                reactions the post had then, all emoji together
============  ===================  =================================================

Every folder also has the partition key ``month`` (``YYYY-MM``: of ``date`` for
messages, of ``observed_at`` for observations, of ``collected_at`` for chat info).

After every run the folder is also a Frictionless data package
(``datapackage.json``, see ``tgkit.tracking.dataset_package``).

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
from tgkit.export.parquet_write import readable_pandas_metadata
from tgkit.tracking.keys import DatasetKey

__all__ = ["OBSERVATION_COLUMNS", "Dataset", "observations_frame"]

MARKER = "tgkit-dataset.json"
_FORMAT = "tgkit-tracking/1"
PARTITION_BY = ("chat_id", "month")
#: The frames a dataset holds, each in its own folder.
KINDS = ("messages", "observations", "chat_info")

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

    def __init__(
        self, path: str | os.PathLike[str], watchlist: str, key: DatasetKey | None = None
    ) -> None:
        self.path = Path(path).expanduser()
        self.watchlist = watchlist
        self.key = key
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
            self._check_key(about.get("pseudonymized"))
            return
        if path.is_dir() and any(path.iterdir()):
            raise ValueError(
                f"the dataset path {path} holds other files (no {MARKER}); tgkit will not "
                "write into it: give a new or empty folder"
            )

    def _check_key(self, recorded: Any) -> None:
        """The run's key (or none) must be the one the dataset was written with."""
        key, path = self.key, self.path
        if recorded and key is None:
            raise ValueError(
                f"the dataset {path} is pseudonymised: give the study's pseudonymize_key "
                "(--pseudonymize-key-file) every run, or another folder for plain data"
            )
        if recorded and key is not None and recorded.get("key_check") != key.check_value:
            raise ValueError(
                f"the dataset {path} was pseudonymised with another key: its tokens would not "
                "match this key's; give the study's key, or another folder"
            )
        if not recorded and key is not None and self.holds_data():
            raise ValueError(
                f"the dataset {path} holds data that is not pseudonymised; tgkit will not "
                "pseudonymise it half-way: give a new folder for the pseudonymised study"
            )

    def holds_data(self) -> bool:
        """Whether any frame has been written here."""
        return any((self.path / kind).is_dir() for kind in KINDS)

    @property
    def pseudonymized(self) -> bool:
        """Whether this dataset's frames are written pseudonymised."""
        return self.key is not None

    def create(self) -> None:
        """Make the folder and its marker (idempotent)."""
        self.path.mkdir(parents=True, exist_ok=True)
        marker = self.path / MARKER
        about: dict[str, Any] = {"format": _FORMAT, "watchlist": self.watchlist}
        if self.key is not None:
            about["pseudonymized"] = {
                "with": "tgkit.privacy.pseudonymize", "key_check": self.key.check_value,
            }
        if not marker.exists() or (self.key is not None and not self.holds_data()):
            _atomic_write(marker, json.dumps(about))

    def append(self, kind: str, frame: pd.DataFrame, name: str, month_of: str) -> list[Path]:
        """Write ``frame``'s rows under ``kind/chat_id=…/month=…/<name>.parquet``."""
        if frame.empty:
            return []
        if self.key is not None:
            frame = self.key.pseudonymize(frame)
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
    if b"pandas" in metadata:  # list columns as object: readers (frictionless) parse the rest
        metadata[b"pandas"] = readable_pandas_metadata(metadata[b"pandas"])
    return table.replace_schema_metadata(metadata)


def _atomic_write(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text)
    os.replace(temp, temp.with_name(path.name))
