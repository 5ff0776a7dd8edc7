"""Sign up → confirm from the caught mail → log in → switch language, in a real browser."""

import re

from playwright.sync_api import expect

from core import mail

LINK = re.compile(r"http://localhost(/accounts/confirm/\S+)")


def test_sign_up_confirm_log_in_and_switch_language(page, app, mailbox):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ka")
    page.get_by_role("link", name="რეგისტრაცია").click()
    page.get_by_label("სახელი").fill("ნინო ბერიძე")
    page.get_by_label("ელფოსტის მისამართი").fill("nino@example.org")
    page.get_by_label("პაროლი").fill("a long browser password")
    page.get_by_label("ვეთანხმები გამოყენების პირობებს").check()
    page.get_by_role("button", name="ანგარიშის შექმნა").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("შეამოწმეთ ელფოსტა")

    with app.app_context():
        mail.send_due()
    [message] = [m for m in mailbox if m["To"] == "nino@example.org"]
    page.goto(LINK.search(message.get_content()).group(1))
    page.get_by_label("რეგისტრაციისას არჩეული პაროლი").fill("a long browser password")
    page.get_by_role("button", name="ჩემი ელფოსტის მისამართის დადასტურება").click()
    expect(page.locator(".flash-success")).to_contain_text("დადასტურებულია")

    page.get_by_label("ელფოსტის მისამართი").fill("nino@example.org")
    page.get_by_label("პაროლი").fill("a long browser password")
    page.get_by_role("button", name="შესვლა").click()
    expect(page.get_by_role("link", name="ნინო ბერიძე")).to_be_visible()

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="News").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
