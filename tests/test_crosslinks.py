"""Cross-links (SPEC §7): a map report starts a petition or a budget proposal, linked both
ways; located objects (reports, projects) and the petitions started from them are map layers."""

import pytest
from geoalchemy2 import WKTElement
from sqlalchemy import select

from budgeting import services as budget_services
from budgeting.models import Option, Phase, Proposal
from core import links
from core.db import db
from core.errors import Refused
from core.models import Link, Role
from core.registry import Registry, registry
from petitions.models import Petition, Status
from tests.budget_factories import make_ballot, make_proposal, resident
from tests.conftest import submit
from tests.factories import log_in, make_user, user_in_memory
from tests.petition_helpers import petition_in
from tests.smartmap_helpers import make_report

BAD_ORIGINS = {
    "malformed": ("report-1", 400),
    "past int4": ("report:99999999999", 400),
    "NUL": ("report:1\x00", 400),
    "unknown kind": ("nosuchkind:1", 400),
    "kind without a starter": ("news:1", 400),
    "missing report": ("report:2000000000", 404),
}

REFUSALS = (
    "The object to start from is not a valid reference.",
    "Nothing of this kind can be started from that object.",
    "The object to start from does not exist.",
)


@pytest.fixture(autouse=True)
def petition_settings(app, monkeypatch):
    monkeypatch.setitem(app.config, "PETITION_SPONSORS", 2)
    monkeypatch.setitem(app.config, "CITY_REGISTERED_VOTERS", 1_000_000)
    monkeypatch.setitem(app.config, "PETITION_THRESHOLDS", "0.001%, 20")


def located(option: Option, lon: float, lat: float) -> Option:
    option.location = WKTElement(f"POINT({lon} {lat})", srid=4326)
    db.session.flush()
    return option


def linked(first: str, second: str) -> bool:
    a_ref, b_ref = sorted((first, second))
    return db.session.scalar(select(Link).filter_by(a_ref=a_ref, b_ref=b_ref)) is not None


# --- the registry ---------------------------------------------------------------------------


def test_starters_are_kept_in_order_and_offered_only_for_their_kinds_to_those_allowed():
    plugs = Registry()
    plugs.add_starter("b", "Second", "x.b", kinds={"report"}, allowed=lambda u: True, order=2)
    plugs.add_starter("a", "First", "x.a", kinds={"report", "news"}, allowed=bool, order=1)
    assert [s.name for s in plugs.starters_for("report:4", user=True)] == ["a", "b"]
    assert [s.name for s in plugs.starters_for("report:4", user=False)] == ["b"]
    assert [s.name for s in plugs.starters_for("news:4", user=True)] == ["a"]
    assert plugs.starters_for("petition:4", user=True) == []
    assert plugs.starters_for("", user=True) == []


def test_map_layers_and_locators_are_registered_by_name_in_order():
    plugs = Registry()
    plugs.add_map_layer("late", "Late", "x.late", order=30)
    plugs.add_map_layer("early", "Early", "x.early", order=10)
    plugs.add_map_layer("late", "Late again", "x.late2", order=30)  # a name counts once
    assert [(layer.name, layer.endpoint) for layer in plugs.map_layers()] == [
        ("early", "x.early"),
        ("late", "x.late2"),
    ]
    plugs.add_link_kind("place", list, locate=dict)
    plugs.add_link_kind("idea", list)
    assert set(plugs.link_locators) == {"place"}


def test_the_app_offers_a_petition_and_a_proposal_from_a_report_to_residents(app):
    plugs = registry(app)
    starters = plugs.starters_for("report:1", user_in_memory(Role.RESIDENT))
    assert [s.endpoint for s in starters] == ["petitions.new", "budgeting.start_proposal"]
    assert plugs.starters_for("report:1", user_in_memory("anonymous")) == []
    assert plugs.starters_for("petition:1", user_in_memory(Role.RESIDENT)) == []
    assert [layer.name for layer in plugs.map_layers()] == ["petitions", "projects"]


def test_locate_finds_reports_and_public_projects_in_one_call(ctx):
    report = make_report()
    public = located(make_ballot(phase=Phase.VOTING).options[0], 44.75, 41.70)
    draft = located(make_ballot(phase=Phase.DRAFT, district="saburtalo").options[0], 44.7, 41.7)
    unplaced = make_ballot(phase=Phase.VOTING, district="isani").options[0]
    found = links.locate(
        [report.ref, public.ref, draft.ref, unplaced.ref, "report:99999999999", "news:1", "x"]
    )
    assert set(found) == {report.ref, public.ref}
    assert found[public.ref] == pytest.approx((44.75, 41.70))
    lon, lat = found[report.ref]
    assert 44.6 < lon < 45.1
    assert 41.6 < lat < 41.9


