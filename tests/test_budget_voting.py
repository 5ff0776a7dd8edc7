"""Voting on a district ballot: who may vote, what a valid ballot is, one per person."""

import pytest

from budgeting import services
from budgeting.models import BallotKind, Phase, Vote
from core.db import db
from core.errors import Refused
from tests.budget_factories import make_ballot, resident
from tests.conftest import submit
from tests.factories import log_in, make_user


@pytest.fixture
def ctx(app):
    """Services answer in English here, so refusals can be matched by their words."""
    with app.test_request_context("/?lang=en"):
        yield


def votes(ballot) -> list[Vote]:
    return db.session.scalars(db.select(Vote).where(Vote.ballot_id == ballot.id)).all()


def test_a_verified_resident_votes_and_changes_the_vote_keeping_one(ctx):
    ballot = make_ballot()
    user = resident()
    services.cast_vote(user, ballot, ["1"])
    services.cast_vote(user, ballot, ["2", "3"])
    (vote,) = votes(ballot)
    assert vote.choices == ["2", "3"]
    assert vote.voter_id == user.id


def test_opening_the_vote_freezes_the_ballot(ctx):
    assert make_ballot().frozen
    assert not make_ballot(phase=Phase.REVIEW).frozen


@pytest.mark.parametrize(
    ("choices", "words"),
    [
        (["1", "3"], "cost more than"),
        (["1", "9"], "among the options"),
        (["2", "2"], "among the options"),
    ],
)
def test_knapsack_refuses_what_breaks_its_rules(ctx, choices, words):
    ballot = make_ballot()
    with pytest.raises(Refused, match=words):
        services.cast_vote(resident(), ballot, choices)
    assert votes(ballot) == []


def test_limits_on_the_number_of_choices(ctx):
    ballot = make_ballot(BallotKind.APPROVAL, max_choices=2, min_choices=2)
    with pytest.raises(Refused, match="at most 2"):
        services.cast_vote(resident(), ballot, ["1", "2", "3"])
    with pytest.raises(Refused, match="at least 2"):
        services.cast_vote(resident(), ballot, ["1"])
    services.cast_vote(resident(), ballot, [])  # a blank ballot is allowed
    assert len(votes(ballot)) == 1


def test_points_must_add_up_to_100(ctx):
    ballot = make_ballot(BallotKind.POINTS)
    with pytest.raises(Refused, match="adds up to 90"):
        services.cast_vote(resident(), ballot, {"1": 50, "2": 40})
    services.cast_vote(resident(), ballot, {"1": 60, "2": 40, "3": 0})
    assert votes(ballot)[0].choices == {"1": 60, "2": 40}


def test_only_verified_residents_of_the_district_in_the_voting_phase(ctx):
    ballot = make_ballot()
    with pytest.raises(Refused, match="verified district"):
        services.cast_vote(make_user(), ballot, ["1"])
    with pytest.raises(Refused, match="of this district"):
        services.cast_vote(resident("saburtalo"), ballot, ["1"])
    closed = make_ballot(phase=Phase.RESULTS)
    with pytest.raises(Refused, match="not open"):
        services.cast_vote(resident(), closed, ["1"])
    assert votes(ballot) == []


def test_phases_move_by_date(ctx):
    ballot = make_ballot(phase=Phase.PROPOSALS)
    assert services.advance_by_date() >= 1
    assert ballot.cycle.phase == Phase.VOTING
    assert ballot.frozen
    with pytest.raises(Refused):
        services.move_phase(ballot.cycle, Phase.REVIEW)


def test_the_ballot_page_saves_a_knapsack_vote_in_one_step(client):
    ballot = make_ballot()
    user = resident()
    db.session.commit()
    log_in(client, user)
    url = f"/budget/ballots/{ballot.id}"
    checked = submit(client, f"{url}/vote", {"option": ["1", "2"], "check": "1"}, form_url=url)
    assert checked.status_code == 200
    assert "90 000" in checked.get_data(as_text=True).replace("\xa0", " ")
    assert votes(ballot) == []
    saved = submit(client, f"{url}/vote", {"option": ["1", "2"]}, form_url=url)
    assert saved.status_code == 302
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "saved" in page or "შენახულია" in page
    assert votes(ballot)[0].choices == ["1", "2"]


