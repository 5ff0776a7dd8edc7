"""District budget in a real browser: the whole cycle from an admin opening it to the news
post of its results, with residents who may not vote told why; a verified resident splits
100 GEL by keyboard and votes on a knapsack ballot (the total, an over-budget refusal that
keeps the choices, a changed vote); the results explain themselves; axe-core on the budget
pages in both languages."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from budgeting.models import BallotKind, Phase
from core.db import db, utcnow
from core.i18n import to_local
from core.models import Role
from tests.browser.test_accessibility import violations_by_path
from tests.browser.test_editor_journey import log_in
from tests.budget_factories import make_ballot, resident
from tests.factories import make_user


@pytest.fixture
def people(app) -> dict:
    with app.test_request_context():
        admin = make_user(Role.BUDGET_ADMIN, locale="en")
        voter = resident("vake")
        unverified = make_user(locale="en")
        elsewhere = resident("saburtalo")
        voter.locale = elsewhere.locale = "en"
        db.session.commit()
        return {
            "admin": admin.email,
            "voter": voter.email,
            "unverified": unverified.email,
            "elsewhere": elsewhere.email,
            "today": to_local(utcnow()).date(),
        }


@pytest.fixture
def signed_in(browser, live_server):
    """A page of its own per person, logged in: several people take turns in one journey."""
    contexts = []

    def open_as(email: str):
        context = browser.new_context(base_url=live_server, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, email)
        return page

    yield open_as
    for context in contexts:
        context.close()


def move_phase(page, cycle_url: str, phase: Phase) -> None:
    page.goto(cycle_url)
    page.get_by_label("Phase").select_option(phase.value)
    page.get_by_role("button", name="Move to this phase").click()
    expect(page.get_by_text(f"now in its {phase.value} phase")).to_be_visible()


def test_a_budget_cycle_from_opening_to_the_news_of_its_results(people, signed_in, run_jobs):
    admin = signed_in(people["admin"])
    admin.goto("/budget/admin/?lang=en")
    admin.get_by_label("Title in Georgian").fill("ბიუჯეტი 2028")
    admin.get_by_label("Title in English").fill("Budget 2028")
    days = {"Proposals open": -2, "Review begins": -1, "Voting opens": 0}
    days["Voting closes and results are published"] = 10
    for label, offset in days.items():
        admin.get_by_label(label).fill((people["today"] + timedelta(days=offset)).isoformat())
    admin.get_by_role("button", name="Create the cycle").click()
    cycle_url = admin.url
    admin.get_by_label("District", exact=True).select_option(label="Vake District")
    admin.get_by_label("Title in Georgian").fill("ვაკის ბიუჯეტი")
    admin.get_by_label("Title in English").fill("Vake budget 2028")
    admin.get_by_label("Kind of ballot").select_option("knapsack")
    admin.get_by_label("Counting rule").select_option("greedy")
    admin.get_by_label("Budget in GEL").fill("100000")
    admin.get_by_role("button", name="Add the ballot").click()
    ballot_url = admin.url.replace("/admin/ballots/", "/ballots/")
    admin.get_by_label("Name in Georgian").fill("ქუჩის განათება")
    admin.get_by_label("Name in English").fill("Street lights")
    admin.get_by_label("Cost in GEL").fill("50000")
    admin.get_by_role("button", name="Add the option").click()
    move_phase(admin, cycle_url, Phase.PROPOSALS)

    voter = signed_in(people["voter"])
    voter.goto(cycle_url.replace("/admin/cycles/", "/cycles/"))
    voter.get_by_role("link", name="Propose a project").click()
    voter.get_by_label("Title").fill("Benches by the school")
    voter.get_by_label("What should be done, and where?").fill("Six benches on Chavchavadze.")
    voter.get_by_role("button", name="Send the proposal").click()
    expect(voter.get_by_text("your proposal is sent for review")).to_be_visible()

    move_phase(admin, cycle_url, Phase.REVIEW)
    admin.get_by_label("Cost in GEL (to accept)").fill("60000")
    admin.get_by_role("button", name="Save the review").click()
    expect(admin.get_by_text("accepted")).to_be_visible()
    move_phase(admin, cycle_url, Phase.VOTING)

    voter.goto(f"{ballot_url}?lang=en")
    voter.get_by_label("Benches by the school").check()  # the accepted proposal, now an option
    voter.get_by_label("Street lights").check()
    voter.get_by_role("button", name="Submit my ballot").click()
    expect(voter.get_by_text("cost more than the district's budget")).to_be_visible()
    voter.get_by_label("Street lights").uncheck()
    voter.get_by_role("button", name="Submit my ballot").click()
    expect(voter.get_by_text("Your ballot is saved").first).to_be_visible()
    voter.get_by_label("Benches by the school").uncheck()  # changing the vote
    voter.get_by_label("Street lights").check()
    voter.get_by_role("button", name="Submit my ballot").click()
    expect(voter.get_by_text("Your ballot is saved").first).to_be_visible()
    expect(voter.get_by_label("Street lights")).to_be_checked()
    expect(voter.get_by_label("Benches by the school")).not_to_be_checked()

    refusals = {
        "unverified": "Only residents with a verified district can vote",
        "elsewhere": "Only verified residents of this district can vote on its ballot",
    }
    for person, message in refusals.items():
        other = signed_in(people[person])
        other.goto(f"{ballot_url}?lang=en")
        expect(other.get_by_role("status")).to_contain_text(message)
        expect(other.get_by_role("button", name="Submit my ballot")).to_have_count(0)

    move_phase(admin, cycle_url, Phase.RESULTS)
    run_jobs()  # the events' consequences: news posts, stored tallies, mail
    voter.goto(f"{ballot_url}/results?lang=en")
    table = voter.get_by_role("table", name="Every option, why it won or lost")
    expect(table.get_by_role("row", name="Street lights")).to_contain_text("Funded")
    expect(table.get_by_role("row", name="Benches by the school")).to_contain_text("Not funded")
    voter.goto("/news/?lang=en")
    expect(
        voter.get_by_role("link", name="Budget 2028: results published", exact=True)
    ).to_be_visible()
    expect(
        voter.get_by_role("link", name="Budget 2028: voting has opened", exact=True)
    ).to_be_visible()


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
            "/accounts/profile",  # its box for budget mail
        ]
        email = admin.email
    page = axe_context.new_page()
    log_in(page, email)
    assert violations_by_path(page, paths, lang) == {}


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