def test_origin_accepts_a_visible_report_and_nothing_else(ctx):
    report = make_report()
    user = make_user()
    assert links.origin(None, user, "petition") is None
    assert links.origin("", user, "petition") is None
    assert links.origin(report.ref, user, "petition").ref == report.ref
    assert links.origin(report.ref, user, "proposal").url.endswith(f"/map/reports/{report.id}")
    for value, status in BAD_ORIGINS.values():
        with pytest.raises(Refused) as refused:
            links.origin(value, user, "petition")
        assert refused.value.status == status, value


def test_a_hidden_draft_is_refused_as_an_origin_like_any_other_kind(ctx):
    draft = petition_in(Status.DRAFT)
    with pytest.raises(Refused) as refused:
        links.origin(draft.ref, make_user(), "petition")
    assert refused.value.status == 400


# --- report → petition ----------------------------------------------------------------------


def test_a_resident_starts_a_petition_from_a_report_and_both_pages_show_the_other(client):
    report = make_report()
    author = resident()
    db.session.commit()
    log_in(client, author)
    report_page = client.get(f"/map/reports/{report.id}?lang=en").get_data(as_text=True)
    assert "Start a petition about this" in report_page
    assert f'href="/petitions/new?origin=report:{report.id}"' in report_page
    url = f"/petitions/new?origin=report:{report.id}&lang=en"
    form = client.get(url).get_data(as_text=True)
    assert "Started from:" in form
    assert f"/map/reports/{report.id}" in form
    checked = submit(client, url, {"title": "Fix the road in Vake", "check": "1"})
    assert f'name="origin" value="{report.ref}"' in checked.get_data(as_text=True)
    refused = submit(client, "/petitions/new?lang=en", {"origin": report.ref, "title": "x"})
    assert refused.status_code == 422
    assert f'name="origin" value="{report.ref}"' in refused.get_data(as_text=True)
    data = {"origin": report.ref, "title": "Fix the road", "summary": "A hole.", "topic": "other"}
    data["language"] = "en"
    saved = submit(client, "/petitions/new", {**data, "save": "1"}, form_url=url)
    assert saved.status_code == 302
    petition = db.session.scalars(select(Petition)).one()
    assert petition.origin_ref == report.ref
    assert linked(petition.ref, report.ref)
    assert report.ref.replace("report:", "#") in client.get(saved.location).get_data(as_text=True)
    report_page = client.get(f"/map/reports/{report.id}?lang=en").get_data(as_text=True)
    assert "Fix the road" in report_page  # the author sees their draft there


def test_an_origin_gone_since_the_form_was_opened_does_not_lose_the_typed_text(client):
    report = make_report()
    db.session.commit()
    log_in(client, resident())
    url = f"/petitions/new?origin=report:{report.id}"
    data = {"origin": "report:2147483647", "title": "Fix the road", "summary": "A hole."}
    form = {**data, "topic": "other", "language": "en", "save": "1"}
    saved = submit(client, "/petitions/new", form, form_url=url)
    assert saved.status_code == 302
    petition = db.session.scalars(select(Petition)).one()
    assert (petition.title, petition.origin_ref) == ("Fix the road", None)


def test_a_draft_started_from_a_report_is_hidden_from_others_on_the_report_page(client, app):
    with app.test_request_context():
        report = make_report()
        draft = petition_in(Status.DRAFT, author=resident(), title="A hidden draft")
        links.link_started(draft.ref, report.ref, draft.author)
        db.session.commit()
        url = f"/map/reports/{report.id}"
        log_in(client, make_user())
    assert "A hidden draft" not in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("case", BAD_ORIGINS)
def test_a_bad_origin_is_a_clear_refusal_not_an_error(client, case):
    log_in(client, resident())
    value, status = BAD_ORIGINS[case]
    for url in ("/petitions/new", "/budget/propose"):
        response = client.get(url, query_string={"origin": value, "lang": "en"})
        assert response.status_code == status, (url, case)
        text = response.get_data(as_text=True)
        # A NUL byte is refused before any view (core.inputs), with its own message.
        assert case == "NUL" or any(message in text for message in REFUSALS), (url, case)


def test_a_petition_draft_of_someone_else_is_no_origin(client, app):
    with app.test_request_context():
        draft = petition_in(Status.DRAFT)
        db.session.commit()
        log_in(client, resident())
    assert client.get(f"/petitions/new?origin={draft.ref}").status_code == 400
    assert client.get(f"/budget/propose?origin={draft.ref}").status_code == 400


# --- report → budget proposal ---------------------------------------------------------------


