"""Modules plug in: the app works with any of them left out of GHIA_MODULES."""

import os
import re
import subprocess
import sys

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from core import events
from core.app import create_app
from core.config import KNOWN_MODULES
from core.db import db
from core.models import Role
from core.registry import registry
from news.models import Post
from tests.conftest import ROOT
from tests.factories import make_user

# A page of each module, and what its link in the header says.
MODULE_PAGES = {
    "accounts": ("/accounts/login", "/accounts/signup"),
    "news": ("/news/", "/news/"),
    "petitions": ("/petitions/", "/petitions/"),
    "budgeting": ("/budget/", "/budget/"),
    "smartmap": ("/map/", "/map/"),
}
SETTINGS = (
    "GHIA_ENV",
    "TESTING",
    "SQLALCHEMY_DATABASE_URI",
    "MAIL_SERVER",
    "MAIL_PORT",
    "UPLOAD_DIR",
    "BASE_URL",
    "SECRET_KEY",
)


def app_without(app, missing: str):
    """The test app's settings, with one module left out (an unknown endpoint would raise)."""
    kept = ",".join(name for name in KNOWN_MODULES if name != missing)
    return create_app({**{key: app.config[key] for key in SETTINGS}, "GHIA_MODULES": kept})


@pytest.mark.parametrize("missing", KNOWN_MODULES)
def test_every_page_works_without_a_module(app, missing):
    client = app_without(app, missing).test_client()
    home = client.get("/")
    assert home.status_code == 200
    page, header_link = MODULE_PAGES[missing]
    assert f'href="{header_link}"' not in home.get_data(as_text=True)
    for name, (other_page, other_link) in MODULE_PAGES.items():
        if name != missing:
            assert client.get(other_page).status_code == 200, other_page
            assert f'href="{other_link}"' in home.get_data(as_text=True)
    assert client.get(page).status_code == 404
    not_found = client.get("/no/such/page")
    assert not_found.status_code == 404
    assert '<html lang="ka">' in not_found.get_data(as_text=True)
    validate(client.get("/api/v1/openapi.json").get_json())
    district = client.get("/districts/vake?lang=en")  # core's page, whatever panels are plugged
    assert district.status_code == 200
    assert ("No news about this district yet." in district.get_data(as_text=True)) == (
        missing != "news"
    )


def test_without_news_there_is_no_feed_and_no_news_api(app):
    client = app_without(app, "news").test_client()
    assert "/news/feed.atom" not in client.get("/").get_data(as_text=True)
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert not any("news" in path for path in paths)
    assert {"/healthz", "/api/v1/districts.geojson"} <= set(paths)


def test_events_reach_only_the_subscribers_of_the_app_s_own_modules(app):
    text = {"title": {"ka": "ზღვარი", "en": "Threshold"}, "body": {"ka": "ტექსტი", "en": "Text"}}
    with app_without(app, "news").test_request_context():
        assert events.emit("threshold_reached", "thing:1", {"news": text}) is not None
        assert db.session.scalar(select(func.count(Post.id))) == 0


def test_without_accounts_pages_that_need_a_user_answer_401(app):
    client = app_without(app, "accounts").test_client()
    response = client.get("/news/new?lang=en")
    assert response.status_code == 401
    assert "Please log in to continue." in response.get_data(as_text=True)


def test_a_module_left_out_of_one_app_stays_in_another(app, client):
    app_without(app, "news")
    assert "news.index" in [entry.endpoint for entry in registry(app).nav]
    assert 'href="/news/"' in client.get("/").get_data(as_text=True)


def test_staff_tools_come_from_each_module(app, client):
    from tests.factories import log_in

    log_in(client, make_user(Role.EDITOR))
    profile = client.get("/accounts/profile?lang=en").get_data(as_text=True)
    assert 'href="/news/new"' in profile
    assert 'href="/admin/audit"' not in profile


def run_python(code: str, modules: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "GHIA_MODULES": modules}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_ghia_modules_is_read_from_the_environment():
    done = run_python(
        "from core.config import load_config; print(load_config()['GHIA_MODULES'])",
        " news, smartmap ,",
    )
    assert done.stdout.strip() == "('news', 'smartmap')"


def test_an_unknown_module_stops_the_start_with_a_clear_error():
    done = run_python("from core.app import create_app; create_app()", "news,blog")
    assert done.returncode != 0
    assert "GHIA_MODULES names unknown modules: blog" in done.stderr


def test_core_and_the_shared_templates_name_no_module_endpoint():
    """Modules register their endpoints; core only reads the registry."""
    endpoint = re.compile(rf"""["']({"|".join(KNOWN_MODULES)})(_api)?\.\w+["']""")
    shared = [*(ROOT / "core").rglob("*.py"), ROOT / "templates" / "layout.html"]
    for folder in ("core", "macros", "errors"):
        shared += (ROOT / "templates" / folder).glob("*.html")
    named = {str(path): endpoint.findall(path.read_text()) for path in shared}
    assert {path: found for path, found in named.items() if found} == {}
