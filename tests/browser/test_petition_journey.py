"""Petition to the Mayor in a real browser, from the first draft to City Hall's answer: a
resident starts a petition, two others support it through the shareable link, a moderator
opens it, residents sign (one by keyboard alone), the counter job crosses the threshold, the
mails arrive over real SMTP, staff publish the official response and the news feed shows the
automatic posts. Then axe-core on every petition page in Georgian and English."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from core import tasks
from core.db import db
from core.districts import by_slug
from core.models import Role
from petitions import counting
from petitions.models import Signature, Status
from tests.browser.test_accessibility import AXE, serious_violations
from tests.browser.test_editor_journey import log_in
from tests.factories import make_user
from tests.petition_helpers import petition_in

TITLE = "Shade trees on Rustaveli Avenue"
RESPONSE = "City Hall will plant 120 plane trees on Rustaveli Avenue in spring 2027."


@pytest.fixture
def small_petitions(app, monkeypatch):
    """Two supporters and a threshold of three signatures, so a journey can cross it."""
    monkeypatch.setitem(app.config, "PETITION_SPONSORS", 2)
    monkeypatch.setitem(app.config, "PETITION_THRESHOLDS", "3")


def people(app) -> dict[str, str]:
    """The e-mail addresses of everyone in the journey (confirmed accounts, English)."""
    names = ["author", "sponsor1", "sponsor2", "signer1", "signer2", "signer3"]
    with app.app_context():
        emails = {
            name: make_user(locale="en", email=f"{name}@example.org", name=name.title()).email
            for name in names
        }
        emails["moderator"] = make_user(
            Role.MODERATOR, locale="en", email="moderator@example.org", name="Moderator"
        ).email
    return emails


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def run_counter(app, run_jobs) -> None:
    """What the periodic `petitions.count` job does every few seconds, run now, with every job
    it leads to (the threshold's consequences, the mails)."""
    with app.app_context():
        tasks.defer("petitions.count")
        db.session.commit()
    run_jobs()


def start_petition(page) -> str:
    """The author writes a draft and asks for supporters; the supporters' link (its path)."""
    page.goto("/petitions/?lang=en")
    page.get_by_role("link", name="Start a petition").click()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Summary").fill("Plant plane trees along the avenue for shade in summer.")
    page.get_by_label("Details").fill("The pavement reaches 50 °C in July.")
    page.get_by_label("Topic").select_option("environment")
    page.get_by_label("Language of the text").select_option("en")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.get_by_role("button", name="Finish and gather supporters").click()
    expect(page.get_by_text("Now share the supporters' link.")).to_be_visible()
    link = page.locator("a[href*='/petitions/support/']")
    return urlsplit(link.get_attribute("href")).path


def support(page, email: str, sponsor_path: str) -> None:
    log_in(page, email)
    page.goto(sponsor_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.get_by_role("button", name="Support this petition").click()
    expect(page.get_by_text("Thank you for supporting this petition.")).to_be_visible()
    log_out(page)


def approve(page, email: str) -> str:
    """The moderator opens the petition from the queue; the petition page's path."""
    log_in(page, email)
    page.goto("/petitions/?lang=en")
    page.get_by_role("link", name="Moderation").click()
    entry = page.locator("article").filter(has_text=TITLE)
    detail_path = urlsplit(entry.get_by_role("link", name=TITLE).get_attribute("href")).path
    entry.get_by_role("button", name="Approve and open for signatures").click()
    expect(page.get_by_text("The petition is open for signatures.")).to_be_visible()
    log_out(page)
    return detail_path


def tab_to(page, target) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would."""
    for _ in range(80):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError("Tab never reached the element")


def focus_is_visible(page) -> bool:
    """The focused element matches :focus-visible and draws an outline."""
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            return element.matches(":focus-visible") && style.outlineStyle !== "none"
                && parseFloat(style.outlineWidth) >= 2;
        }"""
    )


def sign_by_keyboard(page, email: str, detail_path: str) -> None:
    """Tab to "tell me by e-mail", Space ticks it, Tab to Sign, Enter signs."""
    log_in(page, email)
    page.goto(f"{detail_path}?lang=en")
    notify = page.get_by_label("Tell me by e-mail about its progress and the response")
    tab_to(page, notify)
    assert focus_is_visible(page)
    page.keyboard.press("Space")
    expect(notify).to_be_checked()
    sign = page.get_by_role("button", name="Sign", exact=True)
    tab_to(page, sign)
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Thank you: you have signed this petition.")).to_be_visible()
    expect(page.get_by_text("You have signed this petition.", exact=True)).to_be_visible()
    # The thank-you's parameter leaves the address bar: a link copied from it tells nothing.
    expect(page).to_have_url(re.compile(rf"{detail_path}$"))
    log_out(page)


def sign_by_mouse(page, email: str, detail_path: str) -> None:
    log_in(page, email)
    page.goto(f"{detail_path}?lang=en")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("Thank you: you have signed this petition.")).to_be_visible()
    log_out(page)


def publish_response(page, email: str, detail_path: str) -> None:
    log_in(page, email)
    page.goto(f"{detail_path}?lang=en")
    page.get_by_role("link", name="Publish the official response").click()
    page.get_by_label("Official response").fill(RESPONSE)
    page.get_by_role("button", name="Publish the response").click()
    expect(page.get_by_text("The response is published.")).to_be_visible()
    expect(page.get_by_text(RESPONSE)).to_be_visible()
    expect(page.locator(".badge").first).to_have_text("Responded")


