"""Smart map in a real browser: a resident reports by keyboard (typed coordinates), is offered
the nearby report the second time, staff of the district triage it; axe-core on the new pages."""

import pytest
from playwright.sync_api import expect

from core.db import db
from core.models import Role
from smartmap import demo
from tests.browser.test_accessibility import AXE, serious_violations
from tests.browser.test_editor_journey import log_in
from tests.factories import make_user
from tests.smartmap_helpers import place_in


@pytest.fixture
def vake(app) -> tuple[float, float]:
    with app.test_request_context():
        demo.ensure_categories()
        db.session.commit()
        return place_in("vake")


@pytest.fixture
def map_page(browser, live_server):
    """A page without CSP, so the test can inject axe-core (as test_accessibility does)."""
    assert AXE.exists(), "axe-core is missing: `make test` installs it with npm ci"
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    yield context.new_page()
    context.close()


def fill_report(page, lat, lon, text):
    page.goto("/map/report?lang=en")
    page.get_by_label("Category").select_option("road")
    page.get_by_label("What is the problem?").fill(text)
    page.get_by_label("Latitude").fill(str(lat))
    page.get_by_label("Longitude").fill(str(lon))


def test_a_resident_reports_by_keyboard_and_staff_of_the_district_fix_it(page, app, vake):
    with app.app_context():
        resident = make_user(locale="en").email
        staff = make_user(Role.DISTRICT_STAFF, districts=["vake"], locale="en").email
    lat, lon = vake
    log_in(page, resident)
    fill_report(page, lat, lon, "A deep pothole")
    page.get_by_label("Longitude").press("Enter")  # submits the form: no mouse needed
    expect(page.get_by_role("heading", level=1)).to_contain_text("Road damage")
    expect(page.get_by_text("your report is in the district's queue")).to_be_visible()
    report_url = page.url

    fill_report(page, lat, lon, "Another hole")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", name="Is it one of these?")).to_be_visible()
    expect(page.get_by_role("link", name="Road damage").first).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    log_in(page, staff)
    page.goto(report_url)
    page.get_by_label("New status").select_option("fixed")
    page.get_by_label("Public message").fill("Patched this morning")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_text("The status is changed.")).to_be_visible()
    expect(page.get_by_text("Patched this morning")).to_be_visible()


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_smart_map_pages_have_no_serious_accessibility_violation(map_page, app, lang):
    page = map_page
    with app.test_request_context():
        demo.load()
        db.session.commit()
    for path in ["/map/reports", "/map/reports/1", "/map/statistics"]:
        page.goto(f"{path}?lang={lang}")
        assert serious_violations(page) == [], path


def test_the_report_form_has_no_serious_accessibility_violation(map_page, app, vake):
    page = map_page
    with app.app_context():
        email = make_user(locale="en").email
    log_in(page, email)
    page.goto("/map/report?lang=ka")
    assert serious_violations(page) == []


def test_a_visitor_reports_and_publishes_it_from_the_mail_link(map_page, app, vake):
    """Not logged in: the report waits for the e-mail link; the link's page publishes it with
    a button; axe-core finds nothing serious on the form, the link's page or the admin pages."""
    from sqlalchemy import select

    from core.models import OutboxMail
    from tests.test_smartmap_held import LINK

    page = map_page
    lat, lon = vake
    fill_report(page, lat, lon, "A broken bench")
    assert serious_violations(page) == []
    page.get_by_label("Your e-mail address (not shown in public)").fill("bench@example.org")
    page.get_by_label("Your name (optional)").fill("Nino")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("Please open the link we have sent")).to_be_visible()
    with app.app_context():
        body = db.session.scalars(select(OutboxMail.body_text)).one()
        admin = make_user(Role.ADMIN, locale="en").email
    page.goto(LINK.search(body).group(1) + "?lang=ka")
    assert serious_violations(page) == []
    page.get_by_role("button", name="შეტყობინების გამოქვეყნება").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("გზის დაზიანება")
    expect(page.get_by_text("Nino", exact=False).first).to_be_visible()
    log_in(page, admin)
    for path in ["/map/categories", "/map/categories/new", "/map/categories/1"]:
        page.goto(f"{path}?lang=ka")
        assert serious_violations(page) == [], path
