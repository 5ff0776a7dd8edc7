"""Deny by default: every state-changing route refuses a request without a CSRF token."""

import pytest

from core.app import create_app
from core.models import Role
from core.permissions import require_confirmed
from tests.factories import log_in, make_post, make_user

# Routes that need a role, with one role that is refused.
ROLE_ROUTES = {
    "/accounts/admin/census": Role.EDITOR,
    "/links": Role.MODERATOR,
    "/links/remove": Role.MODERATOR,
}


def post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            values = {arg: 1 for arg in rule.arguments}
            if "token" in rule.arguments:
                values["token"] = "x"
            yield rule.endpoint, rule.build(values)[1]


def test_every_post_route_refuses_a_missing_csrf_token(app, client):
    routes = list(post_routes(app))
    assert len(routes) >= 8
    log_in(client, make_user(Role.ADMIN))
    for endpoint, path in routes:
        response = client.post(path, data={"anything": "1"})
        assert response.status_code == 400, endpoint


@pytest.mark.parametrize(("path", "role"), ROLE_ROUTES.items())
def test_role_routes_refuse_anonymous_and_the_wrong_role(client, path, role):
    anonymous = client.get(path) if path.endswith("census") else client.post(path)
    assert anonymous.status_code in (302, 400)
    log_in(client, make_user(role))
    if path.endswith("census"):
        assert client.get(path).status_code == 403
    else:
        from tests.conftest import csrf_token

        token = csrf_token(client, "/")
        assert client.post(path, data={"csrf_token": token}).status_code == 403


def test_anonymous_is_sent_to_log_in_with_a_message(client):
    response = client.get("/accounts/admin/census?lang=en", follow_redirects=True)
    assert "Please log in to continue." in response.get_data(as_text=True)


def test_cookies_are_http_only(client):
    user = make_user()
    response = log_in(client, user)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_admins_read_the_audit_log_and_others_cannot(app, client):
    make_post(app)
    log_in(client, make_user(Role.EDITOR))
    assert client.get("/admin/audit").status_code == 403
    client.post("/accounts/logout")
    log_in(client, make_user(Role.ADMIN))
    page = client.get("/admin/audit?action=news.publish&lang=en").get_data(as_text=True)
    assert "news.publish" in page
    assert "news.save" not in page


def test_unconfirmed_accounts_are_refused_where_confirmation_is_required(app):
    fresh = create_app(
        {
            "GHIA_ENV": "testing",
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )

    @fresh.get("/needs-confirmed")
    @require_confirmed
    def needs_confirmed():
        return "ok"

    client = fresh.test_client()
    log_in(client, make_user(confirmed=False))
    refused = client.get("/needs-confirmed?lang=en")
    assert refused.status_code == 403
    assert "Please confirm your e-mail address first." in refused.get_data(as_text=True)
    client.post("/accounts/logout")
    log_in(client, make_user())
    assert client.get("/needs-confirmed").get_data(as_text=True) == "ok"
