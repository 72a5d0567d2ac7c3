"""SessionManager on the sandbox: several accounts in one world, real TelegramSessions."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from manager_worlds import (
    GROUPS,
    Accounts,
    account_of,
    build_accounts,
    manager_for,
    sessions_for,
    user_ids,
)

from tgkit.core import OperationKind, OperationState, SessionClosed
from tgkit.errors import ChatNotFound, InvalidTarget
from tgkit.manager import ManagerLimits, SessionManager

pytestmark = pytest.mark.telethon_compat

PARTICIPANTS = "channels.GetParticipants"


def members_of(accounts: Accounts, index: int) -> list[int]:
    return sorted(accounts.groups[index].members)


async def test_concurrent_work_goes_to_idle_accounts() -> None:
    accounts = build_accounts(3, latency=0.002)
    async with manager_for(accounts) as manager:
        handles = [manager.scrape_group_members(f"@{group}") for group in GROUPS[:3]]
        assert sorted(h.session for h in handles) == ["acc0", "acc1", "acc2"]
        frames = await asyncio.gather(*handles)
    stats = accounts.world.stats()
    for index, (handle, frame) in enumerate(zip(handles, frames, strict=True)):
        assert user_ids(frame) == members_of(accounts, index)
        assert stats.count(PARTICIPANTS, user=account_of(accounts, handle.session)) > 0


async def test_identical_requests_join_one_collection() -> None:
    accounts = build_accounts(2)
    async with manager_for(accounts) as manager:
        alone = await manager.scrape_group_members("@group_one", resume=False)
        accounts.world.reset_stats()
        first = manager.scrape_group_members("@group_one", resume=False)
        second = manager.scrape_group_members("t.me/Group_One", resume=False)
        assert second.joined and second.id == first.id
        assert (await first) is (await second)
    assert accounts.world.stats().count(PARTICIPANTS) == _pages(alone)
    assert user_ids(alone) == members_of(accounts, 0)


def _pages(frame) -> int:
    return len(frame) // 200 + 1


async def test_a_second_request_for_a_busy_target_waits_its_turn() -> None:
    accounts = build_accounts(3, latency=0.002)
    spans: dict[str, list[float]] = {}
    loop = asyncio.get_running_loop()

    def on_event(event) -> None:
        if event.type == "session" and event.event.type in ("started", "finished"):
            spans.setdefault(event.event.operation.label, []).append(loop.time())

    async with manager_for(accounts) as manager:
        manager.subscribe(on_event)
        members = manager.scrape_group_members("@group_one")
        messages = manager.scrape_messages("@group_one", days_back=10)
        other = manager.scrape_group_members("@group_two")
        assert (members.session, messages.session, other.session) == ("acc0", None, "acc1")
        (waiting,) = manager.snapshot().manager.pending
        assert waiting.reason == f"waiting for {members.id} to finish collecting @group_one"
        await asyncio.gather(members, messages, other)
    members_ended = spans["members @group_one"][1]
    assert spans["messages @group_one"][0] >= members_ended


async def test_a_long_flood_wait_moves_the_collection_and_keeps_its_rows(tmp_path: Path) -> None:
    accounts = build_accounts(3, members=1000)
    store = tmp_path / "tgkit.db"
    accounts.world.flood_limit(PARTICIPANTS, calls=2, per=60, wait=30)
    async with manager_for(accounts, store=store) as manager:
        handle = manager.scrape_group_members("@group_one")
        frame = await handle
    assert user_ids(frame) == members_of(accounts, 0)
    assert [a.session for a in handle.attempts] == ["acc0", "acc1", "acc2"]
    assert [a.state for a in handle.attempts] == [
        OperationState.FAILED,
        OperationState.FAILED,
        OperationState.DONE,
    ]
    assert "FloodWait" in (handle.attempts[0].error or "")
    report = handle.report
    assert report["sessions"] == ["acc0", "acc1", "acc2"]
    assert report["requests"][PARTICIPANTS] == accounts.world.stats().count(PARTICIPANTS)
    # every page was fetched once; the two extra calls are the ones answered with a flood wait
    assert accounts.world.stats().count(PARTICIPANTS) == _pages(frame) + 2
    assert frame.attrs["resumed"] is True
    flooded = manager.snapshot().manager.flood_waits
    assert set(flooded) == {"acc0", "acc1"} and PARTICIPANTS in flooded["acc0"]


async def test_when_every_account_is_flooded_it_waits_for_the_earliest(tmp_path: Path) -> None:
    accounts = build_accounts(2)
    world = accounts.world
    world.fail_next(PARTICIPANTS, "FLOOD_WAIT_1", user=accounts.accounts[0])
    world.fail_next(PARTICIPANTS, "FLOOD_WAIT_2", user=accounts.accounts[1])
    async with manager_for(accounts, store=tmp_path / "tgkit.db") as manager:
        events: list[str] = []
        manager.subscribe(lambda e: events.append(e.type))
        loop = asyncio.get_running_loop()
        begun = loop.time()
        handle = manager.scrape_group_members("@group_two")
        while not events.count("waiting"):  # noqa: ASYNC110 - a few milliseconds
            await asyncio.sleep(0.005)
        (pending,) = manager.snapshot().manager.pending
        assert pending.flood_until is not None and "flood wait" in pending.reason
        frame = await handle
        waited = loop.time() - begun
    assert user_ids(frame) == members_of(accounts, 1)
    assert handle.session == "acc0"  # its wait (1 s) ended first
    assert waited == pytest.approx(1.0 + 0.001, abs=1e-5)  # acc0's 1 s and the pump's 1 ms


async def test_a_session_removed_while_busy_hands_its_work_on(tmp_path: Path) -> None:
    accounts = build_accounts(2, members=2000, latency=0.005)
    async with manager_for(accounts, store=tmp_path / "tgkit.db") as manager:
        handle = manager.scrape_group_members("@group_three")
        assert handle.session == "acc0"
        removed: list[object] = []

        def on_event(event) -> None:
            inner = event.event
            if event.type == "session" and inner.type == "progress" and not removed:
                if inner.operation.progress.done >= 600:
                    removed.append(
                        asyncio.ensure_future(manager.remove("acc0", cancel_running=True))
                    )

        manager.subscribe(on_event)
        frame = await handle
        session = await removed[0]
    assert not session.is_connected  # the manager connected it, so it disconnected it
    assert [s.name for s in manager.sessions] == ["acc1"]
    assert user_ids(frame) == members_of(accounts, 2)
    assert [a.session for a in handle.attempts] == ["acc0", "acc1"]
    assert handle.attempts[0].moved == "session removed"
    stats = accounts.world.stats()
    # acc1 continued from the checkpoint instead of starting over
    assert stats.count(PARTICIPANTS, user=accounts.accounts[1]) < _pages(frame) - 2


async def test_scrape_many_keeps_every_target_that_worked() -> None:
    accounts = build_accounts(3)
    expired = accounts.world.invite_link(accounts.private, expired=True)
    targets = ["@group_one", "@no_such_group", "t.me/group_two", expired, "@GROUP_ONE"]
    async with manager_for(accounts) as manager:
        result = await manager.scrape_many(targets)
    frame, outcomes = result
    assert list(outcomes["target"]) == targets[:4]  # the duplicate of @group_one is dropped
    assert list(outcomes["status"]) == ["done", "failed", "done", "failed"]
    assert list(outcomes["error_type"].fillna("")) == ["", "ChatNotFound", "", "InviteInvalid"]
    assert list(result.failed["target"]) == ["@no_such_group", expired]
    assert frame.columns[0] == "target" and str(frame["target"].dtype) == "string"
    by_target = frame.groupby("target")["user_id"].apply(lambda s: sorted(int(v) for v in s))
    assert by_target["@group_one"] == members_of(accounts, 0)
    assert by_target["t.me/group_two"] == members_of(accounts, 1)
    done = outcomes[outcomes["status"] == "done"]
    assert list(done["rows"]) == [len(accounts.groups[0].members), len(accounts.groups[1].members)]
    assert list(done["coverage"]) == [1.0, 1.0]
    assert outcomes["session"].notna().all()


async def test_scrape_many_messages_and_bad_targets() -> None:
    accounts = build_accounts(2)
    async with manager_for(accounts) as manager:
        with pytest.raises(InvalidTarget, match=r"targets\[1\]"):
            await manager.scrape_many(["@group_one", "no spaces allowed"])
        with pytest.raises(ValueError, match="what"):
            await manager.scrape_many(["@group_one"], what="reactions")
        with pytest.raises(TypeError, match="join"):
            await manager.scrape_many(["@group_one"], join="yes")
        with pytest.raises(ValueError, match="join"):
            await manager.scrape_many(["@group_one"], what="messages", join=True)
        with pytest.raises(TypeError, match="max_member"):  # a misspelt option, nothing sent
            await manager.scrape_many(["@group_one", "@group_two"], max_member=10)
        frame, outcomes = await manager.scrape_many(
            ["@group_one", "@group_two"], what="messages", days_back=30
        )
        empty, nothing = await manager.scrape_many([], what="messages")
    assert accounts.world.stats().count(PARTICIPANTS) == 0
    assert set(frame["target"]) == {"@group_one", "@group_two"}
    assert list(outcomes["rows"]) == [150, 150]
    assert len(empty) == 0 and "message_id" in empty.columns and len(nothing) == 0


async def test_a_private_target_goes_to_the_account_that_is_a_member() -> None:
    accounts = build_accounts(3)
    world = accounts.world
    members_before = set(accounts.private.members)
    async with manager_for(accounts) as manager:
        first = manager.scrape_group_members(accounts.invite)
        frame = await first
        assert [a.session for a in first.attempts][-1] == "acc2"
        assert all(a.error for a in first.attempts[:-1])  # the others could not see it
        world.reset_stats()
        again = manager.join_and_scrape_members(accounts.invite, resume=False)
        assert again.session == "acc2"  # a member goes first: nobody joins needlessly
        await again
    assert set(accounts.private.members) == members_before
    assert sorted(int(v) for v in frame["user_id"]) == sorted(members_before)
    assert world.stats().count("messages.ImportChatInvite") == 0


async def test_caps_hold_on_real_sessions() -> None:
    accounts = build_accounts(3, latency=0.001)
    limits = ManagerLimits(max_running=2, per_kind={OperationKind.SCRAPE: 1})
    running: dict[str, OperationKind] = {}
    most = {"all": 0, "scrape": 0}

    def on_event(event) -> None:
        if event.type != "session":
            return
        inner = event.event
        if inner.type == "started":
            running[inner.operation.id] = inner.operation.kind
        elif inner.type == "finished":
            running.pop(inner.operation.id, None)
        most["all"] = max(most["all"], len(running))
        scrapes = sum(kind is OperationKind.SCRAPE for kind in running.values())
        most["scrape"] = max(most["scrape"], scrapes)

    async with manager_for(accounts, limits=limits) as manager:
        manager.subscribe(on_event)
        handles = [manager.scrape_group_members(f"@{g}") for g in GROUPS]
        handles += [manager.send_message(f"@{g}", "hello") for g in GROUPS[:3]]
        snap = manager.snapshot()
        assert len(snap.sessions) == 3 and snap.manager.running_total == 2
        assert len(snap.manager.pending) == 5
        await asyncio.gather(*handles)
    assert most == {"all": 2, "scrape": 1}


async def test_snapshot_and_events_cover_every_session() -> None:
    from tgkit.notebook.view import MANAGER_QUEUE, dashboard_view

    accounts = build_accounts(2, latency=0.002)
    events = []
    async with manager_for(accounts, limits=ManagerLimits(max_running=1)) as manager:
        unsubscribe = manager.subscribe(events.append)
        first = manager.scrape_group_members("@group_one")
        manager.scrape_messages("@group_two", days_back=5)
        snap = manager.snapshot()
        assert [s.name for s in snap.sessions] == ["acc0", "acc1"]
        assert snap.sessions[0].scheduler.running is not None
        assert [v.label for v in snap.manager.pending] == ["messages @group_two"]
        view = dashboard_view([manager])  # the notebook dashboard shows a manager like this
        assert [s.name for s in view.sessions] == [MANAGER_QUEUE, "acc0", "acc1"]
        assert [line.label for line in view.sessions[0].queued] == ["messages @group_two"]
        await first
        unsubscribe()
        count = len(events)
        await manager.scrape_group_members("@group_three")
        assert len(events) == count  # unsubscribed from the manager and every session
    kinds = {e.type for e in events}
    assert {"queued", "dispatched", "finished", "session"} <= kinds
    inner = {e.event.type for e in events if e.type == "session"}
    assert {"queued", "started", "finished"} <= inner


async def test_monitor_and_send_through_the_manager() -> None:
    accounts = build_accounts(2)
    world = accounts.world
    async with manager_for(accounts) as manager:
        busy = manager.scrape_messages("@group_one", days_back=5)
        handle = manager.monitor("@group_two", duration=5)
        assert handle.session == "acc1"  # acc0 is busy
        assert len(handle.frame()) == 0
        while handle.state is not OperationState.RUNNING:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        sent = await manager.send_message("@group_two", "from the manager")
        while handle.count == 0:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        handle.stop()
        frame = await handle
        await busy
    assert "from the manager" in set(frame["text"])
    assert sent.message_id in set(frame["message_id"])
    assert world.stats().count("messages.SendMessage") == 1


async def test_bad_input_fails_before_anything_is_queued() -> None:
    accounts = build_accounts(2)
    manager = manager_for(accounts)
    with pytest.raises(SessionClosed, match="not started"):
        manager.scrape_group_members("@group_one")
    async with manager:
        with pytest.raises(InvalidTarget):
            manager.scrape_group_members("no such thing!")
        with pytest.raises(ValueError, match="max_members"):
            manager.scrape_group_members("@group_one", max_members=0)
        with pytest.raises(TypeError, match="resume"):
            manager.scrape_messages("@group_one", resume="yes")
        with pytest.raises(ValueError, match="text"):
            manager.send_message("@group_one", "  ")
        assert manager.snapshot().manager.pending == ()
    assert accounts.world.stats().count(PARTICIPANTS) == 0
    with pytest.raises(ValueError, match="two sessions"):
        SessionManager([*sessions_for(accounts), *sessions_for(accounts)])
    with pytest.raises(TypeError, match="TelegramSession"):
        SessionManager(["acc0"])
    with pytest.raises(ChatNotFound):
        async with manager_for(accounts) as again:
            await again.scrape_group_members("@nobody_here_at_all")


async def test_add_a_session_at_run_time() -> None:
    accounts = build_accounts(2)
    first, second = sessions_for(accounts)
    async with SessionManager([first]) as manager:
        manager.scrape_messages("@group_one", days_back=5)
        await manager.add(second)
        assert second.is_connected
        handle = manager.scrape_messages("@group_two", days_back=5)
        assert handle.session == "acc1"
        await handle
    assert not second.is_connected


async def test_closing_ends_waiting_and_running_work_with_session_closed() -> None:
    accounts = build_accounts(2, members=2000, latency=0.05)  # a scrape outlasts drain_timeout
    manager = manager_for(accounts, limits=ManagerLimits(max_running=1))
    await manager.start()
    running = manager.scrape_group_members("@group_one")
    waiting = manager.scrape_group_members("@group_two")
    while running.state is not OperationState.RUNNING:  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    await manager.close()
    with pytest.raises(SessionClosed):
        await waiting
    with pytest.raises(SessionClosed):  # drained for 0.2 s, then stopped: not a CancelledError
        await running
    assert running.state is OperationState.CANCELLED
    assert all(not s.is_connected for s in manager.sessions)
    with pytest.raises(SessionClosed, match="closed"):
        manager.scrape_group_members("@group_one")


async def test_subscribers_follow_sessions_added_later_and_leave_cleanly() -> None:
    accounts = build_accounts(2)
    first, second = sessions_for(accounts)
    seen: list[str | None] = []
    async with SessionManager([first]) as manager:
        unsubscribe = manager.subscribe(lambda e: seen.append(e.session))
        await manager.add(second)
        manager.scrape_messages("@group_one", days_back=5)
        await manager.scrape_messages("@group_two", days_back=5)
        assert {"acc0", "acc1"} <= set(seen)
        unsubscribe()
        seen.clear()
        await manager.scrape_messages("@group_three", days_back=5)
    assert seen == []


async def test_a_session_that_cannot_connect_leaves_nothing_connected() -> None:
    from tgkit.errors import NotAuthorized
    from tgkit.session import TelegramSession

    accounts = build_accounts(2)
    good = sessions_for(accounts)[0]
    logged_out = TelegramSession(
        "logged_out", client=accounts.world.login_client(), config=good.config, store=False
    )
    manager = SessionManager([good, logged_out])
    with pytest.raises(NotAuthorized):
        await manager.start()
    assert not good.is_connected
    with pytest.raises(SessionClosed, match="not started"):
        manager.scrape_group_members("@group_one")
