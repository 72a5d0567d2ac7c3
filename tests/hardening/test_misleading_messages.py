"""Messages that used to mislead now say what is wrong (issue 14, defect 10).

A user passed to ``messages`` said "Telegram knows no chat"; it now says the
target is a user, before any history is requested, on the session and on the
command line (exit 2). (A 20-digit id: ``test_target_letters``; a
``CollectionInUse`` naming ``--no-resume``: ``test_signals``; ``tgkit monitor``
of an unknown chat: ``test_bad_input_cli``.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tgkit.cli import ExitCode, main
from tgkit.core import SessionConfig
from tgkit.errors import InvalidTarget
from tgkit.sandbox import World
from tgkit.session import TelegramSession

FAST = SessionConfig(pacing=False, reconnect_backoff=0.01, drain_timeout=0.5)


async def test_messages_of_a_user_says_it_is_a_user() -> None:
    world = World(seed=3)
    me = world.add_user("Ada", "Lovelace", username="ada_research")
    world.add_user("Some", "Person", username="some_person")
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        with pytest.raises(InvalidTarget, match="@some_person is a user, not a group or channel"):
            await session.scrape_messages("@some_person", days_back=1)
    assert world.stats().count("messages.GetHistory") == 0


def test_the_command_line_says_it_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["messages", "@demo_researcher", "--days", "1", "--sandbox", "--store", "t.db"])
    err = capsys.readouterr().err
    assert code == ExitCode.BAD_INPUT, err
    assert "is a user, not a group or channel" in err and "Traceback" not in err
    assert "knows no chat" not in err
