"""The spending publication in a real browser: charts drawn from their tables, filters that
work, no serious accessibility violation, no horizontal scrolling on a phone."""

import pytest

from budgeting import services
from budgeting.models import BallotKind, Phase
from budgeting.spending import demo
from core.db import db
from tests.browser.test_accessibility import AXE, serious_violations
from tests.budget_factories import make_ballot, resident


@pytest.fixture
def spending(app):
    with app.test_request_context():
        demo.load()
        db.session.commit()


@pytest.mark.usefixtures("spending")
def test_spending_charts_are_drawn_and_filters_narrow_them(page):
    page.goto("/budget/spending?lang=en")
    charts = page.locator("figure.chart .chart-canvas:not([hidden]) canvas")
    charts.first.wait_for()
    assert charts.count() == 3
    page.select_option("#district", "vake")
    page.select_option("#year", "2025")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**district=vake**")
    assert "Planned:" in page.locator(".totals").inner_text()
    rows = page.locator("table:not(.chart-data) tbody tr")
    assert rows.count() == 6  # the six demo categories of Vake in 2025


@pytest.mark.usefixtures("spending")
@pytest.mark.parametrize(
    ("lang", "grouped"), [("ka", "20\u00a0000\u00a0000"), ("en", "20,000,000")]
)
def test_chart_axes_group_numbers_as_the_page_language_does(page, lang, grouped):
    # Chromium's Intl has no Georgian: without the page's own marks the axis said 20,000,000.
    page.goto(f"/budget/spending?lang={lang}")
    page.locator("figure.chart .chart-canvas:not([hidden]) canvas").first.wait_for()
    ticks = page.evaluate(
        "Object.values(Chart.instances).flatMap(chart => chart.scales.y.ticks.map(t => t.label))"
    )
    assert grouped in ticks


@pytest.mark.usefixtures("spending")
@pytest.mark.parametrize("lang", ["ka", "en"])
def test_spending_page_is_accessible_and_fits_a_phone(browser, live_server, lang):
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs it with npm ci")
    context = browser.new_context(
        base_url=live_server, bypass_csp=True, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto(f"/budget/spending?lang={lang}&year=2025")
    page.locator("figure.chart canvas").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert serious_violations(page) == []
    context.close()


@pytest.mark.parametrize("kind", [BallotKind.KNAPSACK, BallotKind.POINTS])
def test_results_charts_are_accessible_and_fit_a_phone(app, browser, live_server, kind):
    votes = ({"1": 60, "2": 40},) if kind == BallotKind.POINTS else (["1", "2"], ["3"])
    with app.test_request_context():  # one session for all of it, committed for real
        ballot = make_ballot(kind)
        for choice in votes:
            services.cast_vote(resident(), ballot, choice)
        services.move_phase(ballot.cycle, Phase.RESULTS)
        db.session.commit()
        ballot_id = ballot.id
    context = browser.new_context(
        base_url=live_server, bypass_csp=True, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto(f"/budget/ballots/{ballot_id}/results?lang=ka")
    page.locator("figure.chart canvas").first.wait_for()
    assert page.locator("figure.chart .chart-canvas:not([hidden])").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    context.close()
