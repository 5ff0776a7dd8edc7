"""Residency verification against the census list; personal numbers only as keyed HMAC."""

import io

import pytest

from accounts import services
from accounts.models import CensusEntry
from core.db import db
from core.districts import by_slug
from core.errors import Refused
from core.models import Role
from tests.conftest import submit
from tests.factories import log_in, make_user

CENSUS = (
    "personal_number,district\n01001012345,vake\n01001054321,gldani\n"
    "123,vake\n01001099999,atlantis\n"
)


def upload(client, text: str, lang="en"):
    data = {"file": (io.BytesIO(text.encode()), "census.csv")}
    return submit(
        client, f"/accounts/admin/census?lang={lang}", data, content_type="multipart/form-data"
    )


def test_admin_uploads_census_and_sees_the_problem_lines(app, client):
    log_in(client, make_user(Role.ADMIN))
    response = upload(client, CENSUS)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 people imported." in html
    assert "Line 4: the personal number must have 11 digits." in html
    assert "Line 5: unknown district" in html
    stored = db.session.scalars(db.select(CensusEntry.personal_number_hmac)).all()
    assert len(stored) == 2
    assert "01001012345" not in stored
    with app.app_context():
        assert services.personal_number_hmac("01001012345") in stored


def test_census_upload_is_for_admins_only(client):
    log_in(client, make_user(Role.EDITOR))
    assert client.get("/accounts/admin/census").status_code == 403


def test_census_upload_refuses_a_file_without_the_columns(client):
    log_in(client, make_user(Role.ADMIN))
    response = upload(client, "a,b\n1,2\n")
    assert response.status_code == 400
    assert "personal_number and district" in response.get_data(as_text=True)


def load_census(app):
    with app.test_request_context():
        services.import_census(CENSUS, make_user(Role.ADMIN))
        db.session.commit()


def test_resident_verifies_once_and_the_number_cannot_verify_another_account(app, client):
    load_census(app)
    vake = by_slug("vake")
    nino = make_user()
    log_in(client, nino)
    response = submit(
        client, "/accounts/residency", {"personal_number": "01001012345", "district": vake.id}
    )
    assert response.status_code == 302
    db.session.refresh(nino)
    assert nino.verified_district_id == vake.id
    with app.test_request_context(), pytest.raises(Refused) as refused:
        services.verify_residency(make_user(), "01001012345", vake.id)
    assert refused.value.status == 409


def test_wrong_district_or_number_is_refused_with_a_message(app, client):
    load_census(app)
    log_in(client, make_user())
    gldani = by_slug("gldani")
    response = submit(
        client,
        "/accounts/residency?lang=en",
        {"personal_number": "01001012345", "district": gldani.id},
    )
    assert response.status_code == 422
    assert "do not match the census list" in response.get_data(as_text=True)
    short = submit(
        client, "/accounts/residency?lang=en", {"personal_number": "123", "district": gldani.id}
    )
    assert short.status_code == 422
    assert "A personal number has 11 digits." in short.get_data(as_text=True)
