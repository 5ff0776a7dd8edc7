"""axe-core in a real browser: no serious or critical WCAG 2.1 AA violation on the main pages."""

import json

import pytest

from core.db import db
from news.models import Post
from tests.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def axe_page(browser, live_server, app):
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs it with npm ci")
    with app.test_request_context():
        from news.demo import load

        load()
        db.session.commit()
        post_id = db.session.scalar(db.select(Post.id).limit(1))
    # axe is injected by the test, so the page's own CSP must not block it.
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    page = context.new_page()
    yield page, post_id
    context.close()


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(f"axe.run(document, {json.dumps(RULES)})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def violations_by_path(page, paths: list[str], lang: str) -> dict[str, list[str]]:
    """Each path in `lang` that has serious or critical violations, with them."""
    found = {}
    for path in paths:
        page.goto(f"{path}?lang={lang}")
        assert page.title(), path
        if violations := serious_violations(page):
            found[path] = violations
    return found


@pytest.mark.parametrize("lang", ["ka", "en"])
@pytest.mark.parametrize(
    "path", ["/", "/news/", "/news/{post}", "/accounts/signup", "/map/", "/districts/vake"]
)
def test_main_pages_have_no_serious_accessibility_violation(axe_page, path, lang):
    page, post_id = axe_page
    page.goto(path.format(post=post_id) + f"?lang={lang}")
    assert serious_violations(page) == []


def test_the_check_itself_catches_a_violation(axe_page):
    page, _ = axe_page
    page.set_content('<html lang="en"><body><main><img src="x.png"></main></body></html>')
    assert any(v.startswith("image-alt") for v in serious_violations(page))
