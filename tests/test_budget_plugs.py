"""Budgeting plugged into the platform: data rights, cross-links, demo data, the phase job."""

from datetime import timedelta

from budgeting import datarights, demo, notices, services
from budgeting.models import Ballot, Cycle, Phase, Proposal, Vote
from core import links, tasks
from core.db import db, utcnow
from core.districts import by_slug
from core.models import Event
from tests.budget_factories import make_ballot, resident


def test_data_export_says_where_one_voted_never_what(ctx):
    ballot = make_ballot()
    user = resident()
    services.cast_vote(user, ballot, ["2"])
    db.session.add(
        Proposal(
            cycle_id=ballot.cycle_id,
            district_id=by_slug("vake").id,
            author_id=user.id,
            title="Benches",
            description="Near the school",
        )
    )
    db.session.flush()
    exported = datarights.export(user)
    assert exported["voted_on_ballots"] == [{"ballot": ballot.id, "title": ballot.title_ka}]
    assert exported["proposals"][0]["title"] == "Benches"
    assert "choices" not in repr(exported)
    assert exported["budget_mail"] is False
    notices.set_mail(user, True)
    assert datarights.export(user)["budget_mail"] is True


def test_erasing_an_account_keeps_its_vote_counting_anonymised(ctx):
    ballot = make_ballot()
    user = resident()
    services.cast_vote(user, ballot, ["2"])
    datarights.erase(user)
    (vote,) = db.session.scalars(db.select(Vote).where(Vote.ballot_id == ballot.id)).all()
    assert vote.voter_id is None
    assert vote.choices == ["2"]


def test_ballots_and_projects_are_link_targets(ctx):
    ballot = make_ballot()
    option = ballot.options[0]
    found = links.resolve_many([ballot.ref, option.ref, "ballot:999999"], None)
    assert found[ballot.ref].title == ballot.title_ka
    assert found[option.ref].url.endswith(f"/budget/ballots/{ballot.id}#option-1")
    assert "ballot:999999" not in found


def test_demo_makes_a_points_ballot_per_district_in_voting_and_a_past_election(ctx):
    demo.load()
    demo.load()
    cycle = db.session.scalars(db.select(Cycle).where(Cycle.title_ka == demo.DEMO_TITLE)).one()
    assert cycle.phase == Phase.VOTING
    assert {b.kind for b in cycle.ballots} == {"points"}
    assert len(cycle.ballots) == len({b.district_id for b in cycle.ballots}) >= 10
    past = db.session.scalars(db.select(Ballot).where(Ballot.cycle_id.is_(None))).all()
    assert len(past) == 1


def test_the_phase_job_moves_cycles_whose_date_came(ctx):
    ballot = make_ballot(phase=Phase.VOTING)
    ballot.cycle.results_at = utcnow() - timedelta(minutes=1)
    assert "budgeting.advance_phases" in tasks.job_app.tasks
    services.advance_by_date()  # what the job runs each minute
    assert ballot.cycle.phase == Phase.RESULTS


def test_publishing_results_fires_one_event_with_a_news_text(ctx):
    ballot = make_ballot()
    services.move_phase(ballot.cycle, Phase.RESULTS)
    services.move_phase(ballot.cycle, Phase.RESULTS)  # again: still one event
    found = db.session.scalars(
        db.select(Event).where(Event.kind == "budget.results_published")
    ).all()
    assert len(found) == 1
    assert found[0].ref == f"budget_cycle:{ballot.cycle_id}"
    assert found[0].payload["news"]["title"]["en"] == "Budget 2027: results published"
