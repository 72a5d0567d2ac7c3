"""The search sweep plans its queries: a query is done once Telegram's count of its
members is collected, only queries past the cap are refined, and the whole sweep
stays close to one request per 200 members while finding everyone search can find."""

from __future__ import annotations

import pytest

from tgkit.core import SessionConfig
from tgkit.sandbox import World
from tgkit.sandbox.realistic import RealisticMix
from tgkit.session import TelegramSession
from tgkit.telegram.sweep import SweepPlan, pairings
from tgkit.telegram.sweep_counts import PrefixCounts, member_words

FAST = SessionConfig(pacing=False)


def counts_of(names: list[tuple[str, str | None, str | None]]) -> PrefixCounts:
    rows = [member_words(*name) for name in names]
    counts = PrefixCounts(lambda row: rows[row])
    counts.add(rows)
    return counts


def test_a_query_whose_count_is_collected_is_not_paged_further() -> None:
    names = [("Anna", None, None)] * 50 + [("Boris", None, None)] * 50
    counts = counts_of(names)
    plan = SweepPlan(cap=10_000, total=100, counts=counts, sample=counts)
    asked = []
    while (step := plan.next()) is not None and len(asked) < 10:
        asked.append(step)
        plan.record(step[0], step[1], count=50, delivered=0)  # Telegram: 50 match, all known
    assert len(asked) <= 3  # each letter's count is learnt once, nothing is paged
    assert plan.refined == []


def test_only_a_query_past_the_cap_is_refined() -> None:
    counts = counts_of([("Anna", None, "ann_1"), ("Anton", None, None)])
    plan = SweepPlan(cap=2, total=5, counts=counts, sample=counts)
    plan.record("a", 0, count=5, delivered=2)
    plan.record("b", 0, count=1, delivered=1)
    assert plan.refined == ["a"]
    assert plan.state()["refined"] == ["a"]


def test_a_plan_resumes_from_its_state_and_from_an_older_checkpoints_lists() -> None:
    counts = counts_of([("Anna", None, "ann_1"), ("Anton", None, None)])
    plan = SweepPlan(cap=2, total=5, counts=counts, sample=counts)
    plan.record("a", 0, count=5, delivered=2)
    plan.record("b", 0, count=1, delivered=1)
    state = plan.state()
    assert state["asked"] == {"a": "5,2,0", "b": "1,1,0"}  # one text per query: cheap to write
    older = {**state, "asked": {"a": [5, 2, 0], "b": [1, 1, 0]}}  # before the text form
    for saved in (state, older):
        again = SweepPlan(cap=2, total=5, counts=counts, sample=counts, state=saved)
        assert again.state() == state
        assert again.next() == plan.next()


@pytest.mark.parametrize("mix", [None, RealisticMix.mixed()], ids=["old", "realistic"])
async def test_a_sweep_finds_every_findable_member_with_few_requests(mix) -> None:
    world = World(seed=5)
    me = world.add_user("Ada", username="ada_research")
    people = world.add_people(30_000, mix) if mix is not None else 30_000
    group = world.add_supergroup("Big", username="big_group", members=people)
    world.join(group, me)
    world.reset_stats()
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        df = await session.scrape_group_members("@big_group")
    findable = {
        uid for uid in group.members
        if not world.users[uid].deleted
        and any(w[0].isalnum() for w in member_words(
            world.users[uid].first_name, world.users[uid].last_name, world.users[uid].username))
    }
    assert findable <= set(df["user_id"])
    pages = world.stats().count("channels.GetParticipants")
    bound = 2.5 if mix is None else 4.0  # pages per 200 findable (100,000 members: 1.3, 3)
    assert pages < bound * len(findable) / 200
    assert df.attrs["search_queries"] > 0


async def test_members_hidden_behind_two_capped_words_are_found_by_both() -> None:
    """The older Mary Smiths joined before 10,000+ Marys and 10,000+ Smiths: 'mary'
    and 'smith' each stop at the cap before reaching them and no longer prefix matches
    their words, so only a query of both words ('mary s…') finds them (the
    1,000,000-member mixed group's 'محمد الحسن' and 'Mary Smith')."""
    world = World(seed=3)
    me = world.add_user("Ada", username="ada_research")
    both = [world.add_user("Mary", "Smith") for _ in range(300)]  # the oldest members
    marys = [world.add_user("Mary") for _ in range(10_100)]
    smiths = [world.add_user("Smith") for _ in range(10_100)]
    others = [world.add_user(f"Zed{n}") for n in range(300)]
    people = [*both]
    for n, (mary, smith) in enumerate(zip(marys, smiths, strict=True)):
        people += [mary, smith] if n % 10 else [mary, smith, world.add_user("Mary", "Smith")]
    people += others  # the listing shows some newer Mary Smiths: the sample has pairs
    group = world.add_supergroup("Big", username="big_group", members=people)
    world.join(group, me)
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        df = await session.scrape_group_members("@big_group")
    assert {user.id for user in both} <= set(df["user_id"])


