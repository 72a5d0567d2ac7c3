"""A demo world with several researcher accounts, for a pool of accounts.

``demo_pool_world(accounts=3)`` is :func:`~tgkit.sandbox.demo.demo_world`
plus researchers 2..N and a few study groups. Every researcher is a member of
what the demo targets need (``@small_group``, ``@hidden_members_group``,
``@news_channel``, the basic group) and of every study group, so any account
of the pool can take any of that work; the same ``seed`` and ``accounts``
give the same world (ids, names, phones)::

    >>> world, researchers = demo_pool_world(accounts=3)
    >>> [r.username for r in researchers]
    ['demo_researcher', 'demo_researcher2', 'demo_researcher3']
    >>> len(STUDY_GROUPS)
    6
"""

from __future__ import annotations

from tgkit.sandbox.demo import DEMO_BASIC_GROUP_ID, DEMO_TARGETS, demo_world
from tgkit.sandbox.model import User
from tgkit.sandbox.world import World

__all__ = ["MAX_RESEARCHERS", "STUDY_GROUPS", "demo_pool_world"]

#: Public groups every researcher of the pool world is a member of (1,200 members each).
STUDY_GROUPS: tuple[str, ...] = tuple(f"@study_group_{n}" for n in range(1, 7))
#: The most researcher accounts the pool world hands out.
MAX_RESEARCHERS = 9

_NEEDED = (
    DEMO_TARGETS["small_group"],
    DEMO_TARGETS["hidden_group"],
    DEMO_TARGETS["channel"],
    -DEMO_BASIC_GROUP_ID,
)


def demo_pool_world(accounts: int = 3, seed: int = 0) -> tuple[World, list[User]]:
    """The demo world and ``accounts`` researcher accounts, the demo's own researcher first."""
    if isinstance(accounts, bool) or not isinstance(accounts, int):
        raise TypeError(f"accounts must be a whole number of accounts, got {accounts!r}")
    if not 1 <= accounts <= MAX_RESEARCHERS:
        raise ValueError(
            f"the sandbox hands out 1 to {MAX_RESEARCHERS} researcher accounts, got {accounts}"
        )
    world, me = demo_world(seed)
    researchers = [me]
    for n in range(2, accounts + 1):
        researchers.append(
            world.add_user(
                "Researcher", str(n), username=f"demo_researcher{n}", phone=f"+1555000{1233 + n}"
            )
        )
    for researcher in researchers[1:]:
        for chat in _NEEDED:
            world.join(chat, researcher)
    for username in STUDY_GROUPS:
        group = world.add_supergroup(
            username.lstrip("@").replace("_", " ").title(), username=username.lstrip("@"),
            members=1200, admins=world.add_people(1),
        )
        for researcher in researchers:
            world.join(group, researcher)
        world.generate_messages(group, 300, days=7)
    return world, researchers