def subjects_to(mailbox, email: str) -> list[str]:
    return [message["Subject"] for message in mailbox if message["To"] == email]


@pytest.mark.usefixtures("small_petitions")
def test_a_petition_from_draft_to_the_official_response(page, app, run_jobs, mailbox):
    emails = people(app)
    log_in(page, emails["author"])
    sponsor_path = start_petition(page)
    log_out(page)
    support(page, emails["sponsor1"], sponsor_path)
    support(page, emails["sponsor2"], sponsor_path)

    log_in(page, emails["author"])  # two supporters: the petition went to moderation
    page.goto("/petitions/mine?lang=en")
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator(".badge").first).to_have_text("In moderation")
    log_out(page)

    detail_path = approve(page, emails["moderator"])
    sign_by_keyboard(page, emails["signer1"], detail_path)
    sign_by_mouse(page, emails["signer2"], detail_path)
    sign_by_mouse(page, emails["signer3"], detail_path)

    run_counter(app, run_jobs)
    page.goto(f"{detail_path}?lang=en")
    expect(page.locator("[data-count]")).to_have_text("3")
    expect(page.locator(".badge").first).to_have_text("Threshold reached")
    threshold_mail = f"A petition reached its threshold: {TITLE}"
    assert threshold_mail in subjects_to(mailbox, emails["moderator"])
    assert threshold_mail in subjects_to(mailbox, emails["author"])
    progress = "A petition has 100% of the signatures it needs"
    assert progress in subjects_to(mailbox, emails["signer1"])  # asked to be told
    assert subjects_to(mailbox, emails["signer2"]) == []  # did not

    publish_response(page, emails["moderator"], detail_path)
    run_jobs()
    response_mail = "City Hall responded to a petition you signed"
    assert subjects_to(mailbox, emails["signer1"]).count(response_mail) == 1
    assert response_mail not in subjects_to(mailbox, emails["signer3"])

    page.goto("/news/?lang=en")
    reached = page.get_by_role("link", name=f"Petition “{TITLE}” reached 3 signatures", exact=True)
    expect(reached).to_be_visible()
    answered = f"City Hall responded to the petition “{TITLE}”"
    page.get_by_role("link", name=answered, exact=True).click()
    expect(page.get_by_text(RESPONSE)).to_be_visible()


@pytest.fixture
def axe_page(browser, live_server):
    """A page without CSP, so the test can inject axe-core (as test_accessibility does)."""
    assert AXE.exists(), "axe-core is missing: `make test` installs it with npm ci"
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    yield context.new_page()
    context.close()


def petition_pages(app) -> tuple[str, list[str]]:
    """A moderator and one petition page of each kind (paths without the language)."""
    with app.test_request_context():
        moderator = make_user(Role.MODERATOR, locale="en").email
        gathering = petition_in(Status.COLLECTING_SPONSORS)
        petition_in(Status.IN_MODERATION, title="Night buses to Gldani")
        reached = petition_in(Status.THRESHOLD_REACHED, title="A crossing at Marjanishvili")
        responded = petition_in(Status.RESPONDED, title="More benches in Vake Park")
        for slug in ("vake", "vake", "saburtalo", "gldani"):  # so its charts and map are drawn
            signer = make_user()
            signer.district_id = by_slug(slug).id
            db.session.add(
                Signature(
                    petition_id=reached.id,
                    user_id=signer.id,
                    district_id=signer.district_id,
                    counted=True,
                )
            )
        reached.shown_count = 4
        db.session.flush()
        counting.retally(reached.id)  # what the counter would have tallied
        db.session.commit()
        return moderator, [
            "/petitions/",
            f"/petitions/{reached.id}",
            f"/petitions/{responded.id}",
            "/petitions/new",
            f"/petitions/support/{gathering.sponsor_key}",
            "/petitions/moderation",
            f"/petitions/{reached.id}/respond",
            f"/petitions/{reached.id}/signatures/remove",
        ]


@pytest.mark.usefixtures("small_petitions")
@pytest.mark.parametrize("lang", ["ka", "en"])
def test_petition_pages_have_no_serious_accessibility_violation(axe_page, app, lang):
    page = axe_page
    moderator, paths = petition_pages(app)
    log_in(page, moderator)
    for path in paths:
        assert page.goto(f"{path}?lang={lang}").ok, path
        page.wait_for_load_state("networkidle")  # charts and maps drawn by their scripts
        if path == paths[1]:  # the petition with signatures: its chart and map are checked too
            expect(page.locator("figure.chart canvas").first).to_be_visible()
            expect(page.locator(".leaflet-container").first).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert serious_violations(page) == [], path


@pytest.mark.usefixtures("small_petitions")
def test_a_refused_petition_form_has_no_serious_accessibility_violation(axe_page, app):
    page = axe_page
    with app.app_context():
        email = make_user(locale="en").email
    log_in(page, email)
    page.goto("/petitions/new?lang=ka")
    page.locator("button[name=save]").click()  # nothing typed: the form says what is missing
    expect(page.locator(".error-summary")).to_be_visible()
    assert serious_violations(page) == []
