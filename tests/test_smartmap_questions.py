"""A category's questions (Open311 service definition attributes): admins add, edit, reorder
and deactivate them; the report form asks them; Open311 clients read the active ones."""

import pytest
from sqlalchemy import select

from core.db import db
from core.errors import Refused
from core.models import AuditEntry, Role
from smartmap import attributes, held, questions, services
from smartmap.models import HeldReport, Report
from smartmap.questions import QuestionInput
from tests.conftest import submit
from tests.factories import log_in, make_user
from tests.smartmap_helpers import categories, make_report, place_in

KINDS = "small | პატარა | Small\nlarge | დიდი | Large"


def depth(**changes) -> QuestionInput:
    values = {
        "code": "depth",
        "datatype": "number",
        "description_ka": "რა სიღრმისაა?",
        "description_en": "How deep is it (cm)?",
    }
    return QuestionInput(**{**values, **changes})


def size(**changes) -> QuestionInput:
    values = {
        "code": "size",
        "datatype": "singlevaluelist",
        "description_ka": "რა ზომისაა?",
        "description_en": "How big is it?",
        "choices": KINDS,
        "required": True,
    }
    return QuestionInput(**{**values, **changes})


@pytest.fixture
def admin(app):
    with app.test_request_context("/?lang=en"):
        categories()
        yield make_user(Role.ADMIN)


def road():
    return services.category_by_code("road")


def test_an_admin_adds_edits_reorders_and_deactivates_questions(admin):
    first = questions.add_question(admin, road(), depth())
    second = questions.add_question(admin, road(), size())
    assert [q["code"] for q in attributes.definition(road())] == ["depth", "size"]
    assert second.choices[1] == {"key": "large", "name_ka": "დიდი", "name_en": "Large"}
    questions.move_question(admin, road(), second, up=True)
    assert [q["code"] for q in attributes.definition(road())] == ["size", "depth"]
    questions.move_question(admin, road(), second, up=True)  # already first: stays
    assert [q.code for q in road().attributes] == ["size", "depth"]
    questions.update_question(admin, road(), first, depth(description_en="Depth?", active=False))
    assert [q["code"] for q in attributes.definition(road())] == ["size"]
    assert [q.code for q in road().attributes] == ["size", "depth"]  # the admin still sees it
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-5:] == [
        "map.question.add",
        "map.question.add",
        "map.question.move",
        "map.question.move",
        "map.question.update",
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "Depth!"}, "code", "small Latin letters"),
        ({"datatype": "date"}, "datatype", "kind of answer"),
        ({"description_ka": " "}, "description_ka", "fill in"),
        ({"description_en": "a" * 301}, "description_en", "300"),
        ({"choices": ""}, "choices", "write the choices"),
        ({"choices": "small | პატარა"}, "choices", "Line 1"),
        ({"choices": "big one | დიდი | Big"}, "choices", "no spaces"),
        ({"choices": "a | ა | A\na | ბ | B"}, "choices", "key of its own"),
        ({"choices": "a | ა | A", "datatype": "string"}, "choices", "Only a question answered"),
    ],
)
def test_bad_questions_are_refused_at_their_field(admin, changes, field, message):
    with pytest.raises(Refused, match=message) as error:
        questions.add_question(admin, road(), size(**changes))
    assert (error.value.status, error.value.field) == (422, field)
    assert road().attributes == []


def test_codes_are_unique_per_category_and_fixed_with_the_kind_once_reports_use_it(admin):
    question = questions.add_question(admin, road(), depth())
    with pytest.raises(Refused, match="already has this code") as error:
        questions.add_question(admin, road(), depth(datatype="string"))
    assert error.value.status == 409
    questions.add_question(admin, services.category_by_code("lighting"), depth())  # elsewhere
    questions.update_question(admin, road(), question, depth(code="deep", datatype="string"))
    make_report(code="road")
    with pytest.raises(Refused, match="code and kind of answer stay") as error:
        questions.update_question(admin, road(), question, depth(code="deep2", datatype="string"))
    assert error.value.status == 409
    with pytest.raises(Refused, match="code and kind of answer stay"):
        questions.update_question(admin, road(), question, depth(code="deep", datatype="number"))
    questions.update_question(admin, road(), question, depth(code="deep", datatype="string"))


def test_only_admins_manage_questions(admin):
    staff = make_user(Role.DISTRICT_STAFF, districts=["vake"])
    with pytest.raises(Refused) as error:
        questions.add_question(staff, road(), depth())
    assert error.value.status == 403


