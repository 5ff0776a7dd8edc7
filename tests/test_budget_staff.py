"""Budget administration and residents' proposals, through the pages."""

from datetime import date, timedelta

from budgeting.models import Ballot, Cycle, Option, Phase, Proposal
from core.db import db
from core.districts import by_slug
from core.models import Role
from tests.budget_factories import make_ballot, resident
from tests.conftest import submit
from tests.factories import log_in, make_user


def admin_client(client):
    log_in(client, make_user(Role.BUDGET_ADMIN))
    return client


def test_an_admin_creates_a_cycle_a_ballot_and_its_options(client):
    admin_client(client)
    today = date.today()
    days = {
        "proposals_at": today,
        "review_at": today + timedelta(days=10),
        "voting_at": today + timedelta(days=20),
        "results_at": today + timedelta(days=30),
    }
    made = submit(
        client,
        "/budget/admin/",
        {"title_ka": "ბიუჯეტი 2028", **{k: v.isoformat() for k, v in days.items()}},
    )
    assert made.status_code == 302
    cycle = db.session.scalars(db.select(Cycle).filter_by(title_ka="ბიუჯეტი 2028")).one()
    ballot_form = {
        "district": by_slug("vake").id,
        "title_ka": "ვაკე",
        "kind": "knapsack",
        "rule": "mes-greedy",
        "budget": "500000",
    }
    url = f"/budget/admin/cycles/{cycle.id}"
    assert submit(client, url, ballot_form).status_code == 302
    again = submit(client, f"{url}?lang=en", ballot_form, form_url=url)
    assert again.status_code == 422
    assert "already has a ballot" in again.get_data(as_text=True)
    ballot = db.session.scalars(db.select(Ballot).filter_by(cycle_id=cycle.id)).one()
    option_url = f"/budget/admin/ballots/{ballot.id}"
    no_cost = submit(client, f"{option_url}?lang=en", {"name_ka": "სკვერი"}, form_url=option_url)
    assert no_cost.status_code == 422
    assert "needs a cost" in no_cost.get_data(as_text=True)
    assert submit(client, option_url, {"name_ka": "სკვერი", "cost": "1200"}).status_code == 302
    (option,) = ballot.options
    assert option.code == str(option.id)
    assert ballot.tie_break == [option.code]


def test_a_frozen_ballot_takes_no_new_option(client):
    ballot = make_ballot()  # in voting: frozen
    db.session.commit()
    admin_client(client)
    url = f"/budget/admin/ballots/{ballot.id}"
    refused = submit(client, f"{url}?lang=en", {"name_ka": "x", "cost": "5"}, form_url=url)
    assert refused.status_code == 422
    assert "frozen" in refused.get_data(as_text=True)
    assert len(ballot.options) == 3


def test_a_resident_proposes_and_staff_accept_it_as_an_option(client, app):
    ballot = make_ballot(phase=Phase.PROPOSALS)
    author = resident()
    db.session.commit()
    log_in(client, author)
    url = f"/budget/cycles/{ballot.cycle_id}/propose"
    sent = submit(client, url, {"title": "Benches by the school", "description": "Ten benches"})
    assert sent.status_code == 302
    proposal = db.session.scalars(db.select(Proposal)).one()
    assert proposal.district_id == by_slug("vake").id
    staff = app.test_client()
    admin_client(staff)
    review_url = f"/budget/admin/proposals/{proposal.id}/review"
    form_url = f"/budget/admin/cycles/{ballot.cycle_id}"
    assert submit(staff, review_url, {"cost": "8000"}, form_url=form_url).status_code == 302
    option = db.session.scalars(db.select(Option).filter_by(proposal_id=proposal.id)).one()
    assert option.ballot_id == ballot.id
    assert option.cost == 8000
    assert proposal.status == "accepted"


def test_a_rejection_needs_a_reason(client):
    ballot = make_ballot(phase=Phase.REVIEW)
    proposal = Proposal(
        cycle_id=ballot.cycle_id, district_id=ballot.district_id, title="x", description="y"
    )
    db.session.add(proposal)
    db.session.commit()
    admin_client(client)
    review_url = f"/budget/admin/proposals/{proposal.id}/review?lang=en"
    form_url = f"/budget/admin/cycles/{ballot.cycle_id}"
    refused = submit(client, review_url, {}, form_url=form_url)
    assert refused.status_code == 422
    assert (
        submit(client, review_url, {"note": "Not city land"}, form_url=form_url).status_code == 302
    )
    assert proposal.status == "rejected"
    assert proposal.review_note == "Not city land"


def test_an_admin_moves_the_phase_and_voting_freezes_the_ballots(client):
    ballot = make_ballot(phase=Phase.REVIEW)
    db.session.commit()
    admin_client(client)
    url = f"/budget/admin/cycles/{ballot.cycle_id}/phase"
    moved = submit(
        client, url, {"phase": "voting"}, form_url=f"/budget/admin/cycles/{ballot.cycle_id}"
    )
    assert moved.status_code == 302
    assert ballot.cycle.phase == Phase.VOTING
    assert ballot.frozen
