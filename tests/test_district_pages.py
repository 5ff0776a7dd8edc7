"""District pages (`/districts/<slug>`), their panels and the district names on /map/."""

import re

from jinja2 import ChoiceLoader, DictLoader

from core.registry import registry
from tests.factories import make_post


def test_district_page_shows_its_names_and_its_border_without_javascript(client):
    response = client.get("/districts/vake?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Vake District</h1>" in html
    assert 'lang="ka">ვაკის რაიონი</p>' in html
    # The border is drawn from PostGIS into the page: no script or tiles needed to see it.
    assert re.search(r'<svg class="district-outline"[^>]*viewBox="[-\d. ]+"', html)
    assert re.search(r'<path d="M [-\d.]+ [-\d.]+', html)
    assert "data-feature='{" in html
    assert "<script>" not in html


def test_district_page_answers_in_georgian_by_default(client):
    html = client.get("/districts/vake").get_data(as_text=True)
    assert '<html lang="ka">' in html
    assert "<h1>ვაკის რაიონი</h1>" in html


def test_district_page_has_the_translated_note_for_missing_tiles(client):
    english = client.get("/districts/vake?lang=en").get_data(as_text=True)
    assert "Map tiles could not be loaded; district borders are still shown." in english
    georgian = client.get("/districts/vake?lang=ka").get_data(as_text=True)
    assert "Map tiles could not be loaded" not in georgian
    assert "data-map-note" in georgian


def test_unknown_district_is_a_not_found_page_in_the_users_language(client):
    english = client.get("/districts/atlantis?lang=en")
    assert english.status_code == 404
    assert "We could not find this page." in english.get_data(as_text=True)
    georgian = client.get("/districts/atlantis?lang=ka")
    assert georgian.status_code == 404
    assert '<html lang="ka">' in georgian.get_data(as_text=True)


def test_district_page_lists_news_tagged_with_the_district(app, client):
    make_post(app, title_en="Vake park reopens", tags=["vake"])
    make_post(app, title_en="Saburtalo road works", tags=["saburtalo"])
    html = client.get("/districts/vake?lang=en").get_data(as_text=True)
    assert "Vake park reopens" in html
    assert "Saburtalo road works" not in html
    assert "/news/?tag=vake" in html


def test_district_without_tagged_news_says_so(client):
    html = client.get("/districts/isani?lang=en").get_data(as_text=True)
    assert "No news about this district yet." in html


def test_modules_add_panels_to_district_pages_in_their_order(app, client):
    plugs = registry(app)
    plugs.add_district_panel(
        "probe", 1, "probe_panel.html", lambda district: {"slug": district.slug}
    )
    original = app.jinja_env.loader
    try:
        app.jinja_env.loader = ChoiceLoader(
            [DictLoader({"probe_panel.html": "<p>probe {{ context.slug }}</p>"}), original]
        )
        html = client.get("/districts/vake?lang=en").get_data(as_text=True)
    finally:
        app.jinja_env.loader = original
        del plugs._district_panels["probe"]
    assert "<p>probe vake</p>" in html
    assert html.index("<p>probe vake</p>") < html.index("No news about this district yet.")


def test_map_page_links_each_district_to_its_page_with_a_point_inside_it(app, client):
    html = client.get("/map/?lang=en").get_data(as_text=True)
    places = re.findall(
        r'data-slug="([a-z-]+)" data-lon="([\d.]+)" data-lat="([\d.]+)">'
        r'<a href="/districts/\1">([^<]+)</a>',
        html,
    )
    assert len(places) == 10
    with app.app_context():
        from core.districts import district_at

        for slug, lon, lat, _name in places:
            assert district_at(float(lon), float(lat)).slug == slug
    assert "Map tiles could not be loaded; district borders are still shown." in html


def test_district_page_shows_its_open_reports_and_their_figures(app, client):
    from datetime import timedelta

    from core.db import db, utcnow
    from tests.smartmap_helpers import make_report

    with app.test_request_context():
        make_report("vake", description="x", created_at=utcnow() - timedelta(days=30))
        fixed = make_report("vake", offset_m=30, status="fixed", fixed_at=utcnow())
        fixed.created_at = utcnow() - timedelta(days=4)
        make_report("vake", offset_m=60, reopened_count=2)
        elsewhere = make_report("isani")
        db.session.commit()
    html = client.get("/districts/vake?lang=en").get_data(as_text=True)
    panel = html[html.index('id="panel-reports"') :]
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", panel))
    assert figures == {"Open": "2", "Overdue": "1", "Reopened": "2", "Median days to fix": "4"}
    assert panel.count('href="/map/reports/') == 2
    assert f'href="/map/reports/{fixed.id}"' not in panel
    assert f'href="/map/reports/{elsewhere.id}"' not in panel
    assert "/map/reports?district=vake&amp;status=open" in panel
    empty = client.get("/districts/gldani?lang=en").get_data(as_text=True)
    assert "No open reports in this district." in empty
