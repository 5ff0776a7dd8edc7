"""Our tallies select the same projects as pabutools on real pabulib elections and our fixtures."""

import hashlib
import json
from fractions import Fraction
from pathlib import Path

import pytest
from pabutools.election import (
    Additive_Borda_Sat,
    Additive_Cardinal_Sat,
    Cost_Sat,
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
