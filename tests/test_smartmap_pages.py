"""Smart map over HTTP: reporting, suggestions, detail, list, triage desk, map API, feed."""

import io

import feedparser
import pytest
from sqlalchemy import select

from core.db import db
from core.models import Role, User
from smartmap import queries, services
from smartmap.models import Photo, Report
from tests.conftest import csrf_token, submit
from tests.factories import log_in, make_user
from tests.smartmap_helpers import categories, image_bytes, make_report, place_in


@pytest.fixture
def resident(app, client):
    with app.test_request_context():
        categories()
        db.session.commit()
    user = make_user()
    log_in(client, user)
    return user


def report_form(slug="vake", **changes) -> dict:
    lat, lon = place_in(slug)
    return {"category": "road", "description": "ორმო", "latitude": lat, "longitude": lon, **changes}


def reports() -> list[Report]:
    return list(db.session.scalars(select(Report).order_by(Report.id)))


def test_a_resident_reports_with_a_photo_and_sees_the_report(client, resident):
    form = report_form(photos=(io.BytesIO(image_bytes()), "pothole.jpg"))
    response = submit(client, "/map/report", form, content_type="multipart/form-data")
    assert response.status_code == 302
    [report] = reports()
    assert (report.district.slug, report.reporter_id) == ("vake", resident.id)
    assert len(report.photos) == 1
    assert not report.photos[0].processed
    page = client.get(response.location + "?lang=en").get_data(as_text=True)
    assert "Thank you: your report is in the district" in page
    assert "A photo is being prepared." in page


def test_a_nearby_open_report_is_offered_first(app, client, resident):
    with app.test_request_context():
        existing = make_report()
        db.session.commit()
    response = submit(client, "/map/report?lang=en", report_form())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Is it one of these?" in page
    assert f"/map/reports/{existing.id}" in page
    assert len(reports()) == 1
    response = submit(client, "/map/report", {**report_form(), "checked": "1"}, "/map/report")
    assert response.status_code == 302
    assert len(reports()) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"latitude": "91", "longitude": "44.8"}, "Latitude must be between -90 and 90"),
        ({"latitude": "abc"}, "Please give the place as latitude and longitude."),
        ({"latitude": "0", "longitude": "0"}, "This place is outside the city."),
        ({"category": "unknown"}, "Not a valid choice"),
        ({"description": ""}, "This field is required."),
        ({"description": "x" * 3000}, "2000"),
    ],
)
def test_bad_reports_get_a_clear_422(client, resident, changes, message):
    response = submit(client, "/map/report?lang=en", report_form(**changes), "/map/report")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert reports() == []


def test_a_fake_image_gets_a_clear_415_and_no_report(client, resident):
    form = report_form(photos=(io.BytesIO(b"<?php evil(); ?>"), "photo.jpg"))
    response = submit(
        client, "/map/report?lang=en", form, "/map/report", content_type="multipart/form-data"
    )
    assert response.status_code == 415
    assert "Photos must be JPEG, PNG or WebP images." in response.get_data(as_text=True)
    assert reports() == []


def test_unconfirmed_residents_cannot_report(client, app):
    log_in(client, make_user(confirmed=False))
    response = client.get("/map/report?lang=en")
    assert response.status_code == 403
    assert "Please confirm your e-mail address first." in response.get_data(as_text=True)


def test_public_list_filters_and_pages_without_javascript(app, client):
    with app.test_request_context():
        vake = make_report("vake")
        other = make_report("saburtalo", code="waste")
        db.session.commit()
    page = client.get("/map/reports?district=vake&lang=en").get_data(as_text=True)
    assert f"/map/reports/{vake.id}" in page
    assert f"/map/reports/{other.id}" not in page
    page = client.get("/map/reports?category=waste&status=new").get_data(as_text=True)
    assert f"/map/reports/{other.id}" in page
    assert f"/map/reports/{vake.id}" not in page
    assert client.get("/map/reports?page=9999999").status_code == 404
    assert client.get("/map/reports?status=bogus&older_than=-1").status_code == 200


def test_detail_shows_history_but_internal_notes_only_to_staff(app, client):
    staff = make_user(Role.DISTRICT_STAFF, districts=["vake"])
    with app.test_request_context():
        report = make_report()
        services.change_status(report, staff, "in_progress", "Crew on the way", "Ask Giorgi")
        db.session.commit()
    page = client.get(f"/map/reports/{report.id}?lang=en").get_data(as_text=True)
    assert "Crew on the way" in page
    assert "In progress" in page
    assert "Ask Giorgi" not in page
    log_in(client, staff)
    assert "Ask Giorgi" in client.get(f"/map/reports/{report.id}").get_data(as_text=True)
    assert client.get("/map/reports/2147483647").status_code == 404


