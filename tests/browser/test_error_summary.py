"""After a failed form the focus lands on the error summary, whose links lead to the fields."""

from playwright.sync_api import expect


def test_focus_moves_to_the_error_summary_and_its_links_reach_the_fields(page):
    page.goto("/accounts/signup?lang=en")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_selector("[data-error-summary]")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#name"
    page.keyboard.press("Enter")
    expect(page.locator("#name")).to_be_focused()


def test_a_page_without_errors_keeps_the_focus_where_it_was(page):
    page.goto("/accounts/signup?lang=en")
    assert page.evaluate("document.activeElement === document.body")
