"""Confirming the place of registration against the census list (personal numbers only as
keyed HMAC), the one answer for every failure, rate limits, the audit and staff reviews."""

import re

import pytest

from accounts import census, residency
from accounts.models import ResidencyReview
from core import audit
from core.db import db
from core.districts import by_slug
from core.errors import Refused
from core.models import AuditEntry, OutboxMail, Role
from tests.conftest import submit
from tests.factories import log_in, make_user

CENSUS = "personal_number,district\n01001012345,vake\n01001054321,gldani\n"
NUMBER = "01001012345"  # on the list, in Vake


def load_census(app, text=CENSUS):
    with app.test_request_context():
        result = census.import_census(text, make_user(Role.ADMIN))
        assert not result.problems
        db.session.commit()


def confirm(client, number=NUMBER, district="vake"):
    district_id = by_slug(district).id if district else 0
    return submit(
        client,
        "/accounts/residency?lang=en",
        {"personal_number": number, "district": district_id},
    )


def attempts(user):
    statement = audit.entries("residency.attempt", f"user:{user.id}")
    return [entry.details["outcome"] for entry in db.session.scalars(statement)]


def test_resident_confirms_once_and_the_number_cannot_confirm_another_account(app, client):
    load_census(app)
    nino = make_user()
    log_in(client, nino)
    assert confirm(client).status_code == 302
    db.session.refresh(nino)
    assert nino.verified_district_id == by_slug("vake").id
    assert nino.personal_number_hmac != NUMBER
    with app.test_request_context(), pytest.raises(Refused) as refused:
        residency.verify_residency(make_user(), NUMBER, by_slug("vake").id)
    assert refused.value.status == 422


def test_every_failure_gets_the_same_answer_and_is_audited(app, client):
    load_census(app)
    holder = make_user()
    log_in(client, holder)
    confirm(client)
    client.post("/accounts/logout")
    tamar = make_user()
    log_in(client, tamar)
    claimed = confirm(client)  # right number and district, but another account has it
    wrong_district = confirm(client, district="gldani")
    unknown = confirm(client, number="01001099999")

    def message(response):
        return re.search(r'class="error"[^>]*>([^<]+)<', response.get_data(as_text=True))[1]

    assert claimed.status_code == wrong_district.status_code == unknown.status_code == 422
    assert message(claimed) == message(wrong_district) == message(unknown)
    assert "ask staff to review it" in message(claimed)
    assert 'href="/accounts/residency/review"' in claimed.get_data(as_text=True)
    assert sorted(attempts(tamar)) == ["claimed", "not_listed", "not_listed"]
    assert attempts(holder) == ["verified"]


def test_no_district_chosen_says_so(app, client):
    load_census(app)
    log_in(client, make_user())
    response = confirm(client, district=None)
    assert response.status_code == 422
    assert "Please choose the district where you are registered." in response.get_data(as_text=True)


def test_the_personal_number_field_opens_the_numeric_keypad(client):
    log_in(client, make_user())
    html = client.get("/accounts/residency").get_data(as_text=True)
    field = re.search(r"<input[^>]*personal_number[^>]*>", html)[0]
    for attribute in ('inputmode="numeric"', 'pattern="[0-9]{11}"', 'autocomplete="off"'):
        assert attribute in field


def test_the_page_uses_the_glossary_term(client):
    log_in(client, make_user())
    html = client.get("/accounts/residency?lang=ka").get_data(as_text=True)
    assert "რეგისტრაციის ადგილის დადასტურება" in html
    assert "მცხოვრებლობ" not in html


def test_attempts_are_limited_per_account_and_per_personal_number(app, client):
    load_census(app)
    log_in(client, make_user())
    codes = [confirm(client, number=f"0100100{n:04d}").status_code for n in range(6)]
    assert codes == [422] * 5 + [429]
    other = app.test_client()  # same address, another account: not locked out
    log_in(other, make_user())
    assert confirm(other, number="01001000042").status_code == 422
    # One number tried from many accounts: locked after ten a day.
    for _ in range(10):
        probe = app.test_client()
        log_in(probe, make_user())
        assert confirm(probe, district="gldani").status_code == 422
    last = app.test_client()
    log_in(last, make_user())
    assert confirm(last, district="gldani").status_code == 429


