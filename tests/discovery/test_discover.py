"""discover: a crawl of the sandbox universe finds its true edges, cheaply, resumably."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tgkit import TelegramSession
from tgkit.core import SessionConfig
from tgkit.errors import InvalidTarget
from tgkit.frames import EDGE_COLUMNS, NODE_COLUMNS
from tgkit.sandbox import User
from tgkit.sandbox.universe import Universe, marked

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)

pytestmark = pytest.mark.telethon_compat


def _reads(world: object) -> int:
    return int(world.stats().count("messages.GetHistory"))  # type: ignore[attr-defined]


def _keys(frame: pd.DataFrame) -> set[tuple[int, object, str]]:
    return {(int(r.source_chat_id), int(r.target_chat_id) if pd.notna(r.target_chat_id)
             else None, r.kind) for r in frame.itertuples()}


async def test_depth_one_finds_the_true_edges_of_the_seeds(
    universe: Universe, session: TelegramSession
) -> None:
    seeds = universe.seeds(3)
    net = await session.discover(seeds, depth=1, via=("forwards", "mentions", "links"))
    assert list(net.nodes.columns) == list(NODE_COLUMNS)
    assert list(net.edges.columns) == list(EDGE_COLUMNS)
    read = net.nodes[net.nodes["status"] == "read"]
    sources = {int(i) for i in read["chat_id"]}
    truth = universe.true_edges(since=pd.Timestamp(net.attrs["since"]).to_pydatetime(),
                                sources=sources)
    forwards = truth[truth["kind"] == "forward"]
    found = net.edges[net.edges["kind"] == "forward"]
    assert _keys(found) == _keys(forwards)
    assert set(zip(found["source_chat_id"], found["target_chat_id"], found["weight"],
                   strict=True)) == set(zip(forwards["source_chat_id"],
                                            forwards["target_chat_id"], forwards["weight"],
                                            strict=True))
    assert net.edges["weight"].sum() == truth["weight"].sum()
    assert set(net.nodes["depth"]) <= {0, 1, 2}
    seed_rows = net.nodes[net.nodes["depth"] == 0]
    assert set(seed_rows["first_found_via"]) == {"seed"} and len(seed_rows) == 3


async def test_forward_found_chats_cost_no_resolve(universe: Universe, me: User,
                                                   session: TelegramSession) -> None:
    seeds = universe.seeds(2)
    universe.world.reset_stats()
    net = await session.discover(seeds, depth=1, via=("forwards",))
    stats = universe.world.stats()
    assert stats.count("contacts.ResolveUsername") <= len(seeds)
    read = net.nodes[(net.nodes["status"] == "read") & (net.nodes["depth"] == 1)]
    assert len(read) > 0


async def test_bad_seeds_are_reported_and_the_crawl_goes_on(
    universe: Universe, me: User, session: TelegramSession
) -> None:
    good = universe.seeds(1)[0]
    net = await session.discover([good, "@ada_crawls", "@no_such_channel_xyz"], depth=0)
    status = net.nodes.set_index("target")["status"]
    assert status[good] == "read"
    assert status["@ada_crawls"] == "skipped"
    assert status["@no_such_channel_xyz"] == "not_found"


async def test_malformed_seeds_are_reported_per_seed_and_the_crawl_goes_on(
    universe: Universe, me: User, session: TelegramSession
) -> None:
    good = universe.seeds(1)[0]
    typo, number = "\u017fmall_channel", 3.5  # a long s, and a float
    net = await session.discover([good, typo, number], depth=0)
    nodes = net.nodes.set_index("target")
    assert nodes.loc[good, "status"] == "read"
    for seed in (typo, "3.5"):
        assert nodes.loc[seed, "status"] == "skipped" and nodes.loc[seed, "depth"] == 0
        assert "not a chat name" in nodes.loc[seed, "reason"]
    assert "outside ASCII" in nodes.loc[typo, "reason"]
    again = await session.discover([good, typo, number], depth=0)  # the same crawl, stored
    assert again.nodes["target"].tolist() == net.nodes["target"].tolist()


async def test_seeds_of_which_none_names_a_chat_are_refused_before_any_request(
    universe: Universe, session: TelegramSession
) -> None:
    universe.world.reset_stats()
    with pytest.raises(InvalidTarget, match="outside ASCII"):
        await session.discover(["\u017fmall_channel", "\u212aelvin_channel"])
    with pytest.raises(InvalidTarget):
        await session.discover("\u017fmall_channel")
    assert universe.world.stats().total() == 0


async def test_resumed_crawl_reads_no_chat_twice(universe: Universe, me: User,
                                                 session: TelegramSession) -> None:
    seeds = universe.seeds(3)
    universe.world.reset_stats()
    first = await session.discover(seeds, depth=1, max_chats=4)
    assert (first.nodes["status"] == "read").sum() == 4
    whole = await session.discover(seeds, depth=1)  # another call: max_chats differs
    assert (whole.nodes["status"] == "read").sum() >= 4


async def test_seeds_by_id_and_by_invite_link(universe: Universe, me: User,
                                              session: TelegramSession) -> None:
    good = universe.seeds(1)[0]
    first = await session.discover([good], depth=0)  # the account has now met it
    chat_id = int(first.nodes.loc[first.nodes["target"] == good, "chat_id"].iloc[0])
    private = next(iter(universe.private))
    link = universe.invites[private]
    unknown = -1_000_000_000_001
    net = await session.discover([chat_id, link, unknown], depth=0)
    status = dict(zip(net.nodes["chat_id"].astype("object").where(net.nodes["chat_id"].notna(),
                                                                  net.nodes["target"]),
                      net.nodes["status"], strict=True))
    assert status[chat_id] == "read"
    assert status[f"invite link t.me/+{link.rsplit('+', 1)[1]}"] == "skipped"
    assert status[f"channel (id {unknown})"] == "not_found"
    joined = await session.discover([link], depth=0, join=True)
    seed = joined.nodes[joined.nodes["depth"] == 0]
    assert seed["status"].tolist() == ["read"] and seed["joined"].all()
    assert seed["chat_id"].tolist() == [marked(private)]


@pytest.mark.parametrize("bad", [{"depth": -1}, {"depth": 99}, {"max_chats": 0},
                                 {"via": ("smoke",)}])
async def test_bad_parameters_fail_before_any_request(
    universe: Universe, session: TelegramSession, bad: dict[str, object]
) -> None:
    universe.world.reset_stats()
    with pytest.raises(ValueError):
        await session.discover(["@x_channel"], **bad)
    assert universe.world.stats().total() == 0


def test_marked() -> None:
    assert marked(5) == -1_000_000_000_005


async def test_interrupted_crawl_continues_with_the_same_call(
    universe: Universe, me: User, session: TelegramSession
) -> None:
    seeds = universe.seeds(3)
    universe.world.reset_stats()
    for _ in range(3):
        universe.world.fail_next("messages.GetHistory", "MSG_ID_INVALID")
    net = None
    failures = 0
    for _attempt in range(5):
        try:
            net = await session.discover(seeds, depth=1)
            break
        except Exception:
            failures += 1
    assert net is not None
    reads = universe.world.stats().count("messages.GetHistory")
    read = net.nodes[net.nodes["status"] == "read"]
    # every chat read once: one history page per chat (each holds < 100 posts), plus the
    # interrupted requests that never returned
    assert failures == 3
    refused = (net.nodes["status"] == "private").sum()  # one refused GetHistory each
    assert reads == len(read) + refused + 3
    assert len(set(read["chat_id"])) == len(read)


async def test_the_dashboard_line_says_depth_frontier_requests_and_waits(
    universe: Universe, session: TelegramSession
) -> None:
    net = await session.discover(universe.seeds(2), depth=1)
    label = session.history()["label"].iloc[-1]
    read = int((net.nodes["status"] == "read").sum())
    assert " read · " in label and f"{read} read" in label and "frontier 0" in label
    assert "depth 1" in label and "GetHistory" in label and "waited" in label


async def test_the_manager_serves_it(universe: Universe, me: User) -> None:
    from tgkit import SessionManager

    one = TelegramSession.sandbox(universe.world, me, config=FAST)
    async with SessionManager([one]) as manager:
        net = await manager.discover(universe.seeds(1), depth=0)
    assert (net.nodes["status"] == "read").sum() == 1


def test_the_notebook_and_the_command_line(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    from tgkit.cli import main
    from tgkit.notebook.connect import connect

    tg = connect("discover-tests", sandbox=True, session_dir=tmp_path)
    try:
        net = tg.discover(["@news_channel"], depth=1)
        assert (net.nodes["status"] == "read").sum() >= 1
    finally:
        tg.close()
    out = tmp_path / "network"
    assert main(["discover", "@news_channel", "--depth", "1", "--via", "forwards", "mentions",
                 "--sandbox", "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["nodes"]["rows"] >= 1
    edges = pd.read_parquet(out / "edges.parquet")
    assert list(edges.columns) == list(EDGE_COLUMNS)
    assert (out / "nodes.parquet").exists()
    with pytest.raises(SystemExit) as exited:
        main(["discover", "@news_channel", "--depth=-1", "--sandbox"])
    assert exited.value.code != 0
    assert "depth must be from 0" in capsys.readouterr().err


async def test_cancelled_crawls_continue_and_read_each_chat_once(
    universe: Universe, me: User, tmp_path: Path
) -> None:
    import asyncio

    from tgkit.store import Store

    world = universe.world
    seeds = universe.seeds(4)
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        world.reset_stats()
        whole = await session.discover(seeds, depth=1)
        undisturbed = world.stats().count("messages.GetHistory")
    world.reset_stats()
    store = Store(tmp_path / "crawl.db")
    assert undisturbed >= 8
    for stop_at in (undisturbed // 4, undisturbed // 2, 3 * undisturbed // 4):
        async with TelegramSession.sandbox(world, me, config=FAST, store=store) as session:
            task = asyncio.ensure_future(session.discover(seeds, depth=1))
            while _reads(world) < stop_at and not task.done():  # noqa: ASYNC110
                await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(BaseException):  # noqa: B017 - cancelled or its tgkit error
                await task
    async with TelegramSession.sandbox(world, me, config=FAST, store=store) as session:
        net = await session.discover(seeds, depth=1)
    assert world.stats().count("messages.GetHistory") - undisturbed <= 3  # in flight at cancel
    def ordered(edges: pd.DataFrame) -> pd.DataFrame:  # recommendations are dated when seen
        posts = edges[edges["kind"] != "recommendation"]
        return posts.sort_values(["source_chat_id", "edge_id"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(ordered(net.edges), ordered(whole.edges))
    assert len(net.edges) == len(whole.edges)
    assert net.attrs["resumed"]