def test_staff_triage_their_district_and_the_reporter_is_told(app, client, resident):
    with app.test_request_context():
        report = make_report(reporter=resident)
        db.session.commit()
    client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/map/")})
    staff = make_user(Role.DISTRICT_STAFF, districts=["vake"])
    log_in(client, staff)
    queue = client.get("/map/triage?lang=en").get_data(as_text=True)
    assert f"/map/reports/{report.id}" in queue
    response = submit(
        client,
        f"/map/reports/{report.id}/status",
        {"status": "fixed", "public_message": "Patched today"},
        f"/map/reports/{report.id}",
    )
    assert response.status_code == 302
    db.session.refresh(report)
    assert report.status == "fixed"


def test_staff_of_another_district_cannot_see_or_change_it(app, client):
    with app.test_request_context():
        report = make_report("vake")
        db.session.commit()
    log_in(client, make_user(Role.DISTRICT_STAFF, districts=["saburtalo"]))
    assert f"/map/reports/{report.id}" not in client.get("/map/triage").get_data(as_text=True)
    form = {"status": "rejected", "public_message": "no"}
    response = submit(client, f"/map/reports/{report.id}/status", form, "/map/triage")
    assert response.status_code == 403
    response = submit(client, "/map/triage/bulk", {**form, "report": report.id}, "/map/triage")
    assert response.status_code == 302
    response = submit(client, f"/map/reports/{report.id}/assign", {"assignee": ""}, "/map/triage")
    assert response.status_code == 403
    db.session.refresh(report)
    assert report.status == "new"


def test_bulk_action_changes_only_the_chosen_reports_of_ones_districts(app, client):
    with app.test_request_context():
        first, second, third = make_report(), make_report(offset_m=30), make_report(offset_m=60)
        db.session.commit()
    log_in(client, make_user(Role.DISTRICT_STAFF, districts=["vake"]))
    form = {"status": "acknowledged", "public_message": "Seen", "report": [first.id, second.id]}
    assert submit(client, "/map/triage/bulk", form, "/map/triage").status_code == 302
    assert [r.status for r in reports()] == ["acknowledged", "acknowledged", "new"]
    assert third.status == "new"
    response = submit(client, "/map/triage/bulk", {"status": "fixed"}, "/map/triage")
    assert response.status_code == 422


def test_statistics_and_feed(app, client):
    with app.test_request_context():
        make_report("vake")
        db.session.commit()
    page = client.get("/map/statistics?lang=en").get_data(as_text=True)
    assert "Vake District" in page
    feed = feedparser.parse(client.get("/map/feed.atom?district=vake&lang=en").data)
    assert len(feed.entries) == 1
    assert "Road damage" in feed.entries[0].title
    assert client.get("/map/feed.atom?district=nowhere").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3&zoom=10",
        "bbox=a,b,c,d&zoom=10",
        "bbox=44.7,41.6,44.9,41.8,1&zoom=10",
        "bbox=-181,41.6,44.9,41.8&zoom=10",
        "bbox=44.7,41.6,44.9,95&zoom=10",
        "bbox=nan,41.6,44.9,41.8&zoom=10",
        "bbox=44.7,41.6,44.9,41.8&zoom=99",
        "bbox=44.7,41.6,44.9,41.8&zoom=x",
        "zoom=10",
        "bbox=44.7,41.6,44.9,41.8",
        "bbox=44.7,41.6,44.9,41.8&zoom=10&status=broken",
    ],
)
def test_the_map_api_refuses_bad_views_with_400(client, query):
    response = client.get(f"/api/v1/reports.geojson?{query}&lang=en")
    assert response.status_code == 400
    assert response.json["error"]["message"]


def test_the_map_api_answers_points_when_few_and_clusters_when_many(app, client, monkeypatch):
    with app.test_request_context():
        for offset in range(4):
            make_report(offset_m=offset * 20)
        make_report("saburtalo", code="waste")
        db.session.commit()
    view = "bbox=44.6,41.6,45.0,41.9&zoom=12"
    features = client.get(f"/api/v1/reports.geojson?{view}").json["features"]
    assert len(features) == 5
    assert all("id" in f["properties"] for f in features)
    waste = client.get(f"/api/v1/reports.geojson?{view}&category=waste").json["features"]
    assert [f["properties"]["category"] for f in waste] == ["waste"]
    monkeypatch.setattr(queries, "FEW_FEATURES", 2)
    clusters = client.get(f"/api/v1/reports.geojson?{view}").json["features"]
    assert sorted(f["properties"]["count"] for f in clusters) == [1, 4]
    assert all(f["properties"]["cluster"] for f in clusters)


