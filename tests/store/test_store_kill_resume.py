"""Nothing is lost and nothing doubles when a collection is killed, times out, is
cancelled or hits a long flood wait, then runs again."""

from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path

import pytest
from store_helpers import start_writer
from store_pages import expected_members, member_page

from tgkit.errors import FloodWait
from tgkit.store import Store

PAGES = 150  # 27,020 members; a whole run of the writer takes about half a second


def _stored(db: Path, target: str) -> tuple[list[dict], dict]:
    with Store(db) as store:
        [collection_id] = store.collections().query("target == @target")["id"].tolist()
        return store.records(collection_id), store.collection(collection_id).checkpoint


def _kill_after(db: Path, target: str, pages_seen: int) -> None:
    writer = start_writer(db, target, PAGES)
    assert writer.stdout is not None
    assert writer.stdout.readline().startswith("opened")
    for _ in range(pages_seen):
        line = writer.stdout.readline()
        assert line.startswith("page"), line + writer.communicate()[1]
    writer.send_signal(signal.SIGKILL)
    writer.communicate()
    assert writer.returncode == -signal.SIGKILL, "the writer finished before it was killed"


def _run_to_end(db: Path, target: str) -> str:
    writer = start_writer(db, target, PAGES)
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_mid_scrape_then_resume_ends_with_exactly_the_undisturbed_rows(
    tmp_path: Path, seed: int
) -> None:
    db = tmp_path / "tgkit.db"
    rng = random.Random(seed)
    undisturbed = expected_members(PAGES)
    _run_to_end(db, "@undisturbed")
    assert _stored(db, "@undisturbed")[0] == undisturbed

    resumed_from = []
    for _ in range(3):
        _kill_after(db, "@killed", rng.randrange(1, PAGES // 4))
        records, checkpoint = _stored(db, "@killed")
        # the page and its checkpoint commit together: the store holds exactly
        # the pages before the checkpoint, never half a page
        assert records == expected_members(checkpoint["next_page"])
        resumed_from.append(checkpoint["next_page"])
    out = _run_to_end(db, "@killed")

    assert "resumed=True" in out and f"page {resumed_from[-1] + 1}\n" in out
    assert "page 1\n" not in out  # it did not start over
    assert _stored(db, "@killed")[0] == undisturbed
    with Store(db) as store:
        listing = store.collections().set_index("target")
        assert listing.loc["@killed", "status"] == "complete"
        assert listing.loc["@killed", "rows"] == len(undisturbed)


class Source:
    """A paged listing, like Telegram's: counts requests and can misbehave on demand."""

    def __init__(self, pages: int, *, flood_at: int | None = None, hang_at: int | None = None):
        self.pages = pages
        self.flood_at = flood_at
        self.hang_at = hang_at
        self.requests: list[int] = []

    async def page(self, number: int) -> list[dict]:
        self.requests.append(number)
        if number == self.flood_at:
            raise FloodWait(3600, "channels.GetParticipants")
        if number == self.hang_at:
            await asyncio.Event().wait()  # never answers: a timeout or cancel ends it
        await asyncio.sleep(0)
        return member_page(number)


async def collect(store: Store, source: Source) -> list[dict]:
    """What a scrape operation does with the store (the session layer's pattern)."""
    c = store.open_collection(account="acct", target="@g", kind="members", params={})
    if c.status == "complete":
        return store.records(c.id)
    number = c.checkpoint.get("next_page", 0)
    try:
        while number < source.pages:
            page = await source.page(number)
            store.write_page(c.id, page, checkpoint={"next_page": number + 1})
            number += 1
    except FloodWait as exc:
        store.finish(c.id, "failed", error=str(exc))
        raise
    except (TimeoutError, asyncio.CancelledError) as exc:
        store.finish(c.id, "interrupted", error=type(exc).__name__)
        raise
    store.finish(c.id, "complete")
    return store.records(c.id)


async def test_resume_after_a_timeout(store: Store) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(collect(store, Source(12, hang_at=7)), timeout=0.05)
    [row] = store.collections().itertuples()
    assert (row.status, row.rows) == ("interrupted", 7 * 180 + 20)

    again = Source(12)
    assert await collect(store, again) == expected_members(12)
    assert again.requests == list(range(7, 12))


async def test_resume_after_a_cancel(store: Store) -> None:
    source = Source(12, hang_at=4)
    task = asyncio.create_task(collect(store, source))
    for _ in range(100):  # let it run into the page that never comes
        await asyncio.sleep(0)
    assert source.requests[-1] == 4 and not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert store.collections()["status"].tolist() == ["interrupted"]

    again = Source(12)
    assert await collect(store, again) == expected_members(12)
    assert again.requests == list(range(4, 12))


async def test_resume_after_a_long_flood_wait(store: Store) -> None:
    with pytest.raises(FloodWait):
        await collect(store, Source(12, flood_at=9))
    [row] = store.collections().itertuples()
    assert row.status == "failed" and "3600 s" in row.error

    again = Source(12)
    assert await collect(store, again) == expected_members(12)
    assert again.requests == list(range(9, 12))


async def test_rerunning_a_complete_collection_sends_no_requests(store: Store) -> None:
    first = await collect(store, Source(5))
    again = Source(5)
    assert await collect(store, again) == first
    assert again.requests == []
