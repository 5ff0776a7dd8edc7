"""A category's questions in a real browser: the report form shows the chosen category's own
questions only, answered by keyboard; axe-core finds nothing serious on the form or on the
admin's questions pages, in ka and en."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.db import db
from core.models import Role
from smartmap import questions, services
from smartmap.models import Report
from smartmap.questions import QuestionInput
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_editor_journey import log_in
from tests.browser.test_smartmap_journey import fill_report, map_page, vake  # noqa: F401
from tests.factories import make_user


@pytest.fixture
def asked(app, vake):  # noqa: F811
    with app.test_request_context():
        admin = make_user(Role.ADMIN, locale="en")
        road = services.category_by_code("road")
        size = QuestionInput(
            "size",
            "singlevaluelist",
            "რა ზომისაა?",
            "How big is it?",
            "small | პატარა | Small\nlarge | დიდი | Large",
            required=True,
        )
        questions.add_question(admin, road, size)
        lamp = QuestionInput("pole", "string", "ბოძის ნომერი", "Pole number")
        questions.add_question(admin, services.category_by_code("lighting"), lamp)
        db.session.commit()
        return admin.email, road.id


def test_the_form_asks_the_chosen_categorys_questions(map_page, app, vake, asked):  # noqa: F811
    page = map_page
    with app.app_context():
        resident_email = make_user(locale="en").email
    log_in(page, resident_email)
    lat, lon = vake
    fill_report(page, lat, lon, "A deep pothole")
    size = page.get_by_label("How big is it?")
    expect(size).to_be_visible()
    expect(page.get_by_label("Pole number")).to_be_hidden()  # another category's question
    assert serious_violations(page) == []
    size.focus()
    size.select_option("large")
    page.get_by_label("Longitude").press("Enter")
    expect(page.get_by_text("your report is in the district's queue")).to_be_visible()
    with app.app_context():
        report = db.session.scalars(select(Report).order_by(Report.id.desc())).first()
        assert report.attributes == {"size": "large"}
    page.goto("/map/report?lang=ka")
    page.get_by_label("კატეგორია").select_option("lighting")
    expect(page.get_by_label("ბოძის ნომერი")).to_be_visible()
    expect(page.get_by_label("რა ზომისაა?")).to_be_hidden()
    assert serious_violations(page) == []


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_the_questions_admin_pages_have_no_serious_violation(map_page, asked, lang):  # noqa: F811
    page = map_page
    admin_email, road_id = asked
    log_in(page, admin_email)
    base = f"/map/categories/{road_id}/questions"
    for path in [base, f"{base}/new"]:
        page.goto(f"{path}?lang={lang}")
        assert serious_violations(page) == [], path
