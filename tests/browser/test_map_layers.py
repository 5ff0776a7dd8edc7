"""The reports map's overlays in a real browser: petitions started from a report and located
budget projects are checkboxes of a layer control, usable by keyboard; no tiles load here."""

import re

import pytest
from geoalchemy2 import WKTElement
from playwright.sync_api import expect

from budgeting.models import Phase
from core.db import db
from petitions.models import Status
from tests.budget_factories import make_ballot
from tests.petition_helpers import petition_in
from tests.smartmap_helpers import make_report, place_in

ELSEWHERE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")


@pytest.fixture
def layered(app, monkeypatch):
    """A report with a petition started from it, and a located project of a voting ballot."""
    monkeypatch.setitem(app.config, "PETITION_SPONSORS", 2)
    with app.test_request_context():
        report = make_report("vake")
        petition = petition_in(Status.OPEN, title="Fix the road in Vake")
        petition.origin_ref = report.ref
        lat, lon = place_in("saburtalo")
        option = make_ballot(phase=Phase.VOTING, district="saburtalo").options[0]
        option.location = WKTElement(f"POINT({lon} {lat})", srid=4326)
        db.session.commit()


def test_the_layer_control_shows_and_hides_petitions_and_projects_by_keyboard(page, layered):
    page.route(ELSEWHERE, lambda route: route.abort())
    page.goto("/map/reports?lang=en", wait_until="load")
    petitions = page.locator("path.map-layer-petitions")
    projects = page.locator("path.map-layer-projects")
    expect(page.locator(".leaflet-control-layers")).to_be_visible()
    expect(petitions).to_have_count(0)  # overlays start hidden
    expect(projects).to_have_count(0)

    box = page.get_by_role("checkbox", name="Petitions")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    expect(petitions).to_have_count(1)
    # The petition sits on its report's point, under that report's marker: a click by
    # coordinates may land on either, so the click goes to the petition's own path.
    petitions.first.dispatch_event("click")
    expect(page.locator(".leaflet-popup").get_by_role("link")).to_have_text("Fix the road in Vake")

    page.get_by_role("checkbox", name="Budget projects").press("Space")
    expect(projects).to_have_count(1)
    box.press("Space")
    expect(box).not_to_be_checked()
    expect(petitions).to_have_count(0)
    expect(projects).to_have_count(1)  # the other overlay stays

    reports = page.get_by_role("checkbox", name="Reported problems")
    expect(reports).to_be_checked()  # the reports themselves are an overlay too


def test_the_public_map_page_has_the_same_layers_over_the_districts(page, layered):
    page.route(ELSEWHERE, lambda route: route.abort())
    page.goto("/map/?lang=en", wait_until="load")
    petitions = page.locator("path.map-layer-petitions")
    projects = page.locator("path.map-layer-projects")
    box = page.get_by_role("checkbox", name="Petitions")
    expect(box).not_to_be_checked()  # the control comes with the district borders
    expect(petitions).to_have_count(0)
    box.press("Space")
    expect(petitions).to_have_count(1)
    petitions.first.dispatch_event("click")
    expect(page.locator(".leaflet-popup").get_by_role("link")).to_have_text("Fix the road in Vake")
    page.get_by_role("checkbox", name="Budget projects").press("Space")
    expect(projects).to_have_count(1)
    box.press("Space")
    expect(petitions).to_have_count(0)
    expect(projects).to_have_count(1)
    # The districts' list, which works without JavaScript, is still there.
    expect(page.get_by_role("link", name="Vake District", exact=True)).to_be_visible()
