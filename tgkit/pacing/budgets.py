"""Request budgets: how many requests of one type an account may send per window.

Pure data, no Telethon imports (Telegram knowledge, so it lives beside the
pacer, not in ``tgkit.core``). A request type is the Telethon request's
``QUALNAME`` without the ``Request`` suffix, e.g. ``"channels.GetParticipants"``.
The defaults keep well inside what Telegram tolerates (see TELEGRAM-FACTS.md):

=============================  ======================  ===============================
request type                   budget                  observed trouble
=============================  ======================  ===============================
contacts.ResolveUsername       20 / min and 60 / h     bursts earned 7–18 h waits
channels.JoinChannel,          3 / 5 min (shared)      348–819 s waits; 70,000 s after
messages.ImportChatInvite,                             ~200 joins in an hour
messages.CheckChatInvite
messages.GetHistory            24 / 30 s               FLOOD_WAIT_3 at the 31st in 30 s
messages.Search                24 / 30 s               paced like history
channels.GetParticipants       24 / 30 s               ~30 s waits for bursts
messages.GetDialogs            1 / min                 14.8 h after repeated sweeps
users.GetFullUser              2 / 3 s                 ~27 s waits
channels.GetFullChannel        30 / min                paced conservatively
messages.SendMessage           15 / min                ~20 / min per group
anything else (``*``)          60 / min                a safety net
=============================  ======================  ===============================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``calls`` requests in any window of ``per`` seconds."""

    calls: int
    per: float

    def __post_init__(self) -> None:
        if self.calls < 1:
            raise ValueError(f"Rate.calls must be at least 1, got {self.calls}")
        if self.per <= 0:
            raise ValueError(f"Rate.per must be a positive number of seconds, got {self.per}")


#: Request types that share one budget: the key names the shared bucket.
BUDGET_GROUPS: Mapping[str, str] = MappingProxyType(
    {
        "channels.JoinChannel": "join",
        "messages.ImportChatInvite": "join",
        "messages.CheckChatInvite": "join",
    }
)

#: Budget name (a request type, a group from BUDGET_GROUPS, or ``*``) to its rates.
DEFAULT_BUDGETS: Mapping[str, tuple[Rate, ...]] = MappingProxyType(
    {
        "contacts.ResolveUsername": (Rate(20, 60), Rate(60, 3600)),
        "join": (Rate(3, 300),),
        "messages.GetHistory": (Rate(24, 30),),
        "messages.Search": (Rate(24, 30),),
        "channels.GetParticipants": (Rate(24, 30),),
        "messages.GetDialogs": (Rate(1, 60),),
        "users.GetFullUser": (Rate(2, 3),),
        "channels.GetFullChannel": (Rate(30, 60),),
        "messages.SendMessage": (Rate(15, 60),),
        "*": (Rate(60, 60),),
    }
)


def check_budgets(budgets: object, *, argument: str = "budgets") -> None:
    """Raise if ``budgets`` is not a table like ``DEFAULT_BUDGETS``.

    Every budget needs one or more ``Rate`` and the table needs ``"*"``, the
    budget of every request type not listed.

    >>> check_budgets({"*": (Rate(60, 60),)})
    >>> check_budgets({"messages.GetHistory": (Rate(24, 30),)})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: budgets has no '*' entry: ...
    """
    if not isinstance(budgets, Mapping):
        raise TypeError(
            f"{argument} must map budget names to tuples of Rate, like DEFAULT_BUDGETS; "
            f"got {type(budgets).__name__}"
        )
    for name, rates in budgets.items():
        if (
            not isinstance(name, str)
            or not isinstance(rates, tuple | list)
            or not rates
            or not all(isinstance(rate, Rate) for rate in rates)
        ):
            raise TypeError(
                f"{argument}[{name!r}] must be a non-empty tuple of Rate, e.g. (Rate(24, 30),); "
                f"got {rates!r}"
            )
    if "*" not in budgets:
        raise ValueError(
            f"{argument} has no '*' entry: every request type needs a budget; add "
            "'*': (Rate(60, 60),) for the types not listed, or start from "
            "{**DEFAULT_BUDGETS, ...}"
        )


def budget_name(request_type: str, budgets: Mapping[str, tuple[Rate, ...]]) -> str:
    """The budget a request type draws from: its group, itself, or ``*``."""
    group = BUDGET_GROUPS.get(request_type)
    if group is not None and group in budgets:
        return group
    return request_type if request_type in budgets else "*"
