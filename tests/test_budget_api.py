"""The budget API: cycles, ballots and results as open data, without voter data."""

import schemathesis
from schemathesis import GenerationMode

from budgeting import services
from budgeting.models import Phase
from core.db import db
from tests.budget_factories import make_ballot, resident
from tests.test_api import check_operation


def test_results_say_what_won_and_why_without_voter_data(app, client):
    ballot = make_ballot()
    voters = [resident() for _ in range(3)]
    for voter, choice in zip(voters, (["1", "2"], ["1"], ["2", "3"]), strict=True):
        services.cast_vote(voter, ballot, choice)
    with app.app_context():  # events need the app; commit before its teardown rolls back
        services.move_phase(ballot.cycle, Phase.RESULTS)
        db.session.commit()
    answer = client.get(f"/api/v1/budget/ballots/{ballot.id}/results?lang=en").get_json()
    assert answer["rule"] == "greedy"
    assert answer["funds_used"] == "90000.00"
    assert answer["turnout"] == 3
    assert [row["code"] for row in answer["rows"] if row["selected"]] == ["1", "2"]
    assert "Place 3" in answer["rows"][2]["reason"]
    assert not any(str(v.id) in str(answer) and v.email in str(answer) for v in voters)


def test_cycles_list_their_ballots_and_results_wait_for_the_results_phase(client):
    ballot = make_ballot()
    db.session.commit()
    cycles = client.get("/api/v1/budget/cycles").get_json()
    assert any(b["id"] == ballot.id for c in cycles for b in c["ballots"])
    one = client.get(f"/api/v1/budget/ballots/{ballot.id}").get_json()
    assert [o["code"] for o in one["options"]] == ["1", "2", "3"]
    assert one["frozen"] is True
    assert client.get(f"/api/v1/budget/ballots/{ballot.id}/results").status_code == 404


def test_budget_operations_answer_as_documented(app):
    decided = make_ballot(phase=Phase.RESULTS)
    make_ballot()
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    budget = [
        op
        for op in operations
        if op.path.startswith("/api/v1/budget") and "/spending" not in op.path  # own test
    ]
    assert len(budget) == 5  # cycles, ballot, results, survey counts, the projects layer
    for operation in budget:
        check_operation(operation, GenerationMode.POSITIVE)
        check_operation(operation, GenerationMode.NEGATIVE)
    assert decided.id
