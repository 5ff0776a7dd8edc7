"""Bad input is the sender's mistake: a 4xx with a message, never a 500, on every route.

The walk sends every route of the URL map ids beyond the column's range, a 25-digit page,
references to absurd ids, NUL bytes and control characters in the path, the query string,
form fields and headers, as an anonymous visitor and as an admin. The app runs with TESTING,
so an unhandled exception fails the test instead of becoming a page.
"""

import pytest

from core.models import Role
from tests.conftest import csrf_token, submit
from tests.factories import log_in, make_user
from tests.test_news_pages import make_post

HUGE = "9" * 25
BAD_QUERIES = [
    {"page": HUGE},
    {"page": "2147483648"},
    {"ref": "news:999999999999", "action": "x\x00"},
    {"tag": "\x00", "kind": "\x00", "q": "\x00"},
    {"next": "/\x00", "lang": "\x01"},
]
BAD_FORMS = [
    {
        "name": "Tamar\x00",
        "title_ka": "\x00",
        "email": "a@b.org\x00",
        "personal_number": "0\x00",
    },
    {
        "ref": "news:999999999999",
        "source": "news:99999999999",
        "district": HUGE,
        "kind": "news",
        "title_ka": "სათაური\x0b",
        "body_ka": "ტექსტი\x01",
        "published_at": "99999-01-01",
        "page": HUGE,
    },
]
# Huge Georgian text (three bytes a letter) in every usual text field of the modules' forms.
GEORGIAN = "ქართული ტექსტი " * 700  # 10,500 letters: far past every limit
BAD_FORMS.append(
    {
        field: GEORGIAN
        for field in [
            "name",
            "title",
            "summary",
            "details",
            "description",
            "title_ka",
            "title_en",
            "body_ka",
            "body_en",
            "name_ka",
            "name_en",
            "reason",
            "explanation",
            "response",
            "public_message",
            "internal_note",
            "q",
            "email",
            "address",
        ]
    }
)
BAD_HEADERS = [{"X-Request-ID": "a\x01b"}, {"User-Agent": "x\x00y"}, {"Accept-Language": "\x7f"}]


def bad_paths(app):
    """Every route, built with out-of-range ids and, for text arguments, a NUL byte."""
    for rule in app.url_map.iter_rules():
        for bad_int, bad_text in [(2**31, "x\x00"), (HUGE, "\x01")]:
            values = {
                arg: bad_text if arg in ("token", "filename") else 1 for arg in rule.arguments
            }
            path = rule.build(values)[1]
            for arg in rule.arguments:
                if arg not in ("token", "filename"):
                    path = path.replace("/1", f"/{bad_int}", 1)
            yield rule, path


def walk(app, client, token: str, skip=()):
    for rule, path in bad_paths(app):
        if rule.endpoint in skip:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            send = client.get if method == "GET" else client.post
            requests = [{"query_string": query} for query in BAD_QUERIES]
            requests += [{"headers": headers} for headers in BAD_HEADERS]
            if method == "POST":
                requests += [{"data": {**form, "csrf_token": token}} for form in BAD_FORMS]
            for request in requests:
                response = send(path, **request)
                assert response.status_code < 500, (rule.rule, path, request)
                assert response.status_code >= 400 or rule.arguments == set(), (path, request)


def test_every_route_answers_bad_input_with_a_4xx_for_anonymous(app, client):
    make_post(app)
    walk(app, client, csrf_token(client, "/accounts/login"))


def test_every_route_answers_bad_input_with_a_4xx_for_an_admin(app, client):
    make_post(app)
    log_in(client, make_user(Role.ADMIN))
    walk(app, client, csrf_token(client, "/accounts/profile"), skip={"accounts.logout"})
    assert client.get("/accounts/profile").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/news/2147483648",
        "/news/" + HUGE,
        "/news/" + HUGE + "/edit",
        "/news/attachments/99999999999/a.pdf",
        "/news/?page=" + HUGE,
        "/admin/audit?page=" + HUGE,
    ],
)
def test_ids_and_pages_beyond_the_range_are_not_found(client, path):
    log_in(client, make_user(Role.ADMIN))
    assert client.get(path).status_code == 404


def test_nul_and_control_characters_are_refused_with_a_message(client):
    for response in [
        client.get("/news/?tag=%00&lang=en"),
        client.get("/news/%00?lang=en"),
        client.get("/news/?lang=en", headers={"X-Anything": "a\x01b"}),
        submit(client, "/accounts/signup?lang=en", {"name": "Ta\x00mar", "email": "t@e.org"}),
    ]:
        assert response.status_code == 400
        assert "invisible control characters" in response.get_data(as_text=True)


def test_a_link_to_an_absurd_id_is_refused_with_a_message(app, client):
    post = make_post(app)
    log_in(client, make_user(Role.EDITOR))
    response = submit(
        client,
        "/links?lang=en",
        {"source": post.ref, "ref": "news:999999999999"},
        form_url=f"/news/{post.id}",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "is not a known reference" in response.get_data(as_text=True)


def test_utf8_text_in_a_header_is_not_mistaken_for_control_characters(client):
    georgian = "ქართული".encode().decode("latin-1")  # how a raw UTF-8 header arrives
    assert client.get("/news/", headers={"X-Note": georgian}).status_code == 200