def request_review(client, note="The number is mine; I never made another account."):
    return submit(
        client,
        "/accounts/residency/review?lang=en",
        {"personal_number": NUMBER, "district": by_slug("vake").id, "note": note},
    )


def test_admin_releases_a_claimed_number_to_the_resident_who_asked(app, client, mailbox):
    load_census(app)
    squatter, owner, admin = make_user(), make_user(), make_user(Role.ADMIN)
    log_in(client, squatter)
    confirm(client)
    client.post("/accounts/logout")
    log_in(client, owner)
    assert request_review(client).status_code == 302
    assert request_review(client).status_code == 409  # one open request at a time
    client.post("/accounts/logout")
    log_in(client, admin)
    page = client.get("/accounts/admin/residency-reviews?lang=en").get_data(as_text=True)
    assert owner.email in page
    assert squatter.email in page
    assert "Listed in this district" in page
    [review] = db.session.scalars(db.select(ResidencyReview)).all()
    url = f"/accounts/admin/residency-reviews/{review.id}"
    response = submit(client, url, {"decision": "release"}, form_url="/accounts/profile")
    assert response.status_code == 302
    db.session.refresh(owner)
    db.session.refresh(squatter)
    assert owner.verified_district_id == by_slug("vake").id
    assert squatter.verified_district_id is None
    assert squatter.personal_number_hmac is None
    assert review.status == "released"
    [entry] = db.session.scalars(audit.entries("residency.review.released")).all()
    assert (entry.actor_id, entry.details["released_from"]) == (admin.id, squatter.id)
    told = {m.to_addr for m in db.session.scalars(db.select(OutboxMail))}
    assert {owner.email, squatter.email} <= told
    again = submit(client, url, {"decision": "release"}, form_url="/accounts/profile")
    assert again.status_code == 409
    assert "No request is waiting." in client.get("/accounts/admin/residency-reviews?lang=en").text


def test_admin_refuses_a_review(app, client):
    load_census(app)
    owner = make_user()
    log_in(client, owner)
    submit(
        client,
        "/accounts/residency/review",
        {"personal_number": "01001099999", "district": by_slug("vake").id, "note": ""},
    )
    client.post("/accounts/logout")
    log_in(client, make_user(Role.ADMIN))
    page = client.get("/accounts/admin/residency-reviews?lang=en").get_data(as_text=True)
    assert "Not listed" in page
    assert 'value="release"' not in page  # nothing to release: the number is not on the list
    review = db.session.scalars(db.select(ResidencyReview)).one()
    url = f"/accounts/admin/residency-reviews/{review.id}"
    assert submit(client, url, {"decision": "release"}, form_url="/").status_code == 409
    assert submit(client, url, {"decision": "refuse"}, form_url="/").status_code == 302
    db.session.refresh(review)
    db.session.refresh(owner)
    assert (review.status, owner.verified_district_id) == ("refused", None)
    assert db.session.scalars(audit.entries("residency.review.refused")).first()


def test_review_pages_are_for_admins_and_the_review_request_for_residents(client):
    assert client.get("/accounts/residency/review").status_code == 302
    log_in(client, make_user(Role.EDITOR))
    assert client.get("/accounts/admin/residency-reviews").status_code == 403
    assert client.get("/accounts/residency/review").status_code == 200


def test_the_audit_of_a_refused_attempt_survives_the_refusal(app, client):
    """The refused request answers 422, which rolls back; the audit entry must stay."""
    load_census(app)
    user = make_user()
    log_in(client, user)
    confirm(client, district="gldani")
    count = db.session.scalar(
        db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "residency.attempt")
    )
    assert count == 1
