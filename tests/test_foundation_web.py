"""Ghia issue 7, "Foundation fixes": what a new user ran into, each as a regression test."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import pytest
from itsdangerous import BadSignature
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core.app import create_app
from core.db import db
from core.errors import Refused
from core.i18n import from_local, to_local
from core.models import Role, User
from core.security import local_path
from news import services
from news.models import Post
from tests.conftest import ROOT, csrf_token, submit
from tests.factories import PASSWORD, log_in, make_user
from tests.test_news_pages import make_post

EVIL = "https://evil.example"


def edit_form(post: Post, **changes) -> dict:
    form = {
        "title_ka": post.title_ka,
        "body_ka": post.body_ka,
        "title_en": post.title_en,
        "body_en": post.body_en,
        "kind": post.kind,
        "tags": ", ".join(post.tags),
    }
    return {**form, **changes}


def shown_date(client, post_id: int) -> str:
    html = client.get(f"/news/{post_id}/edit").get_data(as_text=True)
    return re.search(r'name="published_at"[^>]*value="([^"]*)"', html).group(1)


# 1. Dates: stored in UTC, shown and edited in TIMEZONE.


def test_time_helpers_turn_a_city_day_into_utc_and_back(ctx):
    moment = from_local(date(2017, 10, 20))
    assert moment == datetime(2017, 10, 19, 20, 0, tzinfo=UTC)
    assert to_local(moment).date() == date(2017, 10, 20)
    assert from_local(to_local(moment)) == moment


def test_editing_a_post_again_and_again_keeps_its_date(app, client):
    published_at = datetime.fromisoformat("2017-10-20T10:00:00+04:00")  # as the demo posts
    post = make_post(app, published_at=published_at)
    log_in(client, make_user(Role.EDITOR))
    for _ in range(3):
        day = shown_date(client, post.id)
        assert day == "2017-10-20"
        response = submit(
            client, f"/news/{post.id}/edit", edit_form(post, published_at=day, publish="1")
        )
        assert response.status_code == 302
    assert db.session.get(Post, post.id).published_at == published_at
    moved = submit(client, f"/news/{post.id}/edit", edit_form(post, published_at="2017-10-21"))
    assert moved.status_code == 302
    assert shown_date(client, post.id) == "2017-10-21"


# 2. Dates out of range and characters XML cannot carry.


def test_a_post_dated_year_one_is_refused_and_the_pages_keep_working(app, client):
    make_post(app)
    log_in(client, make_user(Role.EDITOR))
    form = {"title_ka": "ძველი", "body_ka": "ტექსტი", "kind": "news", "publish": "1"}
    response = submit(client, "/news/new?lang=en", {**form, "published_at": "0001-01-01"})
    assert response.status_code == 422
    assert "Please enter a date between 1990-01-01 and 2099-12-31." in response.get_data(
        as_text=True
    )
    assert db.session.scalars(db.select(Post).filter_by(title_ka="ძველი")).all() == []
    for path in ["/news/", "/news/feed.atom", "/news/drafts", "/"]:
        assert client.get(path).status_code == 200, path


def test_services_and_the_database_refuse_absurd_dates(app):
    with app.test_request_context():
        data = services.PostInput(
            title_ka="ა", body_ka="ბ", published_at=datetime(1, 1, 1, tzinfo=UTC)
        )
        with pytest.raises(Refused):
            services.save_post(None, data, None)
        post = make_post(app)
        year_one = text("UPDATE news_post SET published_at = '0001-01-01' WHERE id = :id")
        with pytest.raises(IntegrityError):
            db.session.execute(year_one, {"id": post.id})
        db.session.rollback()


def test_control_characters_are_removed_on_save_and_never_reach_the_feed(app, client):
    log_in(client, make_user(Role.EDITOR))
    form = {
        "title_ka": "ვერტიკალური\x0bტაბი",
        "body_ka": "ერთი\x0bორი\x1b",
        "title_en": "Vertical\x0btab",
        "body_en": "one\x0btwo\x0c\nthree",
        "kind": "news",
        "publish": "1",
    }
    assert submit(client, "/news/new", form).status_code == 302
    post = db.session.scalars(db.select(Post).filter_by(title_en="Verticaltab")).one()
    assert (post.title_ka, post.body_ka, post.body_en) == (
        "ვერტიკალურიტაბი",
        "ერთიორი",
        "onetwo\nthree",
    )
    with app.test_request_context():
        automatic = services.save_post(None, services.PostInput("ა\x0b", "ბ\x07"), None)
        assert (automatic.title_ka, automatic.body_ka) == ("ა", "ბ")
    parsed = feedparser.parse(client.get("/news/feed.atom?lang=en").data)
    assert parsed.bozo == 0
    assert [e.title for e in parsed.entries] == ["Verticaltab"]


def test_the_feed_survives_an_old_row_with_a_control_character(app, client):
    post = make_post(app)
    db.session.execute(
        text("UPDATE news_post SET title_en = 'Old' || chr(11) || 'row', body_en = chr(1)"),
    )
    db.session.commit()
    response = client.get("/news/feed.atom?lang=en")
    assert response.status_code == 200
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0
    assert [e.title for e in parsed.entries] == ["Oldrow"]
    assert client.get(f"/news/{post.id}").status_code == 200


# 3. The "form expired" page is no one-click attack.


def session_cookies(response) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]


@pytest.mark.parametrize("headers", [{"Origin": EVIL}, {"Referer": EVIL + "/x"}, {}])
def test_a_cross_site_post_gets_no_fields_no_token_and_no_new_session(app, headers):
    # A browser sends no SameSite=Lax session cookie with another site's POST.
    browser = app.test_client()
    response = browser.post(
        "/accounts/profile?lang=en", data={"name": "Attacker's name"}, headers=headers
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Attacker" not in html
    assert "csrf_token" not in html
    assert "it came from another website" in html
    assert session_cookies(response) == []


def test_a_same_site_expired_form_keeps_what_was_typed(client):
    response = client.post(
        "/accounts/signup?lang=en",
        data={"name": "Tamar"},
        headers={"Referer": "http://localhost/accounts/signup"},
    )
    assert response.status_code == 400
    assert "Tamar" in response.get_data(as_text=True)
    assert 'name="csrf_token"' in response.get_data(as_text=True)


# 4. Log-out ends the session and the remember-me cookie; log-in rotates the CSRF token.


def copy_cookies(source, target) -> None:
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie:
            target.set_cookie(name, cookie.value)


def test_logout_makes_copied_session_and_remember_cookies_useless(app, client):
    user = make_user()
    submit(client, "/accounts/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    thief, other_device = app.test_client(), app.test_client()
    copy_cookies(client, thief)
    log_in(other_device, user)
    assert thief.get("/accounts/profile").status_code == 200
    submit(client, "/accounts/logout", {}, form_url="/")
    assert client.get("/accounts/profile").status_code == 302
    assert thief.get("/accounts/profile").status_code == 302
    # Logging out ends every session of the account (see accounts.services.log_out).
    assert other_device.get("/accounts/profile").status_code == 302
    log_in(client, db.session.get(User, user.id))
    assert client.get("/accounts/profile").status_code == 200


def test_login_rotates_the_csrf_token(client):
    user = make_user()
    before = csrf_token(client, "/accounts/login")
    log_in(client, user)
    stale = client.post("/accounts/logout", data={"csrf_token": before})
    assert stale.status_code == 400
    assert client.get("/accounts/profile").status_code == 200


# 6. Language links and the post-login redirect stay on the site.

OFF_SITE_PATHS = [
    "/\\example.org",
    "/%2F%2Fexample.org",
    "/%5C%5Cexample.org/x",
    "/\\\t/example.org",
]


@pytest.mark.parametrize("path", OFF_SITE_PATHS)
def test_language_links_on_error_pages_stay_on_the_site(client, path):
    html = client.get(path).get_data(as_text=True)
    links = re.findall(r'href="([^"]*)" hreflang', html)
    assert links
    for link in links:
        assert link.startswith("/"), link
        assert link[1] not in "/\\", link


@pytest.mark.parametrize(
    "target",
    ["/\\example.org", "/\\/example.org", "//example.org", "https://e.org"],
)
def test_login_never_redirects_off_the_site(client, target):
    user = make_user()
    response = submit(
        client,
        "/accounts/login",
        {"email": user.email, "password": PASSWORD},
        query_string={"next": target},
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/news/?page=2", True),
        ("/ka/ნიუსები", True),
        ("/\\example.org", False),
        ("/\t/example.org", False),
        ("/\n/example.org", False),
        ("// example.org", False),
        ("///example.org", False),
        ("http://localhost/", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_local_path_accepts_only_paths_on_this_site(target, kept):
    assert (local_path(target) == target) is kept


# 7. Absolute links come from BASE_URL, never from the Host header.


def test_feed_links_ignore_the_host_header(app):
    post = make_post(app)
    browser = app.test_client()
    feed = browser.get("/news/feed.atom", base_url="http://evil.example").get_data(as_text=True)
    assert "evil.example" not in feed
    assert f"http://localhost/news/{post.id}" in feed


def test_mail_links_ignore_the_host_header(app, mailbox):
    browser = app.test_client()
    token = csrf_token(browser, "http://evil.example/accounts/signup")
    browser.post(
        "/accounts/signup",
        base_url="http://evil.example",
        data={
            "name": "Tamar",
            "email": "tamar@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "accept_terms": "y",
            "csrf_token": token,
        },
    )
    [mail] = db.session.scalars(db.select(text("body_text")).select_from(text("outbox_mail")))
    assert "http://localhost/accounts/confirm/" in mail
    assert "evil.example" not in mail


def test_no_code_builds_absolute_links_from_the_request():
    packages = ["core", "accounts", "news", "petitions", "budgeting", "smartmap", "templates"]
    offenders = [
        str(path.relative_to(ROOT))
        for package in packages
        for path in Path(ROOT, package).rglob("*.*")
        if path.suffix in {".py", ".html", ".txt"}
        and re.search(r"_external\s*=\s*True|url_root|host_url\b(?!\))", path.read_text())
        and path.name != "security.py"  # same_origin compares with the host, builds no link
    ]
    assert offenders == []


# 8. Private pages are not cached; request ids are clean.


def test_private_pages_are_not_stored_by_caches(client):
    public = client.get("/news/")
    assert "no-store" not in public.headers.get("Cache-Control", "")
    assert "no-store" in client.get("/accounts/login").headers["Cache-Control"]
    log_in(client, make_user(Role.ADMIN))
    for path in ["/news/", "/accounts/profile", "/admin/audit", "/news/drafts"]:
        assert client.get(path).headers["Cache-Control"] == "no-store", path


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("proxy-7f3a.1:2", True), ("x" * 65, False), ("id with spaces", False), ("ok\u2028x", False)],
)
def test_request_ids_are_sanitised(client, sent, kept):
    echoed = client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    assert (echoed == sent) is kept
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", echoed)


# 9. "Save as draft" on a published post does what it says.


def test_save_as_draft_on_a_published_post_unpublishes_it(app, client):
    post = make_post(app)
    log_in(client, make_user(Role.EDITOR))
    page = client.get(f"/news/{post.id}/edit?lang=en").get_data(as_text=True)
    assert 'value="Save as draft"' in page
    assert 'value="Save and keep published"' in page
    kept = submit(client, f"/news/{post.id}/edit", edit_form(post, title_en="v2", publish="1"))
    assert kept.status_code == 302
    assert db.session.get(Post, post.id).status == "published"
    drafted = submit(client, f"/news/{post.id}/edit", edit_form(post, title_en="v3", save="1"))
    assert drafted.status_code == 302
    assert db.session.get(Post, post.id).status == "draft"
    assert client.get(f"/news/{post.id}", headers={}).status_code == 200  # the editor sees it
    assert app.test_client().get(f"/news/{post.id}").status_code == 404  # the public does not


def test_session_cookies_are_signed_with_a_serializer_kept_per_set_of_keys(app):
    """Built once, not per request; a changed key gets a new one, which refuses cookies signed
    with the old key unless it is kept as a fallback."""
    own = create_app({key: app.config[key] for key in app.config if key.isupper()})
    interface = own.session_interface
    kept = interface.get_signing_serializer(own)
    assert interface.get_signing_serializer(own) is kept
    old_cookie = kept.dumps({"visited": True})
    own.config.update(SECRET_KEY="a new key")
    renewed = interface.get_signing_serializer(own)
    assert renewed is not kept
    with pytest.raises(BadSignature):
        renewed.loads(old_cookie)
    own.config.update(SECRET_KEY_FALLBACKS=[app.config["SECRET_KEY"]])
    assert interface.get_signing_serializer(own).loads(old_cookie) == {"visited": True}
    own.config.update(SECRET_KEY="")
    assert interface.get_signing_serializer(own) is None
