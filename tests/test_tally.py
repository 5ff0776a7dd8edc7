"""Our tallies select the same projects as pabutools on real pabulib elections and our fixtures."""

import hashlib
import json
import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from gmpy2 import mpq
from pabutools.election import (
    Additive_Borda_Sat,
    Additive_Cardinal_Sat,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    Instance,
    Project,
    parse_pabulib,
)
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

from budgeting import pabulib, tally
from tests.conftest import SHARED, need_shared

FIXTURES = Path(__file__).parent / "fixtures" / "pabulib"
OWN = sorted(FIXTURES.glob("*.pb"))
SHARED_INSTANCES = sorted((SHARED / "data/pabulib/instances").glob("*.pb")) + sorted(
    (SHARED / "data/pabulib/reference_equalshares_rb").rglob("*.pb")
)
SAT = {"approval": Cost_Sat, "cumulative": Additive_Cardinal_Sat, "ordinal": Additive_Borda_Sat}
# pabutools needs minutes on the biggest files; for those we compare with its outcomes recorded
# by pabutools 1.2.3 on the same bytes (checked by sha256 below).
LIVE_LIMIT = 10_000


def pabutools_outcomes(path: Path, election: tally.Election) -> dict[str, set[str]]:
    sat = SAT[election.vote_type]
    if len(election.ballots) > LIVE_LIMIT:
        recorded = need_shared(f"data/pabulib/computed_pabutools/{path.stem}.outcomes.json")
        data = json.loads(recorded.read_text())
        assert data["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        results = data["results"]
        outcomes = {"greedy": results[f"greedy_utilitarian_welfare[{sat.__name__}]"]["winners"]}
        if election.vote_type == "approval":
            outcomes["mes"] = results["method_of_equal_shares[Cost_Sat]"]["winners"]
        return {rule: set(winners) for rule, winners in outcomes.items()}
    instance, profile = parse_pabulib(str(path))
    outcomes = {"greedy": greedy_utilitarian_welfare(instance, profile, sat_class=sat)}
    if election.vote_type == "approval":
        outcomes["mes"] = method_of_equal_shares(instance, profile, sat_class=sat)
    return {rule: {p.name for p in chosen} for rule, chosen in outcomes.items()}


def check_same_as_pabutools(path: Path) -> None:
    election = pabulib.parse(path.read_text(encoding="utf-8")).to_election()
    expected = pabutools_outcomes(path, election)
    for rule, winners in expected.items():
        assert set(tally.run(election, rule).selected) == winners, (path.name, rule)


@pytest.mark.parametrize("path", OWN, ids=[p.name for p in OWN])
def test_own_fixtures_select_what_pabutools_selects(path):
    check_same_as_pabutools(path)


@pytest.mark.parametrize("path", SHARED_INSTANCES, ids=[p.name for p in SHARED_INSTANCES])
def test_real_elections_select_what_pabutools_selects(path):
    need_shared("data/pabulib/instances")
    check_same_as_pabutools(path)


def test_every_vote_type_in_the_shared_files_is_read():
    need_shared("data/pabulib/instances")
    types = {pabulib.parse(p.read_text(encoding="utf-8")).vote_type for p in SHARED_INSTANCES}
    assert {"approval", "cumulative", "ordinal"} <= types


def small(name: str) -> tally.Election:
    return pabulib.parse((FIXTURES / name).read_text()).to_election()


def test_greedy_breaks_ties_by_the_project_id_as_text():
    # Projects 3 and 10 both have three approvals: "10" sorts before "3", so it goes first and
    # the 10,000 GEL left then buy project 5, not project 3.
    outcome = tally.greedy(small("small_approval.pb"))
    assert outcome.selected == ["1", "2", "10", "5"]
    assert outcome.funds_used == 100_000
    assert outcome.notes["3"].place == 5
    assert outcome.notes["3"].budget_left == 10_000


def test_mes_explains_winners_and_losers_in_exact_numbers():
    outcome = tally.method_of_equal_shares(small("small_approval.pb"))
    assert outcome.selected == ["1", "10"]
    # 13 voters (one blank) hold 100000/13 each; project 1 costs 40000 for 7 supporters.
    assert outcome.notes["1"].rho == Fraction(1, 7)
    loser = outcome.notes["2"]
    assert loser.equal_share == Fraction(30000, 6)
    assert loser.supporters_had < 30000


def test_mes_greedy_completion_spends_what_plain_mes_leaves():
    election = small("small_approval.pb")
    plain = tally.run(election, "mes")
    completed = tally.run(election, "mes-greedy")
    assert completed.selected[: len(plain.selected)] == plain.selected
    assert completed.funds_used > plain.funds_used
    assert completed.funds_used <= election.budget
    assert any(note.by_completion for note in completed.notes.values())


def test_borda_counts_a_ranking_of_length_three_as_two_one_nothing_and_two_as_one_nothing():
    assert tally.scores(small("small_ordinal.pb")) == {"11": 3, "12": 4, "13": 3, "14": 3}


def test_points_become_shares_of_the_budget():
    shares = tally.points_shares(Fraction(1000), [{"a": 60, "b": 40}, {"a": 100}, {}], ["a", "b"])
    assert shares["a"]["average"] == 80
    assert shares["b"]["amount"] == 200


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("PROJECTS\nproject_id;cost\n", 1, "start with the META"),
        (
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;-5\n",
            7,
            "negative",
        ),
        (
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;abc\n",
            7,
            "not a number",
        ),
        (
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;5\n"
            "VOTES\nvoter_id;vote\n1;1,7\n",
            10,
            "unknown project 7",
        ),
        (
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;name\n",
            6,
            "lacks cost",
        ),
        (
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;5;x\n",
            7,
            "3 fields",
        ),
        (
            "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;5\n",
            7,
            "VOTES section is missing",
        ),
        (
            "META\nkey;value\nbudget;100\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;5\n"
            "VOTES\nvoter_id;vote;points\n1;1;3,4\n",
            10,
            "1 projects but 2 points",
        ),
    ],
)
def test_malformed_files_are_refused_with_the_line(text, line, words):
    with pytest.raises(pabulib.PbError) as refused:
        pabulib.parse(text)
    assert refused.value.line == line
    assert words in str(refused.value)