def test_a_two_word_query_is_never_one_word_in_disguise() -> None:
    """'ivan i' matches every Ivan (one word meets both), and 'ivan ivano' every Ivanov,
    as 'ivano' alone would: pairings leave out a word that starts another."""
    counts = counts_of([("Ivan", "Ivanov", None), ("Ivan", None, None), ("Ivan", "Petrov", None)])
    queries = pairings("ivan", counts)
    assert "ivan p" in queries
    assert not [q for q in queries if q.split()[1].startswith("i")]


async def test_a_few_members_reachable_under_many_unreachable_ones_are_asked_for() -> None:
    """The listing shows 10,000 Marys, one in 20 with a username; behind them 4,000
    Marys with no other word and 200 whose usernames start 'mary'. What 'mary' hides is
    mostly out of any query's reach, but one in 20 of it might not be: the refinements
    ('mary1' … 'mary9') must be asked, and find the 200 (on the 1,000,000-member mixed
    group: 'Mary' / 'mary5242')."""
    world = World(seed=4)
    me = world.add_user("Ada", username="ada_research")
    named = [world.add_user("Mary", None, f"mary{n + 5000}") for n in range(200)]
    hidden = [world.add_user("Mary") for _ in range(4_000)]
    listed = [world.add_user("Mary", None, f"mary_{n}" if n % 20 == 0 else None)
              for n in range(10_000)]  # one in 20 with a username: the hidden may have some
    people = [*named, *hidden, *listed]
    group = world.add_supergroup("Big", username="big_group", members=people)
    world.join(group, me)
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        df = await session.scrape_group_members("@big_group")
    assert {user.id for user in named} <= set(df["user_id"])


async def test_a_refinement_no_estimate_expects_anything_is_asked_while_its_parent_hides_members(
) -> None:
    """The listing shows 10,000 Marys with no other word; behind them 4,000 more and 60
    whose usernames start 'mary5'. Every estimate says 'mary5' brings no one (the
    listing has none, and what 'mary' hides looks like the listing), yet one request
    says it brings 60 (the 1,000,000-member mixed group: 'Mary' / 'mary5242',
    'William' / 'william4155'): a refinement of a capped query is asked, last, while
    that query still hides members."""
    world = World(seed=6)
    me = world.add_user("Ada", username="ada_research")
    named = [world.add_user("Mary", None, f"mary5{n:03}") for n in range(60)]
    hidden = [world.add_user("Mary") for _ in range(4_000)]
    listed = [world.add_user("Mary") for _ in range(10_000)]
    group = world.add_supergroup("Big", username="big_group",
                                 members=[*hidden[:2_000], *named, *hidden[2_000:], *listed])
    world.join(group, me)
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        df = await session.scrape_group_members("@big_group")
    assert {user.id for user in named} <= set(df["user_id"])


async def test_members_whose_other_words_start_a_capped_word_are_paged_for() -> None:
    """'S. Smith' is found by no longer query than 'smith' ('smith s' is 'smith' again)
    and, like 'Иван Иванов' under 'иванов', by nothing but that word's own pages. Too
    few for the listing to show one, so a capped query that is a whole word is paged up
    to the cap, even when every other member it matches is found by its refinements (the
    1,000,000-member mixed group missed ~30 such members inside the first 10,000)."""
    world = World(seed=8)
    me = world.add_user("Ada", username="ada_research")
    older: list = []
    for n in range(10_300):  # Bob0 Smith … Bob10299 Smith: found by 'bob1', 'bob2', …
        older.append(world.add_user(f"Bob{n}", "Smith"))
        if n % 250 == 125:
            older.append(world.add_user("S.", "Smith"))
    listed = [world.add_user(f"Zed{n}") for n in range(9_900)]  # the listing: few Smiths
    for n in range(100):
        listed.insert(n * 99, world.add_user(f"Bo{n}", "Smith"))
    group = world.add_supergroup("Big", username="big_group", members=[*older, *listed])
    world.join(group, me)
    async with TelegramSession.sandbox(world, me, config=FAST) as session:
        df = await session.scrape_group_members("@big_group")
    reachable = set(world.roster.search(group, "smith")[:10_000])
    initials = {user.id for user in older if user.first_name == "S."}
    assert len(initials & reachable) > 30
    assert initials & reachable <= set(df["user_id"])
