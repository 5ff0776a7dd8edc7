"""Survey questions in a real browser: a voter answers them with the ballot, a wrong answer
comes back at its question with everything kept, and the pages that show questions pass
axe-core in both languages."""

import pytest
from playwright.sync_api import expect

from budgeting import services
from budgeting.models import BallotKind, Phase
from core.db import db
from core.models import Role
from tests.browser.test_accessibility import violations_by_path
from tests.browser.test_editor_journey import log_in
from tests.budget_factories import choice_id, make_ballot, resident, survey_questions
from tests.factories import make_user


@pytest.fixture
def surveyed(app) -> dict:
    with app.test_request_context():
        ballot = make_ballot(BallotKind.APPROVAL, questions=survey_questions())
        voter = resident()
        voter.locale = "en"
        db.session.commit()
        return {"ballot": ballot.id, "voter": voter.email}


def test_a_voter_answers_the_survey_with_the_ballot_in_one_step(page, surveyed):
    log_in(page, surveyed["voter"])
    page.goto(f"/budget/ballots/{surveyed['ballot']}?lang=en")
    came = page.get_by_role("group", name="How did you come?")
    wants = page.get_by_role("group", name="What do you want?")
    words = page.get_by_label("What should we improve?")
    page.get_by_label("Square").check()
    for answer in ("Trees", "Benches", "Lights"):
        wants.get_by_label(answer).check()
    words.fill("Shade")
    page.get_by_role("button", name="Submit my ballot").click()
    # The required question was left out and three answers were ticked of at most two.
    expect(came).to_contain_text("Please answer this question.")
    expect(wants).to_contain_text("Please choose at most 2 answers.")
    expect(page.get_by_label("Square")).to_be_checked()  # nothing entered is lost
    expect(wants.get_by_label("Lights")).to_be_checked()
    expect(words).to_have_value("Shade")
    came.get_by_label("Metro").check()
    wants.get_by_label("Lights").uncheck()
    page.get_by_role("button", name="Submit my ballot").click()
    expect(page.get_by_text("Your ballot is saved").first).to_be_visible()
    expect(came.get_by_label("Metro")).to_be_checked()
    expect(wants.get_by_label("Benches")).to_be_checked()
    expect(wants.get_by_label("Lights")).not_to_be_checked()
    expect(words).to_have_value("Shade")


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_survey_pages_have_no_serious_accessibility_violation(app, axe_context, lang):
    with app.test_request_context():
        open_ballot = make_ballot(questions=survey_questions())
        planned = make_ballot(phase=Phase.REVIEW, district="isani", questions=survey_questions())
        decided = make_ballot(district="saburtalo", questions=survey_questions())
        single_q = str(decided.questions[0].id)
        services.cast_vote(resident("saburtalo"), decided, ["1"],
                           {single_q: [choice_id(decided, "Bus")]})  # fmt: skip
        services.move_phase(decided.cycle, Phase.RESULTS)
        admin = make_user(Role.BUDGET_ADMIN, districts=(), locale="en")
        admin.verified_district_id = open_ballot.district_id  # sees the ballot form too
        db.session.commit()
        paths = [
            f"/budget/ballots/{open_ballot.id}",
            f"/budget/ballots/{decided.id}/results",
            f"/budget/admin/ballots/{planned.id}",
            f"/budget/admin/ballots/{planned.id}/questions/new",
            f"/budget/admin/questions/{planned.questions[1].id}",
        ]
        email = admin.email
    page = axe_context.new_page()
    log_in(page, email)
    assert violations_by_path(page, paths, lang) == {}
