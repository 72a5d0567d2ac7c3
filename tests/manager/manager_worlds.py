"""Sandbox worlds with several accounts, and managers over them, for the manager tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tgkit.core import SessionConfig
from tgkit.manager import ManagerLimits, SessionManager
from tgkit.sandbox import Chat, User, World
from tgkit.session import TelegramSession

# Pacing off (budgets have their own tests); every flood wait is "long"
# (flood_sleep_max 0), so the manager, not the session, deals with it.
FAST = SessionConfig(
    pacing=False, reconnect_backoff=0.01, drain_timeout=0.2, lock_timeout=0.2, flood_sleep_max=0
)
GROUPS = ("group_one", "group_two", "group_three", "group_four")


@dataclass
class Accounts:
    """A world where every account is in four public groups; one private group."""

    world: World
    accounts: list[User]
    groups: list[Chat]  # @group_one … @group_four, 600 members each (plus the accounts)
    private: Chat  # only the last account is a member
    invite: str  # an invite link to ``private``


def build_accounts(count: int = 3, *, members: int = 600, latency: float = 0.0) -> Accounts:
    world = World(seed=11, latency=latency)
    accounts = [world.add_user(f"Acc{i}", username=f"account_{i}") for i in range(count)]
    groups = []
    for username in GROUPS:
        group = world.add_supergroup(username.title(), username=username, members=members)
        for account in accounts:
            world.join(group, account)
        world.generate_messages(group, 150, days=5)
        groups.append(group)
    private = world.add_supergroup("Private", members=120, private=True)
    world.join(private, accounts[-1])
    invite = world.invite_link(private)
    return Accounts(world, accounts, groups, private, invite)


def sessions_for(
    accounts: Accounts,
    *,
    store: Path | None = None,
    config: SessionConfig = FAST,
    users: Sequence[User] | None = None,
) -> list[TelegramSession]:
    chosen = accounts.accounts if users is None else users
    return [
        TelegramSession.sandbox(
            accounts.world,
            user,
            name=f"acc{accounts.accounts.index(user)}",
            config=config,
            store=store,
        )
        for user in chosen
    ]


def manager_for(
    accounts: Accounts,
    *,
    store: Path | None = None,
    limits: ManagerLimits | None = None,
    config: SessionConfig = FAST,
) -> SessionManager:
    return SessionManager(sessions_for(accounts, store=store, config=config), limits=limits)


def user_ids(frame) -> list[int]:
    return sorted(int(v) for v in frame["user_id"])


def account_of(accounts: Accounts, session_name: str) -> int:
    """The sandbox user id behind a session named ``acc<i>``."""
    return accounts.accounts[int(session_name.removeprefix("acc"))].id
