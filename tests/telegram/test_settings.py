"""SessionConfig: the scheduler's, pacing's and the connection's settings in one object."""

from __future__ import annotations

import dataclasses

import pytest

import tgkit
import tgkit.core
from tgkit.core import OperationKind, Scheduler, SchedulerConfig
from tgkit.pacing import Pacer
from tgkit.pacing.budgets import DEFAULT_BUDGETS, Rate
from tgkit.pacing.settings import PacingSettings
from tgkit.telegram.settings import ConnectionSettings, SessionConfig

SCRAPE = OperationKind.SCRAPE


def test_config_defaults_and_overrides() -> None:
    config = SessionConfig()
    assert (config.queue_timeout, config.lock_timeout, config.drain_timeout) == (60.0, 30.0, 10.0)
    assert config.history_size == 1000 and config.budgets is DEFAULT_BUDGETS
    assert config.timeout_for(SCRAPE) == 300.0 and config.priority_for(SCRAPE) == 5
    custom = config.replace(timeouts={"send": 5}, priorities={OperationKind.SEND: 20})
    assert custom.timeout_for(OperationKind.SEND) == 5.0
    assert custom.priority_for(OperationKind.SEND) == 20
    assert custom.timeout_for(SCRAPE) == 300.0
    with pytest.raises(TypeError):
        custom.timeouts[SCRAPE] = 1.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("changes", "error", "names"),
    [
        ({"queue_timeout": 0}, ValueError, "SessionConfig.queue_timeout"),
        ({"lock_timeout": -1}, ValueError, "SessionConfig.lock_timeout"),
        ({"drain_timeout": "10"}, TypeError, "SessionConfig.drain_timeout"),
        ({"history_size": -1}, ValueError, "SessionConfig.history_size"),
        ({"reconnect_retries": 1.5}, TypeError, "SessionConfig.reconnect_retries"),
        ({"flood_sleep_max": -0.1}, ValueError, "SessionConfig.flood_sleep_max"),
        ({"pacing": "yes"}, TypeError, "SessionConfig.pacing"),
        ({"timeouts": {"fetch": 3}}, ValueError, "a key of SessionConfig.timeouts"),
        ({"timeouts": {SCRAPE: 0}}, ValueError, r"SessionConfig.timeouts\[SCRAPE\]"),
        ({"priorities": {SCRAPE: "high"}}, TypeError, r"SessionConfig.priorities\[SCRAPE\]"),
        ({"budgets": {"*": (5,)}}, TypeError, "budgets"),
        ({"budgets": {"messages.GetHistory": (Rate(1, 1),)}}, ValueError, "budgets"),
    ],
)
def test_config_validation_names_the_field(
    changes: dict[str, object], error: type[Exception], names: str
) -> None:
    with pytest.raises(error, match=names):
        SessionConfig(**changes)  # type: ignore[arg-type]
    with pytest.raises(error, match=names):
        SessionConfig().replace(**changes)


def test_session_config_is_each_part_and_keeps_the_old_field_order() -> None:
    config = SessionConfig(queue_timeout=5, pacing=False, reconnect_retries=2)
    assert isinstance(config, SchedulerConfig | PacingSettings | ConnectionSettings)
    assert all(isinstance(config, part) for part in (SchedulerConfig, PacingSettings))
    assert isinstance(config, ConnectionSettings)
    names = [f.name for f in dataclasses.fields(SessionConfig)]
    parts = [SchedulerConfig, PacingSettings, ConnectionSettings]
    assert names == [f.name for part in parts for f in dataclasses.fields(part)]
    assert names[:12] == [
        "queue_timeout",
        "lock_timeout",
        "drain_timeout",
        "timeouts",
        "priorities",
        "history_size",
        "flood_sleep_max",
        "pacing",
        "budgets",
        "reconnect_retries",
        "reconnect_backoff",
        "entity_max_age",
    ]  # the old order; new Telegram-side fields come after
    assert Scheduler(config).config is config
    assert Pacer.from_config("alice", config).enabled is False
    assert config.replace(queue_timeout=7) == SessionConfig(
        queue_timeout=7, pacing=False, reconnect_retries=2
    )


def test_old_import_paths_still_work() -> None:
    assert tgkit.SessionConfig is SessionConfig is tgkit.core.SessionConfig
    assert tgkit.core.Rate is Rate and tgkit.core.DEFAULT_BUDGETS is DEFAULT_BUDGETS
    from tgkit.core import BUDGET_GROUPS, budget_name

    assert (
        budget_name("channels.JoinChannel", DEFAULT_BUDGETS)
        == BUDGET_GROUPS["channels.JoinChannel"]
    )
    with pytest.raises(AttributeError, match="no_such"):
        tgkit.core.no_such  # noqa: B018