def test_the_map_api_answers_geojson_that_parses_and_links_to_each_report(app, client):
    """PostgreSQL writes the answer's text: a category code with quotes and a backslash stays
    valid JSON, and every point's link opens its report."""
    with app.test_request_context():
        report = make_report()
        report.category.code = 'pot"hole\\'
        db.session.commit()
        report_id = report.id
        lon, lat = queries.lon_lat(report)
    response = client.get("/api/v1/reports.geojson?bbox=44.6,41.6,45.0,41.9&zoom=17")
    assert response.mimetype == "application/geo+json"
    [feature] = response.json["features"]
    assert feature["properties"]["category"] == 'pot"hole\\'
    assert feature["properties"]["id"] == report_id
    assert feature["geometry"] == {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
    assert client.get(feature["properties"]["url"] + "?lang=en").status_code == 200
    filtered = client.get(
        '/api/v1/reports.geojson?bbox=44.6,41.6,45.0,41.9&zoom=17&category=pot"hole\\'
    )
    assert len(filtered.json["features"]) == 1


def test_the_map_api_may_be_kept_a_little_by_browsers_and_shared_caches(client):
    response = client.get("/api/v1/reports.geojson?bbox=44.6,41.6,45.0,41.9&zoom=12")
    assert response.json == {"type": "FeatureCollection", "features": []}
    assert response.cache_control.public
    assert response.cache_control.max_age == 15


@pytest.mark.live
def test_photos_are_processed_by_a_job_and_followers_get_mail(app, client, run_jobs, mailbox):
    with app.test_request_context():
        categories()
        db.session.commit()
        resident = make_user(locale="en")
        email, form = resident.email, report_form()
        staff_id = make_user(Role.DISTRICT_STAFF, districts=["vake"]).id
        log_in(client, resident)
    photo = (io.BytesIO(image_bytes(size=(900, 600), exif_gps=True)), "gps.jpg")
    submit(client, "/map/report", {**form, "photos": photo}, content_type="multipart/form-data")
    run_jobs()
    with app.test_request_context():
        [photo] = db.session.scalars(select(Photo)).all()
        assert photo.processed
        assert photo.thumbnail_key
        report_id = photo.report_id
    image = client.get(f"/map/photos/{photo.id}/full.jpg")
    assert image.status_code == 200
    assert image.mimetype == "image/jpeg"
    assert b"Exif" not in image.data[:200]
    assert client.get(f"/map/photos/{photo.id}/thumbnail.jpg").status_code == 200
    with app.test_request_context():
        report, staff = db.session.get(Report, report_id), db.session.get(User, staff_id)
        services.change_status(report, staff, "fixed", "Patched today", "")
        db.session.commit()
    run_jobs()
    [message] = [m for m in mailbox if m["To"] == email]
    assert "Patched today" in message.get_payload(decode=True).decode()
    assert f"/map/reports/{report_id}" in message.get_payload(decode=True).decode()


def test_the_map_api_takes_boxes_across_the_antimeridian_and_either_latitude_order(app, client):
    with app.test_request_context():
        make_report()
        db.session.commit()
    upside_down = client.get("/api/v1/reports.geojson?bbox=44.6,41.9,45.0,41.6&zoom=16").json
    assert len(upside_down["features"]) == 1
    around = client.get("/api/v1/reports.geojson?bbox=170,41.6,45.0,41.9&zoom=16").json
    assert len(around["features"]) == 1
    beside = client.get("/api/v1/reports.geojson?bbox=170,41.6,-170,41.9&zoom=16").json
    assert beside["features"] == []


def test_reporting_is_rate_limited_per_account(client, resident):
    token = csrf_token(client, "/map/report")
    form = {**report_form(), "checked": "1", "csrf_token": token}
    answers = [client.post("/map/report", data=form).status_code for _ in range(21)]
    assert answers == [302] * 20 + [429]
    assert len(reports()) == 20


def test_a_follower_answers_not_fixed_on_the_page_once_per_fix(app, client):
    with app.test_request_context():
        report = make_report()
        staff = make_user(Role.DISTRICT_STAFF, districts=["vake"])
        follower = make_user()
        services.follow(report, follower)
        services.change_status(report, staff, "fixed", "Patched")
        late = make_user()
        services.follow(report, late)  # after the fix: may not reopen it
        db.session.commit()
    url = f"/map/reports/{report.id}"
    assert "Not fixed?" not in client.get(url + "?lang=en").get_data(as_text=True)
    log_in(client, late)
    assert "Not fixed?" not in client.get(url + "?lang=en").get_data(as_text=True)
    refused = submit(client, f"{url}/reopen?lang=en", {"message": "no"}, url)
    assert refused.status_code == 403
    assert "followed the report before it was fixed" in refused.get_data(as_text=True)
    log_in(client, follower)
    assert "Not fixed?" in client.get(url + "?lang=en").get_data(as_text=True)
    too_long = submit(client, f"{url}/reopen?lang=en", {"message": "ა" * 501}, url)
    assert too_long.status_code == 422
    assert db.session.get(Report, report.id).status == "fixed"
    response = submit(client, f"{url}/reopen", {"message": "ორმო ისევ არის"}, url)
    assert response.status_code == 302
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert "ორმო ისევ არის" in page
    assert "Not fixed?" not in page
    again = submit(client, f"{url}/reopen?lang=en", {"message": "again"}, url)
    assert again.status_code == 409
    assert db.session.get(Report, report.id).reopened_count == 1
    log_in(client, make_user())  # not a follower
    assert submit(client, f"{url}/reopen", {}, url).status_code == 403
