"""A crawl's network exports as a validated data package that says how it was collected."""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from tgkit import export
from tgkit.provenance import describe
from tgkit.sandbox.universe import Universe
from tgkit.session import TelegramSession

pytestmark = pytest.mark.telethon_compat


async def test_nodes_and_edges_as_a_package(
    universe: Universe, session: TelegramSession, tmp_path: Path
) -> None:
    net = await session.discover(universe.seeds(3), depth=1)
    export.to_parquet(net.nodes, tmp_path / "nodes.parquet", package=True)
    export.to_csv(net.edges, tmp_path / "edges.csv", package=True)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])
    back = export.read_package(tmp_path)
    pd.testing.assert_frame_equal(back["nodes"], net.nodes)
    pd.testing.assert_frame_equal(back["edges"], net.edges)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        assert resource["tgkit"]["provenance"]["operation"] == "discover"
    text, _ = describe(tmp_path)
    assert text.count("by the operation 'discover'") == 2
