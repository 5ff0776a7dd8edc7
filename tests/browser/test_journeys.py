"""The four journeys of issue 7 walked in a real browser, in Georgian and English, on a desk
(1280 px) and a phone (390 px): sign-up, residency, profile and editing a post.

Texts come from the catalogs (`say`), so each journey reads what a user of that language reads.
"""

import re
from datetime import date

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from core import mail
from core.districts import by_slug
from core.models import Role
from tests.factories import PASSWORD, make_post, make_user

LANGUAGES = ["ka", "en"]
WIDTHS = [1280, 390]
LINK = re.compile(r"http://localhost(/accounts/confirm/\S+)")
CENSUS = b"personal_number,district\n01001012345,vake\n01001054321,gldani\n"


def say(app, lang: str, message: str, **params) -> str:
    with app.test_request_context(), force_locale(lang):
        return gettext(message, **params)


def district_name(app, lang: str, slug: str) -> str:
    with app.app_context():
        district = by_slug(slug)
        return district.name_ka if lang == "ka" else district.name_en


@pytest.fixture(params=[(lang, width) for lang in LANGUAGES for width in WIDTHS], ids=str)
def visit(request, browser, live_server):
    """(page, language): a browser at the width, the site remembering the language."""
    lang, width = request.param
    context = browser.new_context(
        base_url=live_server, viewport={"width": width, "height": 900}, locale="ka-GE"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"/?lang={lang}")  # the language is kept in a cookie from here on
    yield page, lang
    context.close()


