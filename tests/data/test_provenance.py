"""Provenance travels with the data: recorded by every operation, kept by the store,
written into Frictionless data packages, read back, and stated in plain words."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import frictionless
import pandas as pd
import pytest

from tgkit import TelegramSession, export, privacy
from tgkit.provenance import describe, record, show
from tgkit.sandbox import DEMO_TARGETS, demo_world

SMALL = DEMO_TARGETS["small_group"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import asyncio

    store = tmp_path_factory.mktemp("store") / "t.db"
    world, me = demo_world()

    async def collect() -> dict[str, Any]:
        async with TelegramSession.sandbox(world, me, store=store) as session:
            members = await session.scrape_group_members(SMALL)
            messages = await session.scrape_messages(SMALL, days_back="2D")
            again = await session.scrape_group_members(SMALL)  # complete: from the store
        return {"members": members, "messages": messages, "again": again, "me": me}

    return asyncio.run(collect())


def test_every_collection_records_how_it_was_made(collected: dict[str, Any]) -> None:
    members, messages, me = collected["members"], collected["messages"], collected["me"]
    made = members.attrs["provenance"]
    assert made["operation"] == "members" and made["server"] == "sandbox"
    assert made["parameters"] == {
        "target": SMALL, "max_members": None, "fallback_to_messages": True,
        "message_days_back": 30, "include_phones": False, "join": False, "resume": True,
        "refresh": False,
    }
    assert made["tool"]["tgkit"] and made["tool"]["telethon"]
    assert made["requests"]["channels.GetParticipants"] >= 1
    assert made["started_at"] <= made["ended_at"]
    assert made["account"].startswith("acct-")
    shown = json.dumps(made)
    for secret in (str(me.id), me.username, me.phone):
        assert secret not in shown  # the account is pseudonymous
    assert messages.attrs["provenance"]["parameters"]["days_back"] == 2


def test_the_store_keeps_it(collected: dict[str, Any]) -> None:
    assert collected["again"].attrs["provenance"] == collected["members"].attrs["provenance"]


def test_a_package_round_trips_and_validates(collected: dict[str, Any], tmp_path: Path) -> None:
    members = privacy.pseudonymize(collected["members"], privacy.generate_key())
    messages = collected["messages"]
    export.to_parquet(members, tmp_path / "members.parquet", package=True)
    export.to_csv(messages, tmp_path / "messages.csv", package=True)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])
    back = export.read_package(tmp_path)
    assert set(back) == {"members", "messages"}
    pd.testing.assert_frame_equal(back["messages"], messages)
    pd.testing.assert_frame_equal(back["members"], members)
    assert back["members"].attrs["provenance"] == members.attrs["provenance"]
    assert back["members"].attrs["pseudonymized"] == members.attrs["pseudonymized"]
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    fields = {f["name"]: f for f in descriptor["resources"][1]["schema"]["fields"]}
    assert fields["message_id"]["type"] == "integer"
    assert "id of the message" in fields["message_id"]["description"]
    assert descriptor["resources"][1]["schema"]["primaryKey"] == ["chat_id", "message_id"]


def test_the_methods_statement_says_what_the_provenance_holds(collected: dict[str, Any]) -> None:
    members = privacy.pseudonymize(collected["members"], privacy.generate_key())
    text, table = describe({"members": members, "messages": collected["messages"]})
    made = record(members)
    assert made is not None
    assert f"({len(members):,} rows)" in text and SMALL in text
    assert f"tgkit {made['tool']['tgkit']}" in text and "sandbox server" in text
    assert "the last 2 days" in text
    assert "user_id, username replaced by keyed tokens" in text
    assert "It was not pseudonymised." in text  # the messages were not
    assert list(table["rows"]) == [len(members), len(collected["messages"])]
    assert list(table["pseudonymised"]) == [True, False]
    assert "<table>" in str(getattr(show(members), "data", show(members)))


def test_a_hand_made_frame_is_said_to_have_none(tmp_path: Path) -> None:
    hand_made = pd.DataFrame({"x": pd.array([1, 2], dtype="Int64")})
    export.to_csv(hand_made, tmp_path / "hand.csv", package=True)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    tgkit = descriptor["resources"][0]["tgkit"]
    assert tgkit["provenance"] is None and "provenance is missing" in tgkit["note"]
    text, _ = describe(tmp_path)
    assert "has no provenance" in text and "collected with" not in text


def test_a_package_that_does_not_match_its_files_is_refused(
    collected: dict[str, Any], tmp_path: Path
) -> None:
    export.to_csv(collected["messages"], tmp_path / "messages.csv", package=True)
    path = tmp_path / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["resources"][0]["schema"]["fields"][2]["name"] = "when"
    path.write_text(json.dumps(descriptor))
    with pytest.raises(ValueError, match="column 2: 'date' in the file, 'when' in the descriptor"):
        export.read_package(tmp_path)
    descriptor["resources"][0]["schema"]["fields"][2]["name"] = "date"
    descriptor["resources"][0]["tgkit"]["rows"] += 1
    path.write_text(json.dumps(descriptor))
    with pytest.raises(ValueError, match="rows in the file"):
        export.read_package(tmp_path)
    with pytest.raises(ValueError, match="not a data package"):
        export.read_package(tmp_path / "nowhere")


def test_the_command_line_writes_and_describes_packages(tmp_path: Path) -> None:
    def tgkit(*args: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tgkit", *map(str, args)],
            capture_output=True, text=True, timeout=120,
        )

    (tmp_path / "pkg").mkdir()
    store = tmp_path / "t.db"
    made = tgkit("members", SMALL, "--sandbox", "--store", store,
                 "-o", tmp_path / "pkg" / "members.csv", "--package")
    assert made.returncode == 0, made.stderr
    described = tgkit("describe", tmp_path / "pkg", "--json")
    assert described.returncode == 0, described.stderr
    statement = json.loads(described.stdout)["statement"]
    assert "by the operation 'members' from @small_group" in statement
    refused = tgkit("describe", tmp_path / "nothing-here")
    assert refused.returncode == 2 and "not a data package" in refused.stderr
    no_file = tgkit("members", SMALL, "--sandbox", "--store", store, "--package")
    assert no_file.returncode == 2 and "give one with -o" in no_file.stderr


async def test_a_resumed_collection_names_its_earlier_runs(tmp_path: Path) -> None:
    from tgkit.sandbox import World

    world = World(seed=3)
    me = world.add_user("Ada", username="ada_research")
    group = world.add_supergroup("Medium", username="medium_group", members=2_000)
    world.join(group, me)
    async with TelegramSession.sandbox(world, me, store=tmp_path / "t.db") as session:
        handle = session.scrape_group_members("@medium_group")
        stopped = []

        def stop_after_first_page(event: Any) -> None:
            if event.type == "progress" and event.operation.progress.done and not stopped:
                stopped.append(handle.cancel())

        undo = session.subscribe(stop_after_first_page)
        with pytest.raises(BaseException):  # noqa: B017 - cancelled (asyncio's or tgkit's)
            await handle
        undo()
        first = handle.partial.attrs["provenance"]
        df = await session.scrape_group_members("@medium_group")
    made = df.attrs["provenance"]
    assert made["resumed"] is True
    assert made["earlier_runs"] == [
        {"started_at": first["started_at"], "ended_at": first["ended_at"]}
    ]
    text, _ = describe({"members": df})
    assert f"after 1 earlier, interrupted run (started {first['started_at']})" in text


async def test_chat_info_and_comments_packages_validate(tmp_path: Path) -> None:
    world, me = demo_world()
    channel = DEMO_TARGETS["channel"]
    async with TelegramSession.sandbox(world, me) as session:
        chats = await session.chat_info([channel, SMALL, DEMO_TARGETS["big_group"]])
        comments = await session.scrape_comments(channel, days_back=7)
    assert len(chats) == 3 and len(comments) > 0
    for frame in (chats, comments):
        assert frame.attrs["provenance"]["operation"] in {"chat_info", "comments"}
    export.to_parquet(chats, tmp_path / "chats.parquet", package=True)
    export.to_csv(comments, tmp_path / "comments.csv", package=True)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])
    back = export.read_package(tmp_path)
    pd.testing.assert_frame_equal(back["chats"], chats)
    pd.testing.assert_frame_equal(back["comments"], comments)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    chat_fields = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    assert chat_fields["participants_count"]["type"] == "integer"
    assert chat_fields["participants_count"].get("description")
    assert descriptor["resources"][0]["schema"]["primaryKey"] == ["chat_id"]
    text, _ = describe(tmp_path)
    assert "by the operation 'chat_info'" in text and "by the operation 'comments'" in text
