"""Every handle tgkit gives back follows one protocol, whichever face gave it."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from tgkit import SessionManager, TelegramSession
from tgkit.core import OperationHandle
from tgkit.core.handle_protocol import Handle
from tgkit.errors import Cancelled
from tgkit.manager.jobs import ManagedHandle
from tgkit.manager.monitoring import ManagedMonitorHandle
from tgkit.notebook.jobs import Job
from tgkit.notebook.monitor import Monitor
from tgkit.sandbox import DEMO_TARGETS, demo_world
from tgkit.telegram.monitor import MonitorHandle

MEMBERS = [name for name in dir(Handle) if not name.startswith("_")] + ["__await__"]


@pytest.mark.parametrize(
    "cls", [OperationHandle, MonitorHandle, ManagedHandle, ManagedMonitorHandle, Job, Monitor]
)
def test_each_handle_class_has_every_member_of_the_protocol(cls: type) -> None:
    assert {"id", "state", "progress", "partial", "cancel", "result"} <= set(MEMBERS)
    missing = [name for name in MEMBERS if not hasattr(cls, name)]
    assert not missing, f"{cls.__name__} lacks {missing}"


@pytest.mark.parametrize(
    "cls", [OperationHandle, MonitorHandle, ManagedHandle, ManagedMonitorHandle, Job, Monitor]
)
def test_each_handle_class_cancel_takes_who_cancelled(cls: type) -> None:
    by = inspect.signature(cls.cancel).parameters.get("by")
    assert by is not None and by.default == "handle", f"{cls.__name__}.cancel lacks by="


async def test_a_session_monitor_cancelled_says_by_whom() -> None:
    world, me = demo_world()
    async with TelegramSession.sandbox(world, me) as session:
        watch = session.monitor([DEMO_TARGETS["small_group"]], duration=30)
        await asyncio.sleep(0.2)  # running: it has resolved its chat and listens
        assert watch.state.name == "RUNNING"
        assert watch.cancel(by="dashboard") is True
        with pytest.raises(Cancelled) as raised:
            await watch
        assert raised.value.by == "dashboard" and watch.state.name == "CANCELLED"
        assert watch.cancel(by="dashboard") is False


async def test_session_and_manager_handles_are_handles_and_keep_partial_rows() -> None:
    world, me = demo_world()
    small = DEMO_TARGETS["small_group"]
    async with TelegramSession.sandbox(world, me) as session:
        scrape = session.scrape_messages(small, days_back=2)
        watch = session.monitor([small], duration=30)
        assert isinstance(scrape, Handle) and isinstance(watch, Handle)
        await scrape
        watch.stop()
        final = await watch
        assert watch.partial.equals(final) and watch.result().equals(final)
        assert watch.cancel() is False  # already ended: a no-op that says so
    other = TelegramSession.sandbox(world, me, name="other")
    async with SessionManager([other]) as manager:
        managed = manager.scrape_messages(small, days_back=1)
        live = manager.monitor([small], duration=30)
        assert isinstance(managed, Handle) and isinstance(live, Handle)
        await managed
        live.cancel()
        with pytest.raises(BaseException):  # noqa: B017 - cancelled (asyncio or tgkit's)
            await live
        assert len(live.partial) == 0 and live.done()
