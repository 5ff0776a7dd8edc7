"""District maps in a real browser: names on /map/, a district's page, and no map tiles (this
machine cannot reach a tile server, nor may the tests): the borders stay, a note says why, and
the page's `load` event still fires."""

import re
import time

import pytest
from playwright.sync_api import expect

ELSEWHERE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")
NOTE = {
    "en": "Map tiles could not be loaded; district borders are still shown.",
    "ka": "რუკის ფონი ვერ ჩაიტვირთა; რაიონების საზღვრები მაინც ნაჩვენებია.",
}


@pytest.fixture
def offline_page(page):
    page.route(ELSEWHERE, lambda route: route.abort())
    return page


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_district_page_loads_without_tiles_and_says_so(offline_page, lang):
    page = offline_page
    page.goto(f"/districts/vake?lang={lang}", wait_until="load")  # fails if `load` never fires
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vake District" if lang == "en" else "ვაკის რაიონი"
    )
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(1)  # the border
    expect(page.get_by_text(NOTE[lang])).to_be_visible()


def test_tiles_that_never_answer_hold_back_neither_the_load_event_nor_the_note(page):
    held = []
    page.route(ELSEWHERE, lambda route: held.append(route))  # never answered (a silent firewall)
    page.goto("/districts/vake?lang=en", wait_until="load", timeout=5_000)
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(1)
    expect(page.get_by_text(NOTE["en"])).to_be_visible(timeout=12_000)
    assert held  # the tiles were asked for, after the page had loaded
    for route in held:
        route.abort()


def test_map_names_the_districts_and_links_them_to_their_pages(offline_page):
    page = offline_page
    page.goto("/map/?lang=en", wait_until="load")
    labels = page.locator(".leaflet-tooltip.district-label")
    expect(labels).to_have_count(10)
    expect(labels.filter(has_text="Gldani")).to_be_visible()
    assert_no_two_visible_labels_overlap(labels)
    expect(page.get_by_text(NOTE["en"])).to_be_visible()
    page.get_by_role("link", name="Isani District").click()
    expect(page).to_have_url(re.compile(r"/districts/isani$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Isani District")


def overlapping_labels(labels) -> list:
    boxes = [
        label.bounding_box()
        for label in labels.all()
        if label.evaluate("element => getComputedStyle(element).visibility") == "visible"
    ]
    return [
        (a, b)
        for index, a in enumerate(boxes)
        for b in boxes[index + 1 :]
        if not (
            a["x"] + a["width"] <= b["x"]
            or b["x"] + b["width"] <= a["x"]
            or a["y"] + a["height"] <= b["y"]
            or b["y"] + b["height"] <= a["y"]
        )
    ]


def assert_no_two_visible_labels_overlap(labels, seconds: float = 10) -> None:
    """The map settles (fit, font, declutter) at its own pace on a busy machine: look again
    until it has, then say which labels still overlap."""
    deadline = time.monotonic() + seconds
    while (overlaps := overlapping_labels(labels)) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not overlaps, f"labels overlap: {overlaps}"


@pytest.mark.parametrize("width", [1280, 390])
def test_district_names_on_the_map_do_not_cover_each_other(browser, live_server, width):
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.route(ELSEWHERE, lambda route: route.abort())
    page.goto("/map/?lang=ka", wait_until="load")
    labels = page.locator(".leaflet-tooltip.district-label")
    expect(labels).to_have_count(10)
    expect(page.locator("[data-labels-placed]")).to_have_count(1)  # after the font arrived
    assert_no_two_visible_labels_overlap(labels)
    context.close()


def test_district_page_without_javascript_draws_the_border(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/districts/vake?lang=en")
    outline = page.locator("svg.district-outline")
    expect(outline).to_be_visible()
    box = outline.bounding_box()
    assert box["width"] > 200
    assert box["height"] > 200
    expect(page.get_by_text(NOTE["en"])).to_be_hidden()  # nothing failed: no tiles were asked
    context.close()
