"""Accounts: sign-up with a real SMTP round trip, confirmation, log-in, reset, profile."""

import re

import pytest

from accounts import services
from core import mail
from core.db import db
from core.models import OutboxMail, Role, User
from tests.conftest import submit
from tests.factories import PASSWORD, log_in, make_user

LINK = re.compile(r"http://localhost(/accounts/\S+)")


def deliver(app, mailbox) -> list:
    with app.app_context():
        mail.send_due()
    return list(mailbox)


def link_in(message) -> str:
    return LINK.search(message.get_content()).group(1)


def sign_up(client, email="tamar@example.org", password="a long password", lang="ka"):
    return submit(
        client,
        f"/accounts/signup?lang={lang}",
        {"name": "Tamar", "email": email, "password": password, "accept_terms": "y"},
    )


def test_signup_sends_a_confirmation_over_smtp_and_the_link_confirms(app, client, mailbox):
    response = sign_up(client)
    assert response.status_code == 200
    assert "tamar@example.org" in response.get_data(as_text=True)
    [message] = deliver(app, mailbox)
    assert message["To"] == "tamar@example.org"
    user = db.session.scalars(db.select(User).filter_by(email="tamar@example.org")).one()
    assert not user.is_confirmed
    opened = client.get(link_in(message) + "?lang=en")  # what a mail scanner does, too
    assert opened.status_code == 200
    assert "Confirm my e-mail address" in opened.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.is_confirmed
    assert "The password you chose at sign-up" in opened.get_data(as_text=True)
    wrong = submit(client, link_in(message), {"password": "not the password"})
    assert wrong.status_code == 422
    db.session.refresh(user)
    assert not user.is_confirmed
    confirmed = submit(client, link_in(message), {"password": "a long password"})
    assert confirmed.status_code == 302
    db.session.refresh(user)
    assert user.is_confirmed


def test_the_confirmation_button_needs_the_csrf_token(app, client, mailbox):
    sign_up(client)
    [message] = deliver(app, mailbox)
    assert client.post(link_in(message)).status_code == 400
    user = db.session.scalars(db.select(User).filter_by(email="tamar@example.org")).one()
    assert not user.is_confirmed


def test_mail_is_written_in_the_language_of_the_signup(app, client, mailbox):
    sign_up(client, lang="en")
    [message] = deliver(app, mailbox)
    assert message["Subject"] == "Confirm your e-mail address for Ghia"
    assert message["Content-Language"] == "en"
    sign_up(client, email="giorgi@example.org", lang="ka")
    georgian = deliver(app, mailbox)[-1]
    assert georgian["Content-Language"] == "ka"
    assert georgian["Subject"] != "Confirm your e-mail address for Ghia"


