"""Flood waits and budgets on the dashboard, from a real session's pacer on the sandbox."""

from __future__ import annotations

import pytest

from tgkit.core import SessionConfig
from tgkit.errors import FloodWait
from tgkit.notebook.connect import connect
from tgkit.sandbox import World


def test_a_flood_wait_and_budget_use_show_with_their_end_times() -> None:
    world = World(seed=5)
    me = world.add_user("Ada", username="ada_research")
    world.add_supergroup("Readers", username="readers_group", members=700)
    # the second participants page of this account earns a 30 s flood wait
    world.flood_limit("channels.GetParticipants", calls=1, per=60, wait=30)
    tg = connect(
        "pacing-view",
        client=world.client(me),
        config=SessionConfig(flood_sleep_max=1.0),  # pacing on; 30 s is too long to sleep
        store=False,
    )
    try:
        with pytest.raises(FloodWait) as caught:
            tg.members("@readers_group", progress=False)
        assert caught.value.seconds == 30
        dash = tg.dashboard()
        dash.refresh_now()
        pacing = dash.panels["pacing-view"].pacing.get_state()["value"]
        assert "flood wait on" in pacing and "channels.GetParticipants" in pacing
        assert "UTC" in pacing and ("30 s" in pacing or "29 s" in pacing)
        # budget use: one username resolved out of 20 a minute
        assert "<td>contacts.ResolveUsername</td><td>1</td><td>20</td><td>60 s</td>" in pacing
        history = tg.history
        assert history.iloc[-1]["state"] == "FAILED"
        assert "FloodWait" in history.iloc[-1]["error"]
        assert "flood wait on" in dash.to_html()
    finally:
        tg.close()