def test_a_resident_proposes_a_project_from_a_report_during_the_proposals_phase(client, app):
    report = make_report()
    ballot = make_ballot(phase=Phase.PROPOSALS)
    author = resident()
    db.session.commit()
    log_in(client, author)
    page = client.get(f"/map/reports/{report.id}?lang=en").get_data(as_text=True)
    assert "Propose a project for the district budget" in page
    started = client.get(f"/budget/propose?origin={report.ref}")
    form_url = f"/budget/cycles/{ballot.cycle_id}/propose?origin={report.ref}"
    assert started.status_code == 302
    assert started.location == form_url
    form = client.get(f"{form_url}&lang=en").get_data(as_text=True)
    assert "Started from:" in form
    assert f'name="origin" value="{report.ref}"' in form
    refused = submit(client, form_url, {"title": "", "description": "Ten benches"})
    assert refused.status_code == 422
    assert f'name="origin" value="{report.ref}"' in refused.get_data(as_text=True)
    data = {"title": "Benches by the road", "description": "Ten benches", "origin": report.ref}
    assert submit(client, form_url, data).status_code == 302
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.origin_ref == report.ref
    assert linked(proposal.ref, report.ref)
    page = client.get(f"/budget/proposals/{proposal.id}?lang=en").get_data(as_text=True)
    assert "Benches by the road" in page
    assert f"/map/reports/{report.id}" in page
    page = client.get(f"/map/reports/{report.id}?lang=en").get_data(as_text=True)
    assert "Benches by the road" in page
    stranger = app.test_client()
    log_in(stranger, make_user())
    assert stranger.get(f"/budget/proposals/{proposal.id}").status_code == 404
    assert "Benches by the road" not in stranger.get(f"/map/reports/{report.id}").get_data(
        as_text=True
    )


def test_outside_the_proposals_phase_the_resident_is_told_so(client):
    report = make_report()
    make_ballot(phase=Phase.VOTING)
    db.session.commit()
    log_in(client, resident())
    page = client.get(f"/budget/propose?origin={report.ref}&lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "No budget cycle takes proposals now" in text
    assert f"/map/reports/{report.id}" in text
    ka = client.get(f"/budget/propose?origin={report.ref}&lang=ka").get_data(as_text=True)
    assert "No budget cycle takes proposals now" not in ka


def test_an_accepted_proposal_links_its_project_with_the_report(ctx):
    report = make_report()
    ballot = make_ballot(phase=Phase.REVIEW)
    proposal = make_proposal(ballot)
    proposal.origin_ref = report.ref
    option = budget_services.review(make_user(Role.BUDGET_ADMIN), proposal, 5000, "")
    assert linked(option.ref, report.ref)
    assert option.ref in {t.ref for t in links.related(report.ref, user_in_memory("anonymous"))}


# --- map layers -----------------------------------------------------------------------------


def test_the_petitions_layer_holds_signable_petitions_at_their_report(client, app):
    with app.test_request_context():
        report = make_report()
        signable = petition_in(Status.OPEN, title="Fix the road")
        signable.origin_ref = report.ref
        draft = petition_in(Status.DRAFT, title="A draft")
        draft.origin_ref = report.ref
        petition_in(Status.OPEN, title="Not from the map")
        db.session.commit()
        point = links.locate([report.ref])[report.ref]
    layer = client.get("/api/v1/petitions/layer.geojson?lang=en")
    assert layer.status_code == 200
    assert layer.mimetype == "application/geo+json"
    (feature,) = layer.json["features"]
    assert feature["properties"]["title"] == "Fix the road"
    assert feature["properties"]["status"] == signable.status_label
    assert feature["properties"]["signatures"] == 0
    assert feature["properties"]["url"].endswith(f"/petitions/{signable.id}")
    assert feature["geometry"]["coordinates"] == pytest.approx(list(point))


def test_the_projects_layer_holds_located_projects_of_public_cycles(client):
    voting = make_ballot(phase=Phase.VOTING)
    located(voting.options[0], 44.75, 41.70)
    draft = make_ballot(phase=Phase.DRAFT, district="isani")
    located(draft.options[0], 44.80, 41.68)
    db.session.commit()
    layer = client.get("/api/v1/budget/projects.geojson?lang=en").json
    (feature,) = layer["features"]
    assert feature["geometry"]["coordinates"] == pytest.approx([44.75, 41.70])
    properties = feature["properties"]
    assert properties["title"] == "Square"
    assert properties["status"] == "Voting"
    assert "60,000.00" in properties["cost"]
    assert properties["url"].endswith(f"/budget/ballots/{voting.id}#option-1")


def test_the_layers_are_in_the_api_document_and_on_the_reports_map(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/petitions/layer.geojson" in paths
    assert "/api/v1/budget/projects.geojson" in paths
    page = client.get("/map/reports?lang=en").get_data(as_text=True)
    assert 'data-name="petitions"' in page
    assert 'data-name="projects"' in page
    assert 'data-url="/api/v1/budget/projects.geojson?lang=en"' in page


def test_a_proposal_whose_author_left_stays_hidden_from_visitors(ctx):
    from flask_login import AnonymousUserMixin

    from budgeting import queries as budget_queries
    from petitions import queries as petition_queries

    proposal = make_proposal(make_ballot(phase=Phase.REVIEW))
    draft = petition_in(Status.DRAFT)
    proposal.author_id = draft.author_id = None  # as when the account is deleted
    db.session.flush()
    visitor = AnonymousUserMixin()
    assert budget_queries.proposal_targets([proposal.id], visitor) == []
    assert petition_queries.link_targets([draft.id], visitor) == []