def log_in(page, app, lang: str, email: str) -> None:
    page.goto("/accounts/login")
    page.get_by_label(say(app, lang, "E-mail address")).fill(email)
    page.get_by_label(say(app, lang, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=say(app, lang, "Log in")).click()
    expect(page.get_by_role("button", name=say(app, lang, "Log out"))).to_be_visible()


def test_sign_up_confirm_from_the_mail_and_log_in(visit, app, mailbox):
    page, lang = visit
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.get_by_role("link", name=say(app, lang, "Sign up")).click()
    page.get_by_label(say(app, lang, "Name"), exact=True).fill("ნინო ბერიძე")
    page.get_by_label(say(app, lang, "E-mail address")).fill("nino@example.org")
    page.get_by_label(say(app, lang, "Password")).fill("a long browser password")
    terms = "I accept the terms of use and have read the privacy notice."
    page.get_by_label(say(app, lang, terms)).check()
    page.get_by_role("button", name=say(app, lang, "Create account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(say(app, lang, "Check your mail"))

    with app.app_context():
        mail.send_due()
    [message] = [m for m in mailbox if m["To"] == "nino@example.org"]
    page.goto(LINK.search(message.get_content()).group(1))
    chosen = say(app, lang, "The password you chose at sign-up")
    page.get_by_label(chosen).fill("a long browser password")
    page.get_by_role("button", name=say(app, lang, "Confirm my e-mail address")).click()
    thanks = "Thank you, %(name)s: your e-mail address is confirmed."
    expect(page.locator(".flash-success")).to_have_text(say(app, lang, thanks, name="ნინო ბერიძე"))

    page.get_by_label(say(app, lang, "E-mail address")).fill("nino@example.org")
    page.get_by_label(say(app, lang, "Password")).fill("a long browser password")
    page.get_by_role("button", name=say(app, lang, "Log in")).click()
    expect(page.get_by_role("link", name="ნინო ბერიძე")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def upload_census(page, app, lang: str) -> None:
    with app.app_context():
        admin = make_user(Role.ADMIN, locale=lang).email
    log_in(page, app, lang, admin)
    page.goto("/accounts/admin/census")
    page.get_by_label(say(app, lang, "Census list (CSV)")).set_input_files(
        files=[{"name": "census.csv", "mimeType": "text/csv", "buffer": CENSUS}]
    )
    page.get_by_role("button", name=say(app, lang, "Upload")).click()
    expect(page.locator(".notice[role=status]")).to_contain_text("2")
    page.get_by_role("button", name=say(app, lang, "Log out")).click()


def test_residency_one_failure_message_with_a_review_link_then_confirmed(visit, app):
    page, lang = visit
    upload_census(page, app, lang)
    with app.app_context():
        resident = make_user(locale=lang).email
    log_in(page, app, lang, resident)
    page.get_by_role("link", name="Nino Beridze").click()
    page.get_by_role("link", name=say(app, lang, "Confirm your place of registration")).click()
    vake = district_name(app, lang, "vake")
    number = page.get_by_label(say(app, lang, "Personal number"))
    district = page.get_by_label(say(app, lang, "District of registration"))
    number.fill("01001099999")
    district.select_option(label=vake)
    page.get_by_role("button", name=say(app, lang, "Confirm"), exact=True).click()

    failure = say(
        app,
        lang,
        "We could not confirm your place of registration with this personal number and "
        "district. Check both and try again. If they are right, ask staff to review it.",
    )
    # One message, whatever went wrong: the summary lists it once and links to the field.
    expect(page.locator("[data-error-summary] li")).to_have_count(1)
    expect(page.locator("[data-error-summary] li")).to_have_text(failure)
    review = say(app, lang, "Ask staff to review it")
    expect(page.get_by_role("link", name=review, exact=True)).to_be_visible()

    number.fill("01001012345")
    district.select_option(label=vake)
    page.get_by_role("button", name=say(app, lang, "Confirm"), exact=True).click()
    done = say(app, lang, "Your place of registration is confirmed: %(district)s.", district=vake)
    expect(page.locator(".flash-success")).to_have_text(done)
    confirmed = say(app, lang, "Confirmed: %(district)s", district=vake)
    expect(page.get_by_text(confirmed, exact=True)).to_be_visible()


def test_profile_saves_name_and_district_and_keeps_the_district_selected(visit, app):
    page, lang = visit
    with app.app_context():
        email = make_user(locale=lang).email
    log_in(page, app, lang, email)
    page.get_by_role("link", name="Nino Beridze").click()
    gldani = district_name(app, lang, "gldani")
    page.get_by_label(say(app, lang, "Name"), exact=True).fill("თამარ კაპანაძე")
    page.get_by_label(say(app, lang, "District where you live")).select_option(label=gldani)
    page.get_by_role("button", name=say(app, lang, "Save"), exact=True).click()
    expect(page.locator(".flash-success")).to_have_text(say(app, lang, "Your profile is saved."))

    page.reload()
    expect(page.get_by_label(say(app, lang, "Name"), exact=True)).to_have_value("თამარ კაპანაძე")
    selected = page.get_by_label(say(app, lang, "District where you live"))
    expect(selected.locator("option:checked")).to_have_text(gldani)
    expect(page.get_by_role("link", name="თამარ კაპანაძე")).to_be_visible()


def test_editing_a_post_keeps_its_date(visit, app):
    page, lang = visit
    with app.app_context():
        post_id = make_post(app).id
        email = make_user(Role.EDITOR, locale=lang).email
    log_in(page, app, lang, email)
    page.goto(f"/news/{post_id}/edit")
    date_field = page.get_by_label(say(app, lang, "Date"), exact=True)
    date_field.fill("2026-03-15")
    page.get_by_role("button", name=say(app, lang, "Save and keep published")).click()
    with app.test_request_context(), force_locale(lang):
        from core.i18n import day

        shown = day(date(2026, 3, 15))
    expect(page.locator(".post .meta time, .meta time").first).to_have_text(shown)

    # Saved again without touching the date, it stays the same day (no shift by time zone).
    page.goto(f"/news/{post_id}/edit")
    expect(date_field).to_have_value("2026-03-15")
    page.get_by_role("button", name=say(app, lang, "Save and keep published")).click()
    page.goto(f"/news/{post_id}/edit")
    expect(date_field).to_have_value("2026-03-15")