def test_signup_answers_alike_for_a_known_address_and_warns_its_owner(app, client, mailbox):
    owner = make_user(email="known@example.org")
    known = sign_up(client, email="known@example.org")
    unknown = sign_up(client, email="new@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = lambda r, e: r.get_data(as_text=True).replace(e, "")  # noqa: E731
    assert strip(known, "known@example.org") == strip(unknown, "new@example.org")
    messages = deliver(app, mailbox)
    assert {m["To"] for m in messages} == {"known@example.org", "new@example.org"}
    assert db.session.scalar(db.select(db.func.count(User.id)).filter_by(email=owner.email)) == 1


def test_signup_with_bad_input_keeps_what_was_typed(client):
    response = submit(
        client,
        "/accounts/signup?lang=en",
        {"name": "Tamar", "email": "not-an-address", "password": "short"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This does not look like an e-mail address." in html
    assert "Use at least 10 characters." in html
    assert 'value="Tamar"' in html
    assert 'value="not-an-address"' in html


def test_signup_without_csrf_token_is_refused_but_keeps_the_input(client):
    response = client.post(
        "/accounts/signup?lang=en",
        data={"name": "Tamar", "email": "t@x.org"},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The form has expired" in html
    assert "t@x.org" in html


def confirmation_link(app, user) -> str:
    with app.test_request_context():
        from accounts.tokens import confirmation_token

        return f"/accounts/confirm/{confirmation_token(user)}"


def test_expired_and_forged_confirmation_links_say_what_to_do_next(client, app):
    user = make_user(confirmed=False)
    link = confirmation_link(app, user)
    app.config["EMAIL_CONFIRM_MAX_AGE"] = -1
    try:
        expired = client.get(f"{link}?lang=en")
        expired_post = submit(client, f"{link}?lang=en", {}, form_url="/accounts/login")
    finally:
        app.config["EMAIL_CONFIRM_MAX_AGE"] = 48 * 3600
    assert (expired.status_code, expired_post.status_code) == (410, 410)
    html = expired.get_data(as_text=True)
    assert "expired" in html
    assert 'href="/accounts/login?next=/accounts/profile' in html  # log in, then resend
    assert 'href="/accounts/signup"' in html
    forged = client.get(f"{link}x?lang=en")
    assert forged.status_code == 404
    assert 'href="/accounts/login?next=' in forged.get_data(as_text=True)
    log_in(client, user)
    logged_in = client.get(f"{link}x?lang=en").get_data(as_text=True)
    assert 'action="/accounts/confirm/resend"' in logged_in
    assert "Send the link again" in logged_in


def test_expired_and_used_reset_links_link_to_a_new_one(app, client, mailbox):
    user = make_user(email="again@example.org")
    with app.test_request_context():
        from accounts.tokens import reset_token

        link = f"/accounts/reset/{reset_token(user)}?lang=en"
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        expired = client.get(link)
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 2 * 3600
    assert expired.status_code == 410
    assert 'href="/accounts/reset"' in expired.get_data(as_text=True)
    form = {"password": "a brand new password", "confirm": "a brand new password"}
    assert submit(client, link, form).status_code == 302
    client.post("/accounts/logout")
    used = client.get(link)
    assert used.status_code == 404
    assert 'href="/accounts/reset"' in used.get_data(as_text=True)


def test_login_and_logout(client):
    user = make_user()
    log_in(client, user)
    assert user.name in client.get("/").get_data(as_text=True)
    response = submit(client, "/accounts/logout", {}, form_url="/")
    assert response.status_code == 302
    assert "/accounts/login" in client.get("/").get_data(as_text=True)


def test_login_answers_alike_for_unknown_address_and_wrong_password(client):
    user = make_user()
    wrong = submit(client, "/accounts/login?lang=en", {"email": user.email, "password": "nope!"})
    unknown = submit(
        client, "/accounts/login?lang=en", {"email": "nobody@example.org", "password": "nope!"}
    )
    assert wrong.status_code == unknown.status_code == 422
    message = "The e-mail address or the password is not right."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_login_redirects_only_to_local_next(client):
    user = make_user()
    response = submit(
        client,
        "/accounts/login?next=https://evil.example/",
        {"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"
    client.post("/accounts/logout")
    response = submit(
        client, "/accounts/login?next=/news/", {"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/news/"


def test_login_is_rate_limited(client):
    for _ in range(10):
        submit(client, "/accounts/login", {"email": "x@example.org", "password": "wrong"})
    response = submit(
        client,
        "/accounts/login?lang=en",
        {"email": "x@example.org", "password": "wrong"},
        headers={"Referer": "http://localhost/accounts/login"},
    )
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Too many attempts" in html
    assert "x@example.org" in html  # what was typed is offered again
    assert "wrong" not in html  # but never the password


def test_password_reset_round_trip_works_once(app, client, mailbox):
    user = make_user(email="reset@example.org")
    response = submit(client, "/accounts/reset", {"email": "reset@example.org"})
    unknown = submit(client, "/accounts/reset", {"email": "nobody@example.org"})
    assert response.status_code == unknown.status_code == 200
    [message] = deliver(app, mailbox)
    url = link_in(message)
    changed = submit(
        client, url, {"password": "a brand new password", "confirm": "a brand new password"}
    )
    assert changed.status_code == 302
    assert services.authenticate(user.email, "a brand new password")
    client.post("/accounts/logout")
    assert client.get(url).status_code == 404


def test_profile_saves_district_and_language(client):
    user = make_user()
    log_in(client, user)
    vake = db.session.scalars(db.select(services.District).filter_by(slug="vake")).one()
    response = submit(
        client, "/accounts/profile", {"name": "Nino B.", "district": vake.id, "locale": "en"}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.district_id, user.locale) == ("Nino B.", vake.id, "en")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_profile_refuses_an_unknown_district(client):
    log_in(client, make_user())
    response = submit(
        client, "/accounts/profile?lang=en", {"name": "Nino", "district": 999999, "locale": "ka"}
    )
    assert response.status_code == 422


def test_profile_needs_login(client):
    response = client.get("/accounts/profile")
    assert response.status_code == 302
    assert "/accounts/login" in response.headers["Location"]


def test_outbox_keeps_mail_while_smtp_is_down(app, client):
    sign_up(client, email="later@example.org")
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there
    try:
        with app.app_context():
            assert mail.send_due() == (0, 1)
    finally:
        app.config["MAIL_PORT"] = port
    queued = db.session.scalars(db.select(OutboxMail).filter_by(to_addr="later@example.org")).one()
    assert (queued.status, queued.attempts) == ("pending", 1)
    assert queued.last_error


def test_signup_and_reset_are_rate_limited_per_typed_address(client):
    for _ in range(5):
        sign_up(client, email="flood@example.org")
    assert sign_up(client, email="flood@example.org").status_code == 429
    for _ in range(5):
        submit(client, "/accounts/reset", {"email": "someone@example.org"})
    assert submit(client, "/accounts/reset", {"email": "someone@example.org"}).status_code == 429


def test_changing_the_password_logs_out_other_devices(app, client):
    user = make_user()
    other_device = app.test_client()
    log_in(other_device, user)
    log_in(client, user)
    wrong = submit(
        client,
        "/accounts/password?lang=en",
        {
            "current_password": "not it",
            "password": "a new long password",
            "confirm": "a new long password",
        },
    )
    assert wrong.status_code == 422
    assert "The current password is not right." in wrong.get_data(as_text=True)
    changed = submit(
        client,
        "/accounts/password",
        {
            "current_password": PASSWORD,
            "password": "a new long password",
            "confirm": "a new long password",
        },
    )
    assert changed.status_code == 302
    assert client.get("/accounts/profile").status_code == 200
    assert other_device.get("/accounts/profile").status_code == 302
    assert services.authenticate(user.email, "a new long password")


def test_a_password_reset_also_ends_other_sessions(app, client, mailbox):
    user = make_user(email="lost@example.org")
    other_device = app.test_client()
    log_in(other_device, user)
    submit(client, "/accounts/reset", {"email": "lost@example.org"})
    [message] = deliver(app, mailbox)
    submit(
        client,
        link_in(message),
        {"password": "another long password", "confirm": "another long password"},
    )
    assert other_device.get("/accounts/profile").status_code == 302


@pytest.mark.parametrize(
    ("role", "tools"),
    [
        (None, []),
        (Role.MODERATOR, ["Petition moderation"]),
        (Role.EDITOR, ["Write a post", "Drafts"]),
        (
            Role.ADMIN,
            ["Write a post", "Drafts", "Census list", "Audit log", "Failed jobs"]
            + ["Petition moderation"],
        ),
    ],
)
def test_profile_shows_the_staff_tools_a_role_may_use(client, role, tools):
    log_in(client, make_user(role))
    page = client.get("/accounts/profile?lang=en").get_data(as_text=True)
    assert ("Staff tools" in page) == bool(tools)
    labels = ["Write a post", "Drafts", "Census list", "Audit log", "Failed jobs"]
    for label in [*labels, "Petition moderation"]:
        assert (f">{label}</a>" in page) == (label in tools), label


def selected_district(html: str) -> str | None:
    select = re.search(r'<select[^>]*name="district".*?</select>', html, re.S)[0]
    chosen = re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected', select)
    return chosen and (chosen[1] or chosen[2])


def test_profile_shows_the_saved_district_so_saving_the_name_keeps_it(client):
    vake = db.session.scalars(db.select(services.District).filter_by(slug="vake")).one()
    user = make_user()
    user.district_id = vake.id
    db.session.commit()
    log_in(client, user)
    assert selected_district(client.get("/accounts/profile").get_data(as_text=True)) == str(vake.id)
    # The browser sends back what the form shows; only the name changed.
    submit(client, "/accounts/profile", {"name": "Nino B.", "district": vake.id, "locale": "ka"})
    db.session.refresh(user)
    assert (user.name, user.district_id) == ("Nino B.", vake.id)


def test_very_common_passwords_are_refused_everywhere(app, client, mailbox):
    common = "qwertyuiop"  # long enough, and on every leaked-password list
    signup = sign_up(client, email="common@example.org", password=common, lang="en")
    assert signup.status_code == 422
    assert "among the most common" in signup.get_data(as_text=True)
    assert services.find_user("common@example.org") is None
    user = make_user()
    log_in(client, user)
    change = submit(
        client,
        "/accounts/password?lang=en",
        {"current_password": PASSWORD, "password": "Password123", "confirm": "Password123"},
    )
    assert change.status_code == 422
    assert "among the most common" in change.get_data(as_text=True)
    client.post("/accounts/logout")
    submit(client, "/accounts/reset", {"email": user.email})
    [message] = deliver(app, mailbox)
    reset = submit(client, link_in(message), {"password": "1234567890", "confirm": "1234567890"})
    assert reset.status_code == 422
    assert services.authenticate(user.email, PASSWORD)


def test_names_refuse_line_breaks_and_control_characters(client):
    # A NUL is refused before any view (core.inputs), with a 400 of its own.
    for name in ("Tamar\nAdmin", "Tamar\u0085"):
        response = submit(
            client,
            "/accounts/signup?lang=en",
            {
                "name": name,
                "email": "t@example.org",
                "password": "a long password",
                "accept_terms": "y",
            },
        )
        assert response.status_code == 422, repr(name)
        assert "one line" in response.get_data(as_text=True)
    user = make_user()
    log_in(client, user)
    response = submit(
        client, "/accounts/profile", {"name": "Nino\r\nB.", "district": 0, "locale": "ka"}
    )
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.name == "Nino Beridze"


def test_signup_needs_consent_and_records_it(client):
    refused = submit(
        client,
        "/accounts/signup?lang=en",
        {"name": "Tamar", "email": "t@example.org", "password": "a long password"},
    )
    assert refused.status_code == 422
    assert "Please accept the terms" in refused.get_data(as_text=True)
    assert services.find_user("t@example.org") is None
    sign_up(client, email="t@example.org")
    user = services.find_user("t@example.org")
    assert user.terms_version == services.TERMS_VERSION
    assert user.terms_accepted_at is not None


def test_unconfirmed_account_sees_a_banner_that_sends_the_link_again(app, client, mailbox):
    user = make_user(confirmed=False)
    log_in(client, user)
    html = client.get("/news/?lang=en").get_data(as_text=True)
    assert "is not confirmed yet" in html
    assert 'action="/accounts/confirm/resend?next=/news/"' in html
    response = submit(client, "/accounts/confirm/resend?next=/news/", {}, form_url="/news/")
    assert response.headers["Location"] == "/news/"
    [message] = deliver(app, mailbox)
    assert message["To"] == user.email
    assert "/accounts/confirm/" in link_in(message)
    confirmed = make_user()
    other = app.test_client()
    log_in(other, confirmed)
    assert "is not confirmed yet" not in other.get("/news/?lang=en").get_data(as_text=True)


def test_the_newest_link_does_not_confirm_a_password_the_mailbox_owner_never_chose(
    app, client, mailbox
):
    """Someone signs up with another person's address after them: the owner's mailbox gets
    the newest link, but pressing its button without that password confirms nothing."""
    sign_up(client, email="owner@example.org", password="the owner's long password")
    attacker = app.test_client()
    sign_up(attacker, email="owner@example.org", password="the attacker's password")
    assert log_in_with(attacker, "owner@example.org", "the attacker's password") == 302
    newest = deliver(app, mailbox)[-1]
    owner_browser = app.test_client()
    pressed = submit(owner_browser, link_in(newest), {"password": "the owner's long password"})
    assert pressed.status_code == 422
    assert not services.find_user("owner@example.org").is_confirmed
    # The attacker's own session cannot confirm it either: the link is in the owner's mailbox,
    # and as a logged-in visitor they would still need it.
    assert "is not confirmed yet" in attacker.get("/news/?lang=en").get_data(as_text=True)


def log_in_with(client, email: str, password: str) -> int:
    return submit(client, "/accounts/login", {"email": email, "password": password}).status_code


def test_signing_up_again_with_an_unconfirmed_address_sends_a_fresh_link(app, client, mailbox):
    sign_up(client, email="again@example.org", password="the first long password")
    [first] = deliver(app, mailbox)
    sign_up(client, email="again@example.org", password="the second long password")
    second = deliver(app, mailbox)[-1]
    assert second["Subject"] == first["Subject"]  # a confirmation again, not "you have an account"
    assert link_in(second) != link_in(first)
    form = {"password": "the second long password"}
    assert submit(client, link_in(first), form, form_url="/accounts/login").status_code == 404
    assert submit(client, link_in(second), form, form_url="/accounts/login").status_code == 302
    user = services.find_user("again@example.org")
    assert user.is_confirmed
    # Whoever read the mailbox chose the password that now works.
    assert services.authenticate(user.email, "the second long password")
    assert not services.authenticate(user.email, "the first long password")
    assert db.session.scalar(db.select(db.func.count(User.id)).filter_by(email=user.email)) == 1
