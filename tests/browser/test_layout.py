"""One content column: the main heading starts at the same place on every page and language."""

import pytest

from core.db import db
from news.models import Post

PAGES = [
    "/",
    "/news/",
    "/news/{post}",
    "/petitions/",
    "/budget/",
    "/map/",
    "/districts/vake",
    "/accounts/signup",
    "/accounts/login",
    "/accounts/reset",
    "/news/999999",
]
WIDTHS = [1280, 390]


@pytest.fixture
def post_id(app):
    with app.test_request_context():
        from news.demo import load

        load()
        db.session.commit()
        return db.session.scalar(db.select(Post.id).limit(1))


@pytest.mark.parametrize("width", WIDTHS)
def test_main_heading_has_one_left_edge_and_width_everywhere(browser, live_server, post_id, width):
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 800})
    page = context.new_page()
    edges = {}
    for lang in ("ka", "en"):
        for path in PAGES:
            page.goto(path.format(post=post_id) + f"?lang={lang}")
            box = page.locator("main h1").first.bounding_box()
            column = page.locator("main").evaluate(
                "m => { const s = getComputedStyle(m); "
                "return m.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }"
            )
            edges[(lang, path)] = (round(box["x"]), round(column))
    context.close()
    assert len(set(edges.values())) == 1, edges