def test_the_ballot_page_refuses_an_over_budget_choice_with_a_4xx(client):
    ballot = make_ballot()
    user = resident()
    db.session.commit()
    log_in(client, user)
    url = f"/budget/ballots/{ballot.id}"
    refused = submit(client, f"{url}/vote?lang=en", {"option": ["1", "3"]}, form_url=url)
    assert refused.status_code == 422
    assert "cost more than" in refused.get_data(as_text=True)
    assert votes(ballot) == []


def test_results_show_winners_reasons_and_the_download(app, client):
    ballot = make_ballot()
    for choice in (["1", "2"], ["1"], ["2", "3"]):
        services.cast_vote(resident(), ballot, choice)
    with app.app_context():  # events need the app; commit before its teardown rolls back
        services.move_phase(ballot.cycle, Phase.RESULTS)
        db.session.commit()
    page = client.get(f"/budget/ballots/{ballot.id}/results?lang=en").get_data(as_text=True)
    assert "Funds used" in page
    assert "Place 3 by support per cost; only 10" in page
    download = client.get(f"/budget/ballots/{ballot.id}/ballots.pb")
    votes_section = download.get_data(as_text=True).split("VOTES\n")[1].splitlines()
    assert votes_section[0] == "voter_id;vote"
    codes = [line.split(";")[0] for line in votes_section[1:]]
    assert len(codes) == 3
    assert all(len(code) == 16 for code in codes)  # anonymous codes, never account ids


def test_results_are_hidden_while_voting(client):
    ballot = make_ballot()
    db.session.commit()
    assert client.get(f"/budget/ballots/{ballot.id}/results").status_code == 404
    assert client.get(f"/budget/ballots/{ballot.id}/ballots.pb").status_code == 404


def test_points_results_give_each_priority_its_average_share(app, client):
    ballot = make_ballot(BallotKind.POINTS)
    services.cast_vote(resident(), ballot, {"1": 60, "2": 40})
    services.cast_vote(resident(), ballot, {"1": 100})
    with app.app_context():  # events need the app; commit before its teardown rolls back
        services.move_phase(ballot.cycle, Phase.RESULTS)
        db.session.commit()
    page = client.get(f"/budget/ballots/{ballot.id}/results?lang=en").get_data(as_text=True)
    assert "Voters gave it 80.0 of every 100 GEL on average" in page
    assert "80,000.00" in page.replace("\xa0", " ")


def test_the_home_page_and_index_show_the_open_cycle(client):
    ballot = make_ballot()
    db.session.commit()
    home = client.get("/?lang=en").get_data(as_text=True)
    assert "Budget 2027" in home
    assert "voting until" in home
    index = client.get("/budget/?lang=en").get_data(as_text=True)
    assert f"/budget/cycles/{ballot.cycle_id}" in index


@pytest.mark.parametrize(
    ("verified_in", "told"),
    [
        (None, "Only residents with a verified district can vote."),
        ("gldani", "Only verified residents of this district can vote on its ballot."),
    ],
)
def test_the_ballot_page_says_who_may_vote_before_it_is_filled_in(client, verified_in, told):
    ballot = make_ballot()
    user = resident(verified_in) if verified_in else make_user()
    db.session.commit()
    log_in(client, user)
    page = client.get(f"/budget/ballots/{ballot.id}?lang=en").get_data(as_text=True)
    assert told in page
    assert f"/budget/ballots/{ballot.id}/vote" not in page  # no form that would be refused
    assert ("/accounts/residency" in page) == (verified_in is None)
    own = resident()
    db.session.commit()
    log_in(client, own)
    assert f"/budget/ballots/{ballot.id}/vote" in client.get(
        f"/budget/ballots/{ballot.id}"
    ).get_data(as_text=True)
