"""Admins manage the map's categories (Open311 services): every rule, refusal and page."""

import pytest
from sqlalchemy import select

from core.db import db
from core.errors import Refused
from core.models import AuditEntry, Role
from smartmap import categories, held, services
from smartmap.categories import CategoryInput
from smartmap.models import Category
from tests.conftest import csrf_token, submit
from tests.factories import log_in, make_user
from tests.smartmap_helpers import categories as default_categories
from tests.smartmap_helpers import make_report, place_in


def new(code="benches", **changes) -> CategoryInput:
    values = {"name_ka": "სკამები", "name_en": "Benches", "department": "Parks", "target_days": 10}
    return CategoryInput(code=code, **{**values, **changes})


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def admin(app):
    with app.test_request_context("/?lang=en"):
        yield make_user(Role.ADMIN)


def test_an_admin_creates_and_edits_a_category_and_each_is_audited(admin):
    category = categories.create_category(admin, new())
    assert (category.code, category.name, category.target_days) == ("benches", "Benches", 10)
    categories.update_category(admin, category, new(name_en="Park benches", target_days=7))
    assert (category.name_en, category.target_days) == ("Park benches", 7)
    assert audit_actions()[-2:] == ["map.category.create", "map.category.update"]
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.details["changed"] == {
        "name_en": ["Benches", "Park benches"],
        "target_days": [10, 7],
    }


def test_the_code_is_unique_and_fixed_once_a_report_uses_the_category(admin):
    default_categories()
    with pytest.raises(Refused, match="already has this service code") as error:
        categories.create_category(admin, new(code="road"))
    assert error.value.status == 409
    unused = categories.create_category(admin, new())
    categories.update_category(admin, unused, new(code="park-benches"))
    assert unused.code == "park-benches"
    road = services.category_by_code("road")
    make_report(code="road")
    with pytest.raises(Refused, match="cannot change"):
        categories.update_category(admin, road, new(code="roads"))
    assert road.code == "road"


def test_a_held_report_also_fixes_the_code(admin):
    category = categories.create_category(admin, new())
    lat, lon = place_in("vake")
    held.hold_report(services.ReportInput("benches", "x", lat, lon), "a@example.org", "", [], "ka")
    with pytest.raises(Refused, match="cannot change"):
        categories.update_category(admin, category, new(code="other"))


def test_deactivating_keeps_the_reports_and_hides_it_from_the_form(admin):
    default_categories()
    report = make_report(code="road")
    road = services.category_by_code("road")
    categories.update_category(
        admin, road, new(code="road", name_ka=road.name_ka, name_en=road.name_en, active=False)
    )
    assert "road" not in {c.code for c in services.active_categories()}
    assert db.session.get(type(report), report.id).category.code == "road"
    lat, lon = place_in("vake")
    with pytest.raises(Refused, match="choose a category"):
        services.create_report(services.ReportInput("road", "x", lat, lon), None)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "Bad Code"}, "code", "service code has 1 to 40"),
        ({"code": ""}, "code", "service code has 1 to 40"),
        ({"code": "a" * 41}, "code", "service code has 1 to 40"),
        ({"name_ka": "  "}, "name_ka", "fill in this field"),
        ({"name_en": "x" * 121}, "name_en", "at most 120 characters"),
        ({"department": "x" * 201}, "department", "at most 200 characters"),
        ({"target_days": 0}, "target_days", "between 1 and 365"),
        ({"target_days": None}, "target_days", "between 1 and 365"),
        ({"target_days": 366}, "target_days", "between 1 and 365"),
    ],
)
def test_bad_categories_are_refused_at_their_field(admin, changes, field, message):
    with pytest.raises(Refused, match=message) as error:
        categories.create_category(admin, new(**changes))
    assert (error.value.status, error.value.field) == (422, field)


def test_only_admins_manage_categories(app):
    with app.test_request_context("/?lang=en"):
        for user in (make_user(), make_user(Role.DISTRICT_STAFF, districts=["vake"])):
            with pytest.raises(Refused) as error:
                categories.create_category(user, new())
            assert error.value.status == 403


# Pages


@pytest.fixture
def admin_client(app, client):
    with app.test_request_context():
        default_categories()
        db.session.commit()
    log_in(client, make_user(Role.ADMIN))
    return client


FORM = {
    "code": "benches",
    "name_ka": "სკამები",
    "name_en": "Benches",
    "target_days": "10",
    "active": "y",
}


def test_the_admin_lists_creates_and_edits_categories(admin_client):
    page = admin_client.get("/map/categories?lang=en").get_data(as_text=True)
    assert "<code>road</code>" in page
    response = submit(admin_client, "/map/categories/new", FORM)
    assert response.location.endswith("/map/categories")
    category = db.session.scalars(select(Category).where(Category.code == "benches")).one()
    edit = f"/map/categories/{category.id}"
    assert 'value="სკამები"' in admin_client.get(edit).get_data(as_text=True)
    submit(admin_client, edit, {**FORM, "name_en": "Park benches", "active": ""})
    db.session.refresh(category)
    assert (category.name_en, category.active) == ("Park benches", False)
    page = admin_client.get("/map/categories?lang=en").get_data(as_text=True)
    assert "Park benches" in page
    assert "Inactive" in page


def test_a_used_code_is_shown_read_only_and_a_change_refused_with_409(app, admin_client):
    with app.test_request_context():
        report = make_report(code="road")
        db.session.commit()
        edit = f"/map/categories/{report.category_id}"
    page = admin_client.get(edit + "?lang=en").get_data(as_text=True)
    assert "its service code stays" in page
    assert "readonly" in page
    form = {**FORM, "code": "roads"}
    response = submit(admin_client, edit + "?lang=en", form, edit)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "cannot change" in page
    assert 'value="სკამები"' in page  # what was typed stays


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"code": "road"}, 409, "already has this service code"),
        ({"target_days": "abc"}, 422, "Not a valid integer value"),
        ({"target_days": "99999999999"}, 422, "between 1 and 365"),
        ({"name_ka": "ს" * 10_000}, 422, "120"),
        ({"name_en": ""}, 422, "This field is required."),
        ({"name_en": "x\x00"}, 400, "invisible control characters"),
    ],
)
def test_bad_category_forms_get_a_clear_4xx(admin_client, changes, status, message):
    url = "/map/categories/new?lang=en"
    response = submit(admin_client, url, {**FORM, **changes}, "/map/categories/new")
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Category).where(Category.code == "benches")).first() is None


def test_other_roles_and_bad_ids_are_refused(app, client):
    with app.test_request_context():
        default_categories()
        db.session.commit()
    log_in(client, make_user(Role.DISTRICT_STAFF, districts=["vake"]))
    assert client.get("/map/categories").status_code == 403
    token = csrf_token(client, "/map/report")
    assert client.post("/map/categories/new", data={**FORM, "csrf_token": token}).status_code == 403
    log_in(client, make_user(Role.ADMIN))
    assert client.get("/map/categories/2147483648").status_code == 404
    assert client.get("/map/categories/99999").status_code == 404
    assert client.post("/map/categories/new", data=FORM).status_code == 400  # no CSRF token
