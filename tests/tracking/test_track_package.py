"""A tracking dataset is a Frictionless data package after every run (issue 21): validated
with ``frictionless``, read back by ``export.read_package``, its provenance listing the runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import frictionless
import pandas as pd
import pytest
from tracking_helpers import CHANNELS, session

from tgkit import privacy
from tgkit.export import read_package, read_parquet
from tgkit.provenance import describe
from tgkit.sandbox import World

pytestmark = pytest.mark.telethon_compat


def _valid(study: Path) -> dict[str, Any]:
    report = frictionless.validate(str(study / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    return json.loads((study / "datapackage.json").read_text())


async def test_the_dataset_is_a_valid_package_after_every_run(
    world: World, tmp_path: Path
) -> None:
    study = tmp_path / "study"
    descriptors = []
    async with session(world, tmp_path / "tgkit.db") as tg:
        await tg.watch(CHANNELS, watchlist="study")
        for round_ in range(3):
            await tg.track("study", dataset=study, refresh_days=2, chat_info=True)
            descriptors.append(_valid(study))
            for chat in world.chats.values():
                world.generate_messages(chat, 4 + round_, days=0.01)
            world.advance_engagement(hours=6)
    last = descriptors[-1]
    assert [len(d["tgkit"]["runs"]) for d in descriptors] == [3 - 2, 3 - 1, 3]
    runs = last["tgkit"]["runs"]
    assert [r["new_messages"] for r in runs] == [120 + 160 + 200, 3 * 4, 3 * 5]
    assert all(r["failed"] == 0 and r["chats"] == 3 and r["requests"] > 0 for r in runs)
    assert runs[0]["started_at"] <= runs[1]["started_at"] <= runs[2]["ended_at"]
    assert [r["name"] for r in last["resources"]] == ["messages", "observations", "chat_info"]
    messages_resource = last["resources"][0]
    fields = {f["name"]: f for f in messages_resource["schema"]["fields"]}
    assert fields["message_id"]["type"] == "integer" and fields["month"]["type"] == "string"
    assert "id of the message" in fields["message_id"]["description"]
    assert messages_resource["schema"]["primaryKey"] == ["chat_id", "message_id"]
    observed = {f["name"]: f for f in last["resources"][1]["schema"]["fields"]}
    assert observed["observed_at"]["description"] == "when tgkit read these counters"
    made = messages_resource["tgkit"]["provenance"]
    assert made["operation"] == "track" and made["runs"] == 3 and made["server"] == "sandbox"
    assert made["started_at"] == runs[0]["started_at"] and made["ended_at"] == runs[2]["ended_at"]
    assert made["parameters"]["dataset"] == "study"  # the folder's name, not its path
    assert str(tmp_path) not in json.dumps(last)
    assert sum(made["requests"].values()) == sum(r["requests"] for r in runs)
    assert made["requests"]["channels.GetFullChannel"] == 3 * 3
    frames = read_package(study)
    assert set(frames) == {"messages", "observations", "chat_info"}
    on_disk = read_parquet(study / "messages")
    pd.testing.assert_frame_equal(
        frames["messages"].drop(columns="month").reset_index(drop=True),
        on_disk.drop(columns="month"), check_like=False,
    )
    assert len(frames["chat_info"]) == 3 * 3
    assert frames["messages"].attrs["provenance"]["runs"] == 3
    text, table = describe(study)
    assert "by the operation 'track' from @news_0, @news_1, @news_2" in text
    assert "collected over 3 tracking runs" in text and "It was not pseudonymised." in text
    assert list(table["rows"]) == [len(on_disk), len(frames["observations"]), 9]


async def test_a_pseudonymised_dataset_says_so_in_its_package(
    world: World, tmp_path: Path
) -> None:
    study = tmp_path / "study"
    key = privacy.generate_key()
    async with session(world, tmp_path / "tgkit.db") as tg:
        await tg.watch(CHANNELS)
        await tg.track(dataset=study, pseudonymize_key=key, refresh_days=1, chat_info=True)
    descriptor = _valid(study)
    assert descriptor["tgkit"]["pseudonymized"] is True
    assert key not in json.dumps(descriptor)
    made = descriptor["resources"][0]["tgkit"]["provenance"]
    assert made["parameters"]["pseudonymize_key"] == "(a key; not recorded)"
    text, table = describe(study)
    assert "sender_id, fwd_from_id, via_bot_id, sender_username replaced by keyed tokens" in text
    assert list(table["pseudonymised"]) == [True, True, True]


async def test_a_stale_descriptor_is_refused_until_the_next_run(
    world: World, tmp_path: Path
) -> None:
    study = tmp_path / "study"
    async with session(world, tmp_path / "tgkit.db") as tg:
        await tg.watch(CHANNELS)
        await tg.track(dataset=study, refresh_days=0, chat_info=False)
        descriptor = study / "datapackage.json"
        kept = descriptor.read_text()
        for chat in world.chats.values():
            world.generate_messages(chat, 3, days=0.01)
        await tg.track(dataset=study, refresh_days=0, chat_info=False)
        descriptor.write_text(kept)  # as if the run was killed before the descriptor
        with pytest.raises(ValueError, match="rows in the file"):
            read_package(study)
        await tg.track(dataset=study, refresh_days=0, chat_info=False)
    assert len(read_package(study)["messages"]) == 120 + 160 + 200 + 9
    assert len(_valid(study)["tgkit"]["runs"]) == 2  # the lost run's entry stays lost
