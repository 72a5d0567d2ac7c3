"""One definition per operation: every face shows the catalogue, and only the catalogue.

The faces (session, manager, notebook, command line) must expose each
operation with the same parameter names, defaults and kinds, derived from its
``OperationSpec``; adding an operation is registering its spec.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest

from tgkit import SessionManager, TelegramSession
from tgkit.cli import main
from tgkit.cli.parser import build_parser
from tgkit.core import OperationKind
from tgkit.notebook.facade import Notebook
from tgkit.sandbox import DEMO_TARGETS, demo_world
from tgkit.telegram.catalogue import (
    DAYS,
    DURATION,
    SCHEDULING,
    TARGET,
    Arguments,
    OperationSpec,
    Param,
    face_names,
)
from tgkit.telegram.messages import MessageWindow, scrape_messages
from tgkit.telegram.operations import CATALOGUE

FACES = {"session": TelegramSession, "manager": SessionManager, "notebook": Notebook}
FACE_OPTIONS = {"priority", "timeout", "queue_timeout", "background", "progress"}
SMALL = DEMO_TARGETS["small_group"]


def _own_parameters(method: Any) -> dict[str, inspect.Parameter]:
    params = dict(inspect.signature(method).parameters)
    params.pop("self")
    return {name: p for name, p in params.items() if name not in FACE_OPTIONS}


@pytest.mark.parametrize("face", sorted(FACES))
@pytest.mark.parametrize("spec", list(CATALOGUE), ids=lambda spec: spec.name)
def test_every_face_shows_every_operation_with_its_parameters(face: str, spec: Any) -> None:
    cls = FACES[face]
    for name, alias in face_names(spec, face):
        method = getattr(cls, name)
        fixed = dict(alias.fixed) if alias else {}
        rename = dict(alias.rename) if alias else {}
        expected = {
            rename.get(p.name, p.name): (p.default, p.positional)
            for p in spec.params
            if p.name not in fixed
        }
        shown = {
            n: (None if p.default is inspect.Parameter.empty else p.default,
                p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD)
            for n, p in _own_parameters(method).items()
        }
        expected = {
            n: (None if d is inspect.Parameter.empty or repr(d) == "REQUIRED" else d, pos)
            for n, (d, pos) in expected.items()
        }
        assert shown == expected, f"{face}.{name}"
        assert spec.summary in method.__doc__
        assert "Example::" in method.__doc__


@pytest.mark.parametrize("spec", [s for s in CATALOGUE if s.cli], ids=lambda spec: spec.name)
def test_the_command_line_offers_every_operation_with_its_parameters(spec: Any) -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    sub = commands.choices[spec.name]
    dests = {action.dest for action in sub._actions}
    assert {p.name for p in spec.params if p.cli} <= dests


def test_the_seed_methods_keep_their_exact_signatures() -> None:
    members = inspect.signature(TelegramSession.scrape_group_members)
    assert list(members.parameters)[:5] == [
        "self", "group_identifier", "max_members", "fallback_to_messages", "message_days_back"
    ]
    assert [members.parameters[n].default for n in list(members.parameters)[2:5]] == [
        None, True, 30
    ]
    join = inspect.signature(TelegramSession.join_and_scrape_members)
    assert list(join.parameters)[:3] == ["self", "group_identifier", "max_members"]


def test_short_notebook_names_are_aliases_of_the_same_definitions() -> None:
    for name in ("members", "join_and_members", "messages", "monitor", "send"):
        assert callable(getattr(Notebook, name))
    assert "join=True" in Notebook.join_and_members.__doc__
    assert "join" in inspect.signature(Notebook.members).parameters


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(90, 90.0), (1.5, 1.5), (timedelta(minutes=2), 120.0), ("90s", 90.0), ("10min", 600.0),
     ("2h", 7200.0), ("1D", 86400.0), (" 45 ", 45.0)],
)
def test_durations_take_seconds_timedeltas_and_text(value: Any, seconds: float) -> None:
    assert DURATION.check(value, "duration") == seconds


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), "soon", "", True, None, [1]])
def test_bad_durations_are_refused_by_name(value: Any) -> None:
    with pytest.raises(ValueError, match="stall_after"):
        DURATION.check(value, "stall_after")


@pytest.mark.parametrize(("value", "days"), [(7, 7), ("7D", 7), ("36h", 1.5),
                                             (timedelta(hours=12), 0.5), (2.5, 2.5)])
def test_days_take_days_timedeltas_and_text(value: Any, days: float) -> None:
    assert DAYS.check(value, "days_back") == days


def test_days_cannot_reach_before_telegram() -> None:
    with pytest.raises(ValueError, match="Telegram's history starts on 2013-08-01"):
        DAYS.check(1e6, "days_back")


def test_members_join_honours_every_members_flag() -> None:
    args = build_parser().parse_args(
        ["members", "@small_group", "--join", "--no-fallback", "--fallback-days", "3",
         "--max-members", "40", "--no-resume", "--sandbox"]
    )
    spec = CATALOGUE.get(args.operation)
    checked = spec.check(**{p.name: getattr(args, p.name) for p in spec.params})
    assert dict(checked) | {"target": None} == {
        "target": None, "max_members": 40, "fallback_to_messages": False,
        "message_days_back": 3, "include_phones": False, "join": True, "resume": False,
        "refresh": False,
    }
    assert spec.label(checked) == "join+members @small_group"


def test_arguments_are_checked_before_anything_is_queued() -> None:
    spec = CATALOGUE.get("messages")
    with pytest.raises(ValueError, match="pass either days_back or since"):
        spec.check(SMALL, days_back=3, since="2024-01-01")
    with pytest.raises(TypeError, match="unexpected keyword argument 'chat'"):
        spec.check(SMALL, chat=SMALL)
    with pytest.raises(TypeError, match="missing a required argument: 'target'"):
        spec.check(days_back=3)


# -- a newcomer's operation: one definition, and it is everywhere ---------------------------


async def _count_messages(ctx: Any, args: Arguments, live: None) -> int:
    window = MessageWindow.of(days_back=args["days_back"])
    return len(await scrape_messages(ctx, args["target"], window, resume=False))


COUNT_MESSAGES = OperationSpec(
    name="count_messages",
    kind=OperationKind.SCRAPE,
    summary="How many messages a chat had in the last days.",
    params=(
        Param("target", TARGET, positional=True, help="the chat"),
        Param("days_back", DAYS, 7, "how many days back"),
    ),
    run=_count_messages,
    frame=None,
    unit="messages",
    requests=frozenset({"messages.GetHistory"}),
    example=("@small_group",),
    example_options={"days_back": 3},
)


def test_a_new_operation_is_one_definition_and_appears_on_every_face(
    capsys: pytest.CaptureFixture[str],
) -> None:
    world, me = demo_world()
    truth = sum(
        1 for m in world.chat(SMALL).messages
        if m.date >= pd.Timestamp.now("UTC") - pd.Timedelta(days=3)
    )
    with CATALOGUE.adding(COUNT_MESSAGES):
        assert "How many messages" in Notebook.count_messages.__doc__
        assert "tg.count_messages('@small_group', days_back=3)" in Notebook.count_messages.__doc__
        assert list(inspect.signature(SessionManager.count_messages).parameters)[1:3] == [
            "target", "days_back"
        ]

        async def through_session_and_manager() -> tuple[int, int]:
            async with TelegramSession.sandbox(world, me) as session:
                direct = await session.count_messages(SMALL, days_back="3D")
            other = TelegramSession.sandbox(world, me, name="other")
            async with SessionManager([other]) as manager:
                managed = await manager.count_messages(SMALL, days_back=timedelta(days=3))
            return direct, managed

        assert asyncio.run(through_session_and_manager()) == (truth, truth)
        assert main(["count_messages", SMALL, "--days-back", "3", "--sandbox", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["result"] == str(truth)
    assert not hasattr(TelegramSession, "count_messages")
    assert not hasattr(Notebook, "count_messages")


def test_scheduling_options_are_the_same_on_every_face() -> None:
    names = {extra.name for extra in SCHEDULING}
    for cls in FACES.values():
        params = inspect.signature(cls.scrape_messages if cls is not Notebook else cls.messages)
        assert names <= set(params.parameters)