def test_writing_and_reading_gives_the_same_file_back():
    original = (FIXTURES / "small_approval.pb").read_text()
    parsed = pabulib.parse(original)
    again = pabulib.parse(pabulib.write(parsed))
    assert again == parsed
    assert 'Trees, ""green"" corridor' in pabulib.write(parsed)


def random_election(seed: int) -> tuple[tally.Election, object, object]:
    """A made-up approval election with many equal costs (ties) and many budget classes, as
    ours and as pabutools reads it."""
    rng = random.Random(seed)
    costs = {str(i): Fraction(rng.choice([100, 200, 250, 300, 333])) for i in range(14)}
    ballots = [tuple(rng.sample(sorted(costs), rng.randint(0, 6))) for _ in range(240)]
    budget = Fraction(rng.choice([1000, 1500, 2000]))
    projects = {pid: Project(pid, int(cost)) for pid, cost in costs.items()}
    instance = Instance(projects.values(), budget_limit=int(budget))
    profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in ballots])
    return tally.Election(budget, costs, ballots), instance, profile


@pytest.mark.parametrize("few", [0, tally.FEW], ids=["floats-guess", "exact-only"])
@pytest.mark.parametrize("seed", range(8))
def test_mes_agrees_with_pabutools_on_made_up_elections_along_both_paths(monkeypatch, seed, few):
    # FEW=0 sends every project through the float guesses that exact arithmetic checks.
    monkeypatch.setattr(tally, "FEW", few)
    election, instance, profile = random_election(seed)
    theirs = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    assert set(tally.method_of_equal_shares(election).selected) == {p.name for p in theirs}


def test_a_wrong_float_guess_of_the_paying_group_is_caught_exactly():
    # Budgets 1, 2, 3 and a cost of 5: the poorest pays its 1, the others 2 each (rho 2/5).
    budgets, counts, cost = [mpq(1), mpq(2), mpq(3)], [1, 1, 1], mpq(5)
    assert tally._EqualShares._rho_at(cost, budgets, counts, 1) == mpq(2, 5)
    assert tally._EqualShares._rho_at(cost, budgets, counts, 0) is None  # 5/3 is more than 1
    assert tally._EqualShares._rho_at(cost, budgets, counts, 2) is None  # group 1 pays already
    assert tally._EqualShares._rho_walk(cost, budgets, counts) == mpq(2, 5)


def test_budgets_too_close_for_floats_are_ordered_exactly(monkeypatch):
    monkeypatch.setattr(tally, "FEW", 0)
    election = tally.Election(Fraction(10), {"a": Fraction(5)}, [("a",), ("a",)])
    shares = tally._EqualShares(election)
    tiny = mpq(1, 10**30)
    shares.class_budget = [mpq(5) + tiny, mpq(5)]  # the same float, the first one richer
    shares.class_approx = np.array([5.0, 5.0])
    shares.voter_class = np.array([0, 1])
    budgets, _, _ = shares._groups("a")
    assert budgets == [mpq(5), mpq(5) + tiny]
