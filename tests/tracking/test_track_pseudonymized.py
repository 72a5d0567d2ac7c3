"""A tracking dataset written pseudonymised: every column naming a person tokenised with
the study's key (the same token in every run), the key never shown, another key refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tracking_helpers import session

from tgkit import privacy
from tgkit.export import read_parquet
from tgkit.sandbox import World
from tgkit.tracking.keys import DatasetKey

pytestmark = pytest.mark.telethon_compat

KEY = privacy.generate_key()
#: Columns of the messages frame that name or identify a person, and what becomes of them.
TOKENISED = ("sender_id", "sender_username", "fwd_from_id", "via_bot_id", "mentions")
DROPPED = ("fwd_from_name", "post_author", "fwd_post_author")


@pytest.fixture
def group_world(world: World) -> World:
    group = world.add_supergroup("Chatter", username="chatter", members=25)
    world.join(group, world.me)  # type: ignore[attr-defined]
    world.generate_messages(group, 150, days=5)
    return world


async def test_two_runs_write_the_same_tokens_and_no_person_in_the_clear(
    group_world: World, tmp_path: Path
) -> None:
    world, db, study = group_world, tmp_path / "tgkit.db", tmp_path / "study"
    async with session(world, db) as tg:
        await tg.watch(["@chatter", "@news_0"], watchlist="study")
        first = await tg.track("study", dataset=study, pseudonymize_key=KEY, chat_info=True)
        world.generate_messages(world.chat("chatter"), 40, days=0.01)
        second = await tg.track("study", dataset=study, pseudonymize_key=KEY, chat_info=True)
    raw = pd.concat([first.messages, second.messages], ignore_index=True)
    written = read_parquet(study / "messages")
    assert len(written) == len(raw) == 150 + 120 + 40
    assert not set(DROPPED) & set(written.columns)
    expected = privacy.pseudonymize(raw, KEY)
    order = ["chat_id", "message_id"]
    written = written.sort_values(order).reset_index(drop=True)
    expected = expected.sort_values(order).reset_index(drop=True)
    for column in TOKENISED:
        assert _values(written[column]) == _values(expected[column]), column
    senders = raw["sender_id"].dropna()
    assert senders.nunique() > 5
    assert not set(senders.astype(str)) & set(written["sender_id"].dropna())
    names = {u.username for u in world.users.values() if u.username}
    assert not names & set(written["sender_username"].dropna())
    # one person, one token, across the two runs' files
    by_sender = written.assign(raw=raw.sort_values(order)["sender_id"].to_numpy())
    assert (by_sender.dropna(subset=["raw"]).groupby("raw")["sender_id"].nunique() == 1).all()
    info = read_parquet(study / "chat_info")
    assert not {"chatter", "news_0"} & set(info["username"].dropna())
    assert info.attrs["pseudonymized"]["username_columns"] == ["username"]
    observations = read_parquet(study / "observations")
    assert list(observations.columns)[:2] == ["message_id", "chat_id"]  # nobody named there


def _values(column: pd.Series) -> list[object]:
    """Comparable values: lists as lists, missing as None."""
    return [
        list(v) if hasattr(v, "__len__") and not isinstance(v, str) else (None if pd.isna(v) else v)
        for v in column.astype(object).tolist()
    ]


async def test_the_key_is_never_shown(group_world: World, tmp_path: Path) -> None:
    study = tmp_path / "study"
    async with session(group_world, tmp_path / "tgkit.db") as tg:
        await tg.watch(["@chatter"])
        handle = tg.track(dataset=study, pseudonymize_key=KEY, refresh_days=0, chat_info=False)
        result = await handle
    assert KEY not in repr(DatasetKey(KEY)) and KEY not in str(DatasetKey(KEY))
    assert result.provenance is not None
    assert result.provenance["parameters"]["pseudonymize_key"] == (
        "(a key; not recorded)"
    )
    for file in [*study.rglob("*"), tmp_path / "tgkit.db"]:
        if file.is_file():
            assert KEY.encode() not in file.read_bytes(), file


async def test_another_key_or_none_is_refused_before_any_request(
    group_world: World, tmp_path: Path
) -> None:
    study, plain = tmp_path / "study", tmp_path / "plain"
    async with session(group_world, tmp_path / "tgkit.db") as tg:
        await tg.watch(["@chatter"])
        await tg.watch(["@chatter"], watchlist="plain")
        await tg.track(dataset=study, pseudonymize_key=KEY, refresh_days=0, chat_info=False)
        await tg.track("plain", dataset=plain, refresh_days=0, chat_info=False)
        before = group_world.stats().count()
        with pytest.raises(ValueError, match="pseudonymised with another key"):
            tg.track(dataset=study, pseudonymize_key=privacy.generate_key())
        with pytest.raises(ValueError, match="is pseudonymised: give the study's"):
            tg.track(dataset=study)
        with pytest.raises(ValueError, match="holds data that is not pseudonymised"):
            tg.track("plain", dataset=plain, pseudonymize_key=KEY)
        with pytest.raises(ValueError, match="give dataset= too"):
            tg.track(pseudonymize_key=KEY)
        with pytest.raises(ValueError, match="pseudonymize_key: key is too short"):
            tg.track(dataset=study, pseudonymize_key="short")
        assert group_world.stats().count() == before


def test_the_command_line_takes_a_key_file_and_describes_the_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tgkit.cli import main

    db, study, key_file = tmp_path / "tgkit.db", tmp_path / "study", tmp_path / "study.key"
    key_file.write_text(KEY + "\n")
    assert main(["track", "add", "@small_group", "--sandbox", "--store", str(db)]) == 0
    argv = ["track", "run", "--sandbox", "--store", str(db), "--dataset", str(study)]
    assert main([*argv, "--pseudonymize-key-file", str(key_file)]) == 0
    capsys.readouterr()
    assert main(argv) == 2  # no key for a pseudonymised dataset: refused
    assert "is pseudonymised: give the study's pseudonymize_key" in capsys.readouterr().err
    assert main(["describe", str(study)]) == 0
    statement = capsys.readouterr().out
    assert "by the operation 'track' from @small_group" in statement
    assert "sender_id" in statement and "replaced by keyed tokens" in statement
    assert KEY not in statement and KEY not in (study / "datapackage.json").read_text()
    senders = read_parquet(study / "messages")["sender_id"].dropna()
    assert len(senders) and senders.str.fullmatch(r"[0-9a-f]{32}").all()