def test_a_report_keeps_the_answers_and_a_held_one_carries_them_to_publication(admin):
    questions.add_question(admin, road(), depth())
    questions.add_question(admin, road(), size())
    lat, lon = place_in("vake")
    answers = {"depth": ["12"], "size": ["large"]}
    report = services.create_report(
        services.ReportInput("road", "x", lat, lon, answers=answers), admin
    )
    assert report.attributes == {"depth": 12, "size": "large"}
    data = services.ReportInput("road", "x", lat, lon, answers={"size": ["small"]})
    waiting = held.hold_report(data, "visitor@example.org", "", [], "en")
    assert held.publish(waiting).attributes == {"size": "small"}
    with pytest.raises(Refused, match="„How big is it\\?“ is required.") as error:
        services.create_report(services.ReportInput("road", "x", lat, lon, answers={}), admin)
    assert (error.value.status, error.value.field) == (422, "question:size")


# Pages


@pytest.fixture
def admin_client(app, client):
    with app.test_request_context():
        categories()
        db.session.commit()
    log_in(client, make_user(Role.ADMIN))
    return client


FORM = {
    "code": "size",
    "datatype": "singlevaluelist",
    "description_ka": "რა ზომისაა?",
    "description_en": "How big is it?",
    "choices": KINDS,
    "required": "y",
    "active": "y",
}


def test_the_admin_manages_questions_on_the_categories_pages(app, admin_client):
    with app.test_request_context():
        road_id = road().id
    base = f"/map/categories/{road_id}/questions"
    assert "0 questions" in admin_client.get("/map/categories?lang=en").get_data(as_text=True)
    bad = submit(admin_client, f"{base}/new?lang=en", {**FORM, "choices": "oops"}, f"{base}/new")
    assert bad.status_code == 422
    assert "Line 1" in bad.get_data(as_text=True)
    assert "How big is it?" in bad.get_data(as_text=True)  # what was typed stays
    assert submit(admin_client, f"{base}/new", FORM).status_code == 302
    depth_form = {**FORM, "code": "depth", "datatype": "number", "choices": "", "required": ""}
    assert submit(admin_client, f"{base}/new", depth_form).status_code == 302
    page = admin_client.get(f"{base}?lang=en").get_data(as_text=True)
    assert page.index("How big is it?") < page.index("depth")
    with app.test_request_context():
        size_id, depth_id = (q.id for q in road().attributes)
    moved = submit(admin_client, f"{base}/{depth_id}/move", {"to": "up"}, base)
    assert moved.status_code == 302
    with app.test_request_context():
        assert [q.code for q in road().attributes] == ["depth", "size"]
    edit = f"{base}/{size_id}"
    assert "small | პატარა | Small" in admin_client.get(edit).get_data(as_text=True)
    assert submit(admin_client, edit, {**FORM, "active": ""}).status_code == 302
    assert "Inactive" in admin_client.get(f"{base}?lang=en").get_data(as_text=True)
    assert admin_client.get(f"{base}/999999").status_code == 404


def test_the_report_form_asks_the_questions_and_keeps_the_answers(app, client):
    with app.test_request_context():
        categories()
        admin = make_user(Role.ADMIN)
        questions.add_question(admin, road(), size())
        questions.add_question(admin, road(), depth())
        resident = make_user()
        db.session.commit()
    log_in(client, resident)
    page = client.get("/map/report?lang=en").get_data(as_text=True)
    assert "How big is it?" in page
    with app.test_request_context():
        lat, lon = place_in("vake")
    form = {"category": "road", "description": "ორმო", "latitude": lat, "longitude": lon}
    form |= {"checked": "1", "road:attribute[depth]": "deep"}
    refused = submit(client, "/map/report?lang=en", form, "/map/report")
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "„How big is it?“ is required." in body
    assert 'value="deep"' in body
    form |= {"road:attribute[depth]": "15", "road:attribute[size]": "small"}
    form["lighting:attribute[depth]"] = "99"  # another category's question: not this report's
    sent = submit(client, "/map/report", form, "/map/report")
    assert sent.status_code == 302
    report = db.session.scalars(select(Report).order_by(Report.id.desc())).first()
    assert report.attributes == {"depth": 15, "size": "small"}
    assert db.session.scalar(select(HeldReport.id)) is None


def test_the_cli_lists_a_categorys_questions_in_order(app):
    with app.test_request_context():
        categories()
        admin = make_user(Role.ADMIN)
        questions.add_question(admin, road(), size())
        questions.add_question(admin, road(), depth(active=False))
        db.session.commit()
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["smartmap", "questions", "road"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines() == [
        "1. size (singlevaluelist, required, active): How big is it? / რა ზომისაა?",
        "2. depth (number, optional, inactive): How deep is it (cm)? / რა სიღრმისაა?",
    ]
    unknown = runner.invoke(args=["smartmap", "questions", "nope"])
    assert unknown.exit_code != 0
    assert "no category with the service code 'nope'" in unknown.output
