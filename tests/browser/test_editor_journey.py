"""An editor writes and publishes a post; it appears in the list and in the Atom feed."""

from playwright.sync_api import expect

from core.models import Role
from tests.factories import PASSWORD, make_user


def log_in(page, email):
    page.goto("/accounts/login?lang=en")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_editor_publishes_a_post_that_reaches_the_list_and_the_feed(page, app):
    with app.app_context():
        email = make_user(Role.EDITOR, locale="en").email
    log_in(page, email)
    page.goto("/news/")
    page.get_by_role("link", name="Write a post").click()
    page.get_by_label("Title in Georgian").fill("სამუშაო ჯგუფის სხდომა")
    page.get_by_label("Text in Georgian").fill("სხდომა **20 ოქტომბერს** გაიმართება.")
    page.get_by_label("Title in English").fill("Working group session")
    page.get_by_label("Text in English").fill("The session is on **20 October**.")
    page.get_by_label("Kind").select_option("meeting")
    page.get_by_label("Tags").fill("ogp, working-group")
    page.get_by_role("button", name="Publish").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Working group session")
    expect(page.locator(".post-body strong")).to_have_text("20 October")
    page.get_by_role("link", name="All news").click()
    expect(page.get_by_role("link", name="Working group session", exact=True)).to_be_visible()

    feed = page.request.get("/news/feed.atom?lang=en")
    assert feed.ok
    assert "<title>Working group session</title>" in feed.text()
