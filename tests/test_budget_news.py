"""Opening the vote and publishing results each become one automatic bilingual news post,
linked to the budget cycle (SPEC §7), however often the phase is moved or the jobs run."""

import pytest
from sqlalchemy import func, select, update

from budgeting import services
from budgeting.models import Cycle, Phase
from core.db import db
from core.errors import Refused
from news.models import Post
from tests.budget_factories import make_ballot

pytestmark = pytest.mark.live


def move(app, cycle_id: int, phase: Phase) -> None:
    with app.test_request_context():
        services.move_phase(db.session.get(Cycle, cycle_id), phase)
        db.session.commit()


def automatic_posts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Post.id)))


def test_voting_opened_and_results_published_become_one_linked_post_each(app, client, run_jobs):
    with app.test_request_context():
        cycle_id = make_ballot(phase=Phase.REVIEW).cycle_id
        db.session.commit()
    move(app, cycle_id, Phase.VOTING)
    move(app, cycle_id, Phase.VOTING)  # again: still one opening
    run_jobs()
    run_jobs()
    assert automatic_posts(app) == 1
    news = client.get("/news/?lang=en").get_data(as_text=True)
    assert "Budget 2027: voting has opened" in news
    assert "ბიუჯეტი 2027: ხმის მიცემა დაიწყო" in client.get("/news/?lang=ka").get_data(as_text=True)

    move(app, cycle_id, Phase.RESULTS)
    run_jobs()
    assert automatic_posts(app) == 2
    assert "Budget 2027: results published" in client.get("/news/?lang=en").get_data(as_text=True)
    cycle_page = client.get(f"/budget/cycles/{cycle_id}?lang=en").get_data(as_text=True)
    assert "Budget 2027: voting has opened" in cycle_page  # the cycle's related panel
    assert "Budget 2027: results published" in cycle_page


def test_the_post_says_until_when_voting_is_open_and_links_the_cycle(app, client, run_jobs):
    with app.test_request_context():
        cycle_id = make_ballot(phase=Phase.REVIEW).cycle_id
        db.session.commit()
    move(app, cycle_id, Phase.VOTING)
    run_jobs()
    with app.app_context():
        post_id = db.session.scalar(select(Post.id))
    page = client.get(f"/news/{post_id}?lang=en").get_data(as_text=True)
    assert "change their vote, until" in page
    assert f'href="/budget/cycles/{cycle_id}"' in page  # related: the cycle


def test_a_form_loaded_before_the_results_cannot_move_the_cycle_back(app):
    """The phase is read again under the move's lock: a cycle loaded while voting was open
    and moved to results meanwhile is not put back to voting."""
    with app.test_request_context():
        cycle_id = make_ballot(phase=Phase.VOTING).cycle_id
        db.session.commit()
    with app.test_request_context():
        stale = db.session.get(Cycle, cycle_id)  # an admin's page, loaded while voting
        assert stale.phase == Phase.VOTING.value
        with db.engine.begin() as elsewhere:  # the periodic job publishes the results
            elsewhere.execute(
                update(Cycle).where(Cycle.id == cycle_id).values(phase=Phase.RESULTS.value)
            )
        with pytest.raises(Refused) as refused:
            services.move_phase(stale, Phase.VOTING)
        assert refused.value.status == 409
        db.session.rollback()
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).phase == Phase.RESULTS.value
