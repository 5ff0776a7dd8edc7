"""Rate limits count per account and per typed e-mail address, so one shared network (a City
Hall kiosk, a university) does not lock everyone out, while one account or address is
protected tightly."""

from tests.conftest import submit
from tests.factories import PASSWORD, log_in, make_user

KIOSK = {"REMOTE_ADDR": "192.0.2.10"}


def kiosk_client(app):
    client = app.test_client()
    client.environ_base.update(KIOSK)
    return client


def try_login(client, email, password="wrong password"):
    return submit(client, "/accounts/login", {"email": email, "password": password})


def test_many_people_at_one_kiosk_can_log_in(app):
    client = kiosk_client(app)
    for number in range(30):  # more than any one address-wide limit used to allow
        assert try_login(client, f"person{number}@example.org").status_code == 422
    user = make_user()
    assert try_login(client, user.email, PASSWORD).status_code == 302


def test_guessing_one_account_s_password_is_stopped_even_across_addresses(app):
    user = make_user()
    for number in range(10):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number}"
        assert try_login(client, user.email).status_code == 422
    elsewhere = app.test_client()
    assert try_login(elsewhere, user.email).status_code == 429
    assert try_login(elsewhere, "someone.else@example.org").status_code == 422


def test_sign_up_and_reset_at_one_kiosk_are_limited_per_address_typed(app):
    client = kiosk_client(app)
    for number in range(12):
        form = {
            "name": "Tamar",
            "email": f"new{number}@example.org",
            "password": "a long password",
            "accept_terms": "y",
        }
        assert submit(client, "/accounts/signup", form).status_code == 200
        reset = submit(client, "/accounts/reset", {"email": f"new{number}@example.org"})
        assert reset.status_code == 200


def change_password(client, current):
    return submit(
        client,
        "/accounts/password",
        {
            "current_password": current,
            "password": "a new long password",
            "confirm": "a new long password",
        },
    )


def test_the_current_password_check_is_limited_per_account(app, client):
    user = make_user()
    log_in(client, user)
    codes = [change_password(client, "not it").status_code for _ in range(6)]
    assert codes == [422] * 5 + [429]
    neighbour = app.test_client()  # the same address, another account
    log_in(neighbour, make_user())
    assert change_password(neighbour, PASSWORD).status_code == 302


def test_account_deletion_s_password_check_is_limited_per_account(client):
    log_in(client, make_user())
    form = {"current_password": "not it", "understood": "y"}
    codes = [submit(client, "/accounts/delete", form).status_code for _ in range(6)]
    assert codes == [422] * 5 + [429]


def test_resending_the_confirmation_is_limited_per_account(app, client):
    log_in(client, make_user(confirmed=False))
    codes = [
        submit(client, "/accounts/confirm/resend", {}, form_url="/accounts/profile").status_code
        for _ in range(6)
    ]
    assert codes == [302] * 5 + [429]
    neighbour = app.test_client()
    log_in(neighbour, make_user(confirmed=False))
    resent = submit(neighbour, "/accounts/confirm/resend", {}, form_url="/accounts/profile")
    assert resent.status_code == 302
