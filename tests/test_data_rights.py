"""Privacy notice and terms, "download my data" and "delete my account"."""

import json

import pytest

from accounts import census, services
from accounts.models import ResidencyReview
from core import audit
from core.db import db
from core.districts import by_slug
from core.errors import Refused
from core.models import AuditEntry, OutboxMail, Role, RoleGrant, User
from core.registry import registry
from news.models import Post
from tests.conftest import submit
from tests.factories import PASSWORD, log_in, make_user
from tests.test_news_pages import make_post

NUMBER = "01001012345"


@pytest.mark.parametrize(
    ("path", "english", "georgian"),
    [
        ("/privacy", "Law of Georgia on Personal Data Protection", "პერსონალურ მონაცემთა დაცვის"),
        ("/terms", "Terms of use", "გამოყენების პირობები"),
    ],
)
def test_privacy_notice_and_terms_are_bilingual(client, path, english, georgian):
    assert english in client.get(f"{path}?lang=en").get_data(as_text=True)
    page = client.get(f"{path}?lang=ka").get_data(as_text=True)
    assert georgian in page
    assert english not in page


def test_the_privacy_notice_names_the_controller_contact_and_rights(app, client):
    html = client.get("/privacy?lang=en").get_data(as_text=True)
    for part in (
        "Tbilisi City Hall",
        app.config["PRIVACY_CONTACT"],
        "HMAC",
        "Personal Data Protection Service",
    ):
        assert part in html
    assert 'href="/accounts/data"' in html
    assert 'href="/accounts/delete"' in html
    assert 'href="/privacy"' in client.get("/accounts/signup").get_data(as_text=True)


def confirmed_resident(app):
    user = make_user(Role.EDITOR, name="Nino Beridze")
    with app.test_request_context():
        census.import_census(f"personal_number,district\n{NUMBER},vake\n", make_user(Role.ADMIN))
        from accounts import residency

        residency.verify_residency(db.session.merge(user), NUMBER, by_slug("vake").id)
        db.session.commit()
    return user


def test_download_my_data_is_a_json_attachment_without_the_personal_number(app, client):
    user = confirmed_resident(app)
    post = make_post(app, publish=False)
    db.session.get(Post, post.id).author_id = user.id
    db.session.commit()
    log_in(client, user)
    response = client.get("/accounts/data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == user.email
    assert data["account"]["name"] == "Nino Beridze"
    assert "editor" in data["account"]["roles"]
    assert data["residency"]["verified_district"] == "vake"
    assert [e["action"] for e in data["audit_log"]] == ["residency.attempt"]
    assert data["news"] == [
        {
            "id": post.id,
            "title": post.title_ka,
            "status": "draft",
            "created_at": data["news"][0]["created_at"],
        }
    ]
    raw = response.get_data(as_text=True)
    assert NUMBER not in raw
    assert db.session.get(User, user.id).personal_number_hmac not in raw


def test_the_download_does_not_tell_that_another_account_holds_a_number(app, client):
    confirmed_resident(app)  # holds NUMBER
    other = make_user()
    with app.test_request_context():
        from accounts import residency

        with pytest.raises(Refused):
            residency.verify_residency(db.session.merge(other), NUMBER, by_slug("vake").id)
        db.session.commit()
    log_in(client, other)
    raw = client.get("/accounts/data").get_data(as_text=True)
    [attempt] = [e for e in json.loads(raw)["audit_log"] if e["action"] == "residency.attempt"]
    assert attempt["details"] == {}
    assert "claimed" not in raw


def test_download_needs_login(client):
    assert client.get("/accounts/data").status_code == 302


def delete(client, password=PASSWORD, understood="y"):
    return submit(
        client,
        "/accounts/delete?lang=en",
        {"current_password": password, "understood": understood},
    )


def test_deleting_the_account_erases_it_logs_out_and_frees_the_address(app, client, mailbox):
    user = confirmed_resident(app)
    user_id, email = user.id, user.email
    post = make_post(app)
    db.session.get(Post, post.id).author_id = user_id
    db.session.commit()
    log_in(client, user)
    with app.test_request_context():
        services.request_password_reset(email)  # mail waiting for them
        db.session.commit()
    wrong = delete(client, password="not my password")
    assert wrong.status_code == 422
    assert delete(client, understood="").status_code == 422
    response = delete(client)
    assert response.status_code == 302
    assert client.get("/accounts/profile").status_code == 302  # logged out
    assert db.session.get(User, user_id) is None  # nothing had to stay
    assert db.session.scalars(db.select(RoleGrant).filter_by(user_id=user_id)).all() == []
    assert db.session.scalars(db.select(OutboxMail).filter_by(to_addr=email)).all() == []
    kept = db.session.get(Post, post.id)
    assert (kept.title_ka, kept.author_id) == (post.title_ka, None)  # content stays, author goes
    [entry] = db.session.scalars(audit.entries("account.delete")).all()
    assert entry.ref == f"user:{user_id}"
    assert email not in json.dumps(entry.details)
    anonymous = app.test_client()
    assert (
        submit(anonymous, "/accounts/login", {"email": email, "password": PASSWORD}).status_code
        == 422
    )
    again = submit(
        anonymous,
        "/accounts/signup",
        {"name": "Nino", "email": email, "password": "a long password", "accept_terms": "y"},
    )
    assert again.status_code == 200
    assert services.find_user(email) is not None
    # The personal number was released: the new account can confirm it.
    with app.test_request_context():
        from accounts import residency

        residency.verify_residency(services.find_user(email), NUMBER, by_slug("vake").id)


def test_an_account_that_must_stay_is_anonymised_instead(app, client):
    """A module keeping rows that point at the account (a signature that counts)."""
    registry(app).erasers["test-signatures"] = lambda user: True
    try:
        user = confirmed_resident(app)
        user_id, email = user.id, user.email
        with app.test_request_context():
            from accounts import residency

            residency.request_review(db.session.merge(user), NUMBER, by_slug("vake").id, "mine")
            db.session.commit()
        log_in(client, user)
        assert delete(client).status_code == 302
    finally:
        registry(app).erasers.pop("test-signatures")
    row = db.session.get(User, user_id)
    assert row is not None
    assert email not in (row.email, row.name)
    assert "Nino" not in row.name
    assert (row.active, row.grants, row.personal_number_hmac) == (False, [], None)
    assert row.verified_district_id is None
    assert db.session.scalars(db.select(ResidencyReview).filter_by(user_id=user_id)).all() == []
    assert (
        submit(client, "/accounts/login", {"email": row.email, "password": PASSWORD}).status_code
        == 422
    )
    assert services.find_user(email) is None


def test_the_last_administrator_cannot_delete_their_account(client):
    admin = make_user(Role.ADMIN)
    log_in(client, admin)
    assert delete(client).status_code == 409
    assert db.session.get(User, admin.id) is not None
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 0
