"""A decided ballot's tally is computed once and stored: the results pages read it, it equals a
fresh count, and no vote slips in once results are published."""

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from budgeting import services, tallies
from budgeting.models import Ballot, BallotKind, Cycle, Phase, StoredTally, Vote
from core.db import db
from core.errors import Refused
from core.models import User
from tests.budget_factories import make_ballot, resident


def voted_ballot(kind=BallotKind.KNAPSACK, **limits):
    ballot = make_ballot(kind, **limits)
    choices = (
        [{"1": 60, "2": 40}, {"1": 100}, {"3": 100}]
        if kind == BallotKind.POINTS
        else [["1", "2"], ["1"], ["2", "3"]]
    )
    for choice in choices:
        services.cast_vote(resident(), ballot, choice)
    return ballot


def stored_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(StoredTally))


@pytest.mark.parametrize("kind", [BallotKind.KNAPSACK, BallotKind.POINTS])
def test_a_published_tally_is_stored_once_and_equals_a_fresh_count(ctx, kind):
    ballot = voted_ballot(kind)
    before = tallies.counted(ballot)  # while voting: counted, not stored
    assert stored_rows() == 0
    services.move_phase(ballot.cycle, Phase.RESULTS)
    first = tallies.counted(ballot)
    assert stored_rows() == 1
    again = tallies.counted(ballot)  # read back from the row
    assert again == first == tallies.compute(ballot)
    assert again.turnout == before.turnout == 3
    assert again.eligible == 3  # the three voters are the district's verified residents


def test_the_results_page_reads_the_stored_tally(app, client):
    ballot = voted_ballot()
    with app.app_context():
        services.move_phase(ballot.cycle, Phase.RESULTS)
        db.session.commit()
    page = client.get(f"/budget/ballots/{ballot.id}/results?lang=en").get_data(as_text=True)
    assert "Place 3 by support per cost; only 10" in page
    # Votes removed behind the app's back: the published results stay what they were.
    db.session.execute(text("DELETE FROM budget_vote WHERE ballot_id = :b"), {"b": ballot.id})
    db.session.commit()
    page = client.get(f"/budget/ballots/{ballot.id}/results?lang=en").get_data(as_text=True)
    assert "Place 3 by support per cost; only 10" in page


def test_a_stored_tally_of_another_version_is_computed_again(ctx, monkeypatch):
    ballot = voted_ballot()
    services.move_phase(ballot.cycle, Phase.RESULTS)
    tallies.counted(ballot)
    monkeypatch.setattr(tallies, "VERSION", tallies.VERSION + 1)
    tallies.counted(ballot)
    row = db.session.get(StoredTally, ballot.id, populate_existing=True)
    assert row.version == tallies.VERSION


@pytest.mark.live
def test_publishing_stores_every_district_tally_by_job(app, run_jobs):
    with app.test_request_context():
        ballot = voted_ballot()
        cycle_id, ballot_id = ballot.cycle_id, ballot.id
        db.session.commit()
    with app.test_request_context():
        services.move_phase(db.session.get(Cycle, cycle_id), Phase.RESULTS)
        db.session.commit()
    run_jobs()
    with app.app_context():
        row = db.session.get(StoredTally, ballot_id)
        assert row.turnout == 3
        assert row.outcome["selected"] == ["1", "2"]


@pytest.mark.live
def test_a_vote_in_flight_holds_publication_until_it_commits(app):
    """The voter's transaction read the phase; publishing waits for it, so the stored tally
    counts that vote (without the lock it would commit after the tally was taken)."""
    with app.test_request_context():
        ballot = make_ballot()
        voter = resident()
        cycle_id, ballot_id, voter_id = ballot.cycle_id, ballot.id, voter.id
        db.session.commit()
    with app.test_request_context():
        voter, ballot = db.session.get(User, voter_id), db.session.get(Ballot, ballot_id)
        services.cast_vote(voter, ballot, ["1"])
        blocked = publication_waits(app, cycle_id)
        db.session.commit()
    assert blocked
    with app.app_context():
        assert db.session.scalar(select(func.count(Vote.id))) == 1


def publication_waits(app, cycle_id: int) -> bool:
    """Whether moving the cycle to its results, in another transaction, has to wait."""
    outcome = {}

    def publish():
        with app.test_request_context():
            db.session.execute(text("SET lock_timeout = '300ms'"))
            try:
                services.move_phase(db.session.get(Cycle, cycle_id), Phase.RESULTS)
                outcome["waited"] = False
            except OperationalError:
                outcome["waited"] = True
            db.session.rollback()

    worker = threading.Thread(target=publish)
    worker.start()
    worker.join()
    return outcome["waited"]


def test_no_vote_is_taken_once_results_are_published(ctx):
    ballot = make_ballot()
    services.move_phase(ballot.cycle, Phase.RESULTS)
    with pytest.raises(Refused):
        services.cast_vote(resident(), ballot, ["1"])
