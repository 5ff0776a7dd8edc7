"""The budgeting commands: import, export and tally of pabulib .pb files (SPEC §9)."""

import json
from collections import Counter

import pytest

from budgeting import elections, pabulib
from budgeting.models import Ballot, Vote
from core.db import db
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "pabulib"


def run(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def imported(app, name: str) -> Ballot:
    result = run(app, "budgeting", "import-pb", FIXTURES / name)
    assert result.exit_code == 0, result.output
    ballot_id = int(result.stdout.strip().splitlines()[-1])
    return db.session.get(Ballot, ballot_id)


def test_import_prints_the_new_ballots_id_alone_on_the_last_line(app):
    ballot = imported(app, "small_approval.pb")
    assert ballot.closed
    assert ballot.frozen
    assert ballot.kind == "approval"
    assert [o.code for o in ballot.options] == ["1", "2", "3", "4", "5", "10"]
    assert db.session.scalar(db.select(db.func.count()).where(Vote.ballot_id == ballot.id)) == 13


@pytest.mark.parametrize(
    ("rule", "selected", "funds"),
    [
        ("greedy", ["1", "2", "10", "5"], 100000),
        ("mes", ["1", "10"], 60000),
        ("mes-greedy", ["1", "10", "2", "5"], 100000),
    ],
)
def test_tally_prints_the_selected_project_ids_as_json(app, rule, selected, funds):
    ballot = imported(app, "small_approval.pb")
    result = run(app, "budgeting", "tally", ballot.id, "--rule", rule, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["selected"] == selected
    assert answer["funds_used"] == funds
    assert answer["seconds"] >= 0


@pytest.mark.parametrize(
    "name", ["small_approval.pb", "small_cumulative.pb", "small_ordinal.pb", "small_choose1.pb"]
)
def test_export_then_import_gives_the_same_election(app, tmp_path, name):
    first = imported(app, name)
    path = tmp_path / "out.pb"
    result = run(app, "budgeting", "export-pb", first.id, path)
    assert result.exit_code == 0, result.output
    second = imported(app, path)
    one, two = elections.election(first), elections.election(second)
    assert (one.budget, one.costs, one.vote_type) == (two.budget, two.costs, two.vote_type)
    assert Counter(map(repr, one.ballots)) == Counter(map(repr, two.ballots))
    assert [o.name_ka for o in first.options] == [o.name_ka for o in second.options]
    original = pabulib.parse((FIXTURES / name).read_text())
    assert pabulib.parse(path.read_text()).vote_type == original.vote_type


def test_a_malformed_file_is_refused_with_its_line_and_nothing_is_stored(app, tmp_path):
    path = tmp_path / "bad.pb"
    text = (FIXTURES / "small_approval.pb").read_text().replace("4;1,2,5", "4;1,2,99")
    path.write_text(text)
    result = run(app, "budgeting", "import-pb", path)
    assert result.exit_code != 0
    assert "line 27" in result.stderr
    assert "unknown project 99" in result.stderr
    assert db.session.scalar(db.select(db.func.count()).select_from(Ballot)) == 0


def test_tally_of_a_missing_ballot_says_so(app):
    result = run(app, "budgeting", "tally", 999999, "--rule", "mes", "--json")
    assert result.exit_code != 0
    assert "no ballot 999999" in result.stderr
