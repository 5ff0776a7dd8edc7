"""Every core page answers in Georgian by default and in English on request."""

import pytest

PAGES = [
    "/",
    "/news/",
    "/petitions/",
    "/budget/",
    "/map/",
    "/districts/vake",
    "/accounts/login",
    "/accounts/signup",
    "/accounts/reset",
    "/healthz",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_answers_in_georgian_by_default(client, path):
    response = client.get(path)
    assert response.status_code == 200
    if response.mimetype == "text/html":
        assert '<html lang="ka">' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_page_answers_in_english_on_request(client, path):
    response = client.get(path, query_string={"lang": "en"})
    assert response.status_code == 200
    if response.mimetype == "text/html":
        assert '<html lang="en">' in response.get_data(as_text=True)


def test_language_choice_is_remembered_in_a_cookie(client):
    client.get("/", query_string={"lang": "en"})
    assert '<html lang="en">' in client.get("/news/").get_data(as_text=True)


def test_accept_language_is_honoured(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_unknown_language_falls_back_to_georgian(client):
    assert '<html lang="ka">' in client.get("/?lang=xx").get_data(as_text=True)


def test_healthz_reports_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_security_headers_forbid_inline_script(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_connect_src_allows_the_geocoder_and_configured_origins():
    from core.security import connect_sources, content_security_policy

    config = {
        "GEOCODER_URL": "https://geo.example.ge/search?format=json",
        "CSP_CONNECT_SRC": "https://stats.example.ge  https://geo.example.ge",
    }
    sources = connect_sources(config)
    assert sources == ["https://stats.example.ge", "https://geo.example.ge"]
    policy = content_security_policy("https://{s}.tile.example/{z}/{x}/{y}.png", sources)
    assert "connect-src 'self' https://stats.example.ge https://geo.example.ge;" in policy
    assert "connect-src 'self';" in content_security_policy("/tiles/{z}/{x}/{y}.png", [])
    assert connect_sources({"GEOCODER_URL": "", "CSP_CONNECT_SRC": ""}) == []
    injected = {"GEOCODER_URL": "", "CSP_CONNECT_SRC": "https://a.example;script-src * javascript:"}
    assert connect_sources(injected) == []  # only plain origins reach the policy


def test_app_with_a_geocoder_lets_the_browser_reach_it():
    from core.app import create_app

    app = create_app(
        {"GHIA_ENV": "testing", "TESTING": True, "GEOCODER_URL": "https://geo.example.ge/search"}
    )
    policy = app.test_client().get("/healthz").headers["Content-Security-Policy"]
    assert "connect-src 'self' https://geo.example.ge;" in policy


def test_pages_have_no_inline_script(client):
    for path in PAGES[:-1]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html
        assert "onclick=" not in html


def test_not_found_is_a_translated_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert '<html lang="ka">' in response.get_data(as_text=True)
    english = client.get("/no/such/page?lang=en")
    assert "We could not find this page." in english.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404


def test_district_geojson_lists_the_ten_districts(client):
    collection = client.get("/api/v1/districts.geojson").get_json()
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 10
    assert {f["geometry"]["type"] for f in collection["features"]} == {"MultiPolygon"}


def test_dev_mail_page_is_absent_outside_development(client):
    assert client.get("/dev/mail").status_code == 404


def test_openapi_document_is_valid_and_lists_the_public_endpoints(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert {"/api/v1/districts.geojson", "/healthz", "/news/feed.atom"} <= set(document["paths"])
