"""District budget in a real browser: a verified resident splits 100 GEL by keyboard and
votes on a knapsack ballot (the total, an over-budget refusal that keeps the choices, a
changed vote); the budget admin moves the cycle to results; the results explain themselves;
axe-core on the budget pages in both languages."""

import pytest
from playwright.sync_api import expect

from budgeting.models import BallotKind, Phase
from core.db import db
from core.models import Role
from tests.browser.test_accessibility import AXE, serious_violations
from tests.browser.test_editor_journey import log_in
from tests.budget_factories import make_ballot, resident
from tests.factories import make_user


@pytest.fixture
def budget(app) -> dict:
    with app.test_request_context():
        points = make_ballot(BallotKind.POINTS)
        knapsack = make_ballot(BallotKind.KNAPSACK)
        voter = resident()
        voter.locale = "en"
        admin = make_user(Role.BUDGET_ADMIN, locale="en")
        db.session.commit()
        return {
            "points": points.id,
            "knapsack": knapsack.id,
            "cycle": knapsack.cycle_id,
            "voter": voter.email,
            "admin": admin.email,
        }


def test_a_resident_votes_and_the_admin_publishes_explained_results(page, budget):
    log_in(page, budget["voter"])
    page.goto(f"/budget/ballots/{budget['points']}?lang=en")
    page.get_by_label("Square").focus()
    page.keyboard.type("60")
    page.keyboard.press("Tab")
    page.keyboard.type("40")
    page.keyboard.press("Enter")  # one step: no confirmation page
    expect(page.get_by_text("Your ballot is saved").first).to_be_visible()
    expect(page.get_by_label("Square")).to_have_value("60")

    page.goto(f"/budget/ballots/{budget['knapsack']}?lang=en")
    page.get_by_label("Square").check()
    page.get_by_label("Lights").check()
    page.get_by_role("button", name="Check the total").click()
    expect(page.get_by_role("status")).to_contain_text("110,000")
    page.get_by_role("button", name="Submit my ballot").click()
    expect(page.get_by_text("cost more than the district's budget")).to_be_visible()
    expect(page.get_by_label("Square")).to_be_checked()  # nothing typed is lost
    expect(page.get_by_label("Lights")).to_be_checked()
    page.get_by_label("Lights").uncheck()
    page.get_by_label("Benches").check()
    page.get_by_role("button", name="Submit my ballot").click()
    expect(page.get_by_text("Your ballot is saved").first).to_be_visible()
    page.get_by_label("Benches").uncheck()  # changing the vote
    page.get_by_role("button", name="Submit my ballot").click()
    expect(page.get_by_text("Your ballot is saved").first).to_be_visible()
    expect(page.get_by_label("Benches")).not_to_be_checked()
    expect(page.get_by_label("Square")).to_be_checked()

    page.get_by_role("button", name="Log out").click()
    log_in(page, budget["admin"])
    page.goto(f"/budget/admin/cycles/{budget['cycle']}?lang=en")
    page.get_by_label("Phase").select_option(Phase.RESULTS.value)
    page.get_by_role("button", name="Move to this phase").click()
    page.goto(f"/budget/ballots/{budget['knapsack']}/results?lang=en")
    table = page.get_by_role("table", name="Every option, why it won or lost")
    expect(table.get_by_role("row", name="Square")).to_contain_text("Funded")
    expect(table.get_by_role("row", name="Lights")).to_contain_text("Not funded")
    expect(table.get_by_role("row", name="Square")).to_contain_text("Place 1 by support per cost")
    expect(page.get_by_text("Rule: projects in order of support per cost")).to_be_visible()


@pytest.fixture
def axe_context(browser, live_server):
    assert AXE.exists(), "axe-core is missing: `make test` installs it with npm ci"
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    yield context
    context.close()


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_budget_pages_have_no_serious_accessibility_violation(app, axe_context, lang):
    with app.test_request_context():
        open_ballot = make_ballot(BallotKind.KNAPSACK)
        points = make_ballot(BallotKind.POINTS, district="saburtalo")
        decided = make_ballot(phase=Phase.RESULTS, district="isani")
        admin = make_user(Role.BUDGET_ADMIN, locale="en")
        db.session.commit()
        paths = [
            "/budget/",
            f"/budget/cycles/{open_ballot.cycle_id}",
            f"/budget/ballots/{open_ballot.id}",
            f"/budget/ballots/{points.id}",
            f"/budget/ballots/{decided.id}/results",
            "/budget/admin/",
            f"/budget/admin/cycles/{open_ballot.cycle_id}",
            f"/budget/admin/ballots/{open_ballot.id}",
        ]
        email = admin.email
    page = axe_context.new_page()
    log_in(page, email)
    found = {}
    for path in paths:
        page.goto(f"{path}?lang={lang}")
        assert page.title(), path
        if violations := serious_violations(page):
            found[path] = violations
    assert found == {}


@pytest.mark.parametrize(("lang", "total"), [("en", "110,000.00"), ("ka", "110\u00a0000,00")])
def test_the_knapsack_total_runs_as_boxes_are_ticked(page, budget, lang, total):
    log_in(page, budget["voter"])
    page.goto(f"/budget/ballots/{budget['knapsack']}?lang={lang}")
    status = page.locator("[data-running-total]")
    page.locator("#option-1").check()
    page.locator("#option-3").check()
    expect(status).to_contain_text(total)  # without pressing "Check the total"
    expect(status).to_have_class("error")  # over the budget, and said so
    page.locator("#option-3").uncheck()
    expect(status).not_to_have_class("error")
