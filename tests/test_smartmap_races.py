"""Smart map races with real concurrent transactions: a double "not fixed" reopens once, two
admins saving one service code get a clear 409."""

import json
import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from core.db import db
from core.errors import Refused
from core.models import Role, User
from smartmap import categories, services
from smartmap.categories import CategoryInput
from smartmap.models import Category, NotFixed, Report
from tests.conftest import csrf_token
from tests.factories import log_in, make_user
from tests.smartmap_helpers import make_report

pytestmark = pytest.mark.live


def test_a_double_not_fixed_from_two_tabs_reopens_the_report_once(app):
    with app.test_request_context():
        resident = make_user()
        report = make_report(reporter=resident)
        staff = make_user(Role.DISTRICT_STAFF, districts=["vake"])
        services.change_status(report, staff, "fixed", "Patched")
        db.session.commit()
        report_id, email = report.id, resident.email
    url = f"/map/reports/{report_id}"
    tabs = [app.test_client() for _ in range(2)]
    tokens = []
    for tab in tabs:
        log_in(tab, SimpleNamespace(email=email))
        tokens.append(csrf_token(tab, url))
    barrier, answers = threading.Barrier(2), []

    def answer(tab, token):
        barrier.wait()
        data = {"message": "ისევ ორმოა", "csrf_token": token}
        response = tab.post(f"{url}/reopen?lang=en", data=data)
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [
        threading.Thread(target=answer, args=pair) for pair in zip(tabs, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [302, 409]
    refusal = next(body for status, body in answers if status == 409)
    assert "Only a report marked fixed can be reopened." in refusal
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert (report.status, report.reopened_count) == ("acknowledged", 1)
        assert db.session.scalar(select(func.count(NotFixed.id))) == 1


def test_two_admins_creating_one_service_code_at_once_get_a_clear_409(app):
    """The second insert waits on the unique index until the first commits, then is refused
    (both passed the "is the code free?" check, as neither saw the other's row)."""
    with app.test_request_context():
        admin_ids = [make_user(Role.ADMIN).id, make_user(Role.ADMIN).id]
        db.session.commit()
    first_flushed, outcomes = threading.Event(), {}

    def create(admin_id, name_en, wait_for=None):
        with app.test_request_context("/?lang=en"):
            if wait_for is not None:
                wait_for.wait(10)
            data = CategoryInput("benches", "სკამები", name_en, target_days=10)
            try:
                categories.create_category(db.session.get(User, admin_id), data)
                if wait_for is None:
                    first_flushed.set()
                    time.sleep(0.5)  # the other transaction now waits on the index
                db.session.commit()
                outcomes[name_en] = "saved"
            except Refused as error:
                db.session.rollback()
                outcomes[name_en] = (error.status, error.message)

    first = threading.Thread(target=create, args=(admin_ids[0], "First"))
    second = threading.Thread(target=create, args=(admin_ids[1], "Second", first_flushed))
    first.start()
    second.start()
    first.join()
    second.join()
    assert outcomes == {
        "First": "saved",
        "Second": (409, "Another category already has this service code."),
    }
    with app.app_context():
        saved = db.session.scalars(select(Category).where(Category.code == "benches")).all()
        assert [category.name_en for category in saved] == ["First"]


def test_a_report_made_while_its_category_is_recoded_stores_the_new_code(app):
    """The first report of a category whose code an admin is changing at that moment: its
    stored map feature waits for the change and carries the new code."""
    with app.test_request_context():
        make_report(code="waste")  # the categories
        db.session.add(Category(code="paint-old", name_ka="საღებავი", name_en="Paint"))
        db.session.commit()
    made = []

    def report_it():
        with app.test_request_context():
            made.append(make_report(code="paint-old").id)
            db.session.commit()

    with app.app_context(), db.engine.connect() as admin:  # the admin's change, uncommitted
        admin.execute(update(Category).where(Category.code == "paint-old").values(code="paint-new"))
        resident = threading.Thread(target=report_it)
        resident.start()
        time.sleep(0.5)  # the resident's insert now waits for the admin's row
        admin.commit()
    resident.join()
    with app.app_context():
        feature = db.session.scalar(select(Report.feature).where(Report.id == made[0]))
    assert json.loads(feature)["properties"]["category"] == "paint-new"
