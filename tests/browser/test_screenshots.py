"""Screenshots of the main pages in both languages on a desk and a phone, for a person to look
at (a Georgian word overflowing, a control off-screen). Only with GHIA_SHOTS=<directory>:
    GHIA_SHOTS=/tmp/shots .venv/bin/python -m pytest tests/browser/test_screenshots.py
"""

import os
import re
from pathlib import Path

import pytest

from core.db import db
from tests.factories import PASSWORD, make_user

SHOTS = os.environ.get("GHIA_SHOTS")
PAGES = {
    "home": "/",
    "news": "/news/",
    "district": "/districts/vake",
    "map": "/map/",
    "signup": "/accounts/signup",
    "profile": "/accounts/profile",
    "residency": "/accounts/residency",
}
ELSEWHERE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")

pytestmark = pytest.mark.skipif(not SHOTS, reason="set GHIA_SHOTS=<directory> to take them")


def shoot(page, folder: Path, name: str) -> None:
    """The whole page, and its first screen (what a phone shows before scrolling)."""
    page.screenshot(path=folder / f"{name}.png", full_page=True)
    page.screenshot(path=folder / f"{name}-top.png")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["ka", "en"])
def test_take_screenshots_of_the_main_pages(browser, live_server, app, lang, width):
    from news.demo import load

    with app.test_request_context():
        load()
        db.session.commit()
        email = make_user(locale=lang).email
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.route(ELSEWHERE, lambda route: route.abort())
    for name in ("home", "news", "district", "map", "signup"):
        page.goto(f"{PAGES[name]}?lang={lang}", wait_until="load")
        page.wait_for_timeout(300)  # Leaflet starts after `load`
        shoot(page, folder, f"{name}-{lang}-{width}")
    page.goto(f"/accounts/login?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    for name in ("profile", "residency"):
        page.goto(PAGES[name], wait_until="load")
        shoot(page, folder, f"{name}-{lang}-{width}")
    context.close()
