"""Reports by visitors who are not logged in: held until the e-mail link is confirmed, never
public before, purged when never confirmed (SPEC §6)."""

import io
import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from core.db import db, utcnow
from core.errors import Refused
from core.models import OutboxMail, Role
from core.storage import storage
from smartmap import held, queries, services
from smartmap.models import HeldReport, Photo, Report
from tests.conftest import csrf_token, submit
from tests.factories import log_in, make_user
from tests.smartmap_helpers import categories, image_bytes, place_in

LINK = re.compile(r"http://localhost(/map/held/[\w.\-]+)")


def data(slug="vake", **changes) -> services.ReportInput:
    lat, lon = place_in(slug)
    values = {"category_code": "road", "description": "ორმო ტროტუარზე", "latitude": lat}
    return services.ReportInput(**{**values, "longitude": lon, **changes})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def outbox(address: str) -> list[OutboxMail]:
    return list(db.session.scalars(select(OutboxMail).where(OutboxMail.to_addr == address)))


def link_in(mail: OutboxMail) -> str:
    return LINK.search(mail.body_text).group(1)


@pytest.fixture
def ctx_en(app):
    with app.test_request_context("/?lang=en"):
        categories()
        yield


# Services


@pytest.mark.usefixtures("ctx_en")
def test_a_held_report_is_nowhere_in_public_or_in_queues_until_confirmed():
    waiting = held.hold_report(data(), "Visitor@Example.org", "ნინო", [], "en")
    assert (waiting.email, waiting.district.slug, waiting.report_id) == (
        "visitor@example.org",
        "vake",
        None,
    )
    assert count(Report) == 0
    assert queries.public_page(1, queries.Filters()).total == 0
    assert queries.latest(None) == []
    assert queries.features((44.6, 41.6, 45.0, 41.9), 16)["features"] == []
    assert all(row["open"] == 0 for row in queries.district_statistics())
    admin_queue, _ = queries.queue_page(make_user(Role.ADMIN), 1, queries.Filters())
    assert admin_queue.total == 0
    [mail] = outbox("visitor@example.org")
    assert mail.locale == "en"
    assert "/map/held/" in mail.body_text
    assert "48 hours" in mail.body_text


@pytest.mark.usefixtures("ctx_en")
def test_confirming_publishes_it_as_new_once_with_its_photos():
    waiting = held.hold_report(data(), "v@example.org", "Nino", [image_bytes()], "ka")
    [key] = waiting.photo_keys
    report = held.publish(held.held_for_token(held.token(waiting)))
    assert (report.status, report.district.slug, report.reporter_id) == ("new", "vake", None)
    assert report.reporter_name == "Nino"
    assert [photo.storage_key for photo in report.photos] == [key]
    assert queries.public_page(1, queries.Filters()).total == 1
    again = held.publish(held.held_for_token(held.token(waiting)))
    assert again.id == report.id
    assert (count(Report), count(Photo)) == (1, 1)


@pytest.mark.usefixtures("ctx_en")
def test_an_address_with_an_account_is_held_too_and_mailed_in_the_accounts_language():
    account = make_user(locale="en", email="known@example.org")
    waiting = held.hold_report(data(), "known@example.org", "", [], "ka")
    assert count(Report) == 0
    [mail] = outbox("known@example.org")
    assert mail.locale == "en"
    report = held.publish(waiting)
    assert report.reporter_id == account.id
    assert services.is_following(report, account)


@pytest.mark.usefixtures("ctx_en")
def test_an_unconfirmed_account_with_the_address_is_not_credited_with_the_report():
    # Anyone can sign up with another person's address; only confirming it proves it is theirs.
    squatter = make_user(email="owner@example.org", confirmed=False)
    report = held.publish(held.hold_report(data(), "owner@example.org", "Owner", [], "ka"))
    assert report.reporter_id is None
    assert report.reporter_name == "Owner"
    assert not services.is_following(report, squatter)


@pytest.mark.usefixtures("ctx_en")
@pytest.mark.parametrize(
    ("changes", "email", "name", "message"),
    [
        ({}, "not-an-address", "", "does not look like an e-mail address"),
        ({}, "", "", "does not look like an e-mail address"),
        ({}, "a@example.org", "ა" * 121, "at most 120 characters"),
        ({"latitude": 0, "longitude": 0}, "a@example.org", "", "outside the city"),
        ({"category_code": "nope"}, "a@example.org", "", "choose a category"),
        ({"description": "\x00\x01"}, "a@example.org", "", "describe the problem"),
        ({"description": "ა" * 2001}, "a@example.org", "", "at most 2000 characters"),
        ({"latitude": "nan"}, "a@example.org", "", "between -90 and 90"),
    ],
)
def test_holding_refuses_what_a_direct_report_refuses(changes, email, name, message):
    with pytest.raises(Refused, match=message):
        held.hold_report(data(**changes), email, name, [], "ka")
    assert count(HeldReport) == 0
    assert outbox("a@example.org") == []


@pytest.mark.usefixtures("ctx_en")
def test_holding_refuses_fake_and_too_many_photos():
    with pytest.raises(Refused, match="JPEG, PNG or WebP"):
        held.hold_report(data(), "a@example.org", "", [b"<?php ?>"], "ka")
    with pytest.raises(Refused, match="at most 3 photos"):
        held.hold_report(data(), "a@example.org", "", [image_bytes()] * 4, "ka")
    assert count(HeldReport) == 0


@pytest.mark.usefixtures("ctx_en")
def test_links_that_are_expired_tampered_or_purged_are_refused_clearly(app):
    waiting = held.hold_report(data(), "a@example.org", "", [], "ka")
    token = held.token(waiting)
    with pytest.raises(Refused, match="not valid") as error:
        held.held_for_token(token[:-3] + "abc")
    assert error.value.status == 404
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=held.SALT)
    old.signer = _signer_in_the_past()
    with pytest.raises(Refused, match="has expired") as error:
        held.held_for_token(old.dumps({"id": waiting.id, "email": waiting.email}))
    assert error.value.status == 410
    other = held.token(held.hold_report(data(), "b@example.org", "", [], "ka"))
    forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=held.SALT).dumps(
        {"id": waiting.id, "email": "b@example.org"}
    )
    with pytest.raises(Refused, match="has expired"):
        held.held_for_token(forged)  # signed, but for another address
    assert held.held_for_token(other).email == "b@example.org"
    db.session.delete(waiting)
    db.session.flush()
    with pytest.raises(Refused, match="has expired"):
        held.held_for_token(token)


@pytest.mark.usefixtures("ctx_en")
def test_an_expired_link_of_a_published_report_still_leads_to_it(app):
    waiting = held.hold_report(data(), "a@example.org", "", [], "ka")
    report = held.publish(waiting)
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=held.SALT)
    old.signer = _signer_in_the_past()
    expired = old.dumps({"id": waiting.id, "email": waiting.email})
    assert held.held_for_token(expired).report_id == report.id


def _signer_in_the_past():
    from itsdangerous import TimestampSigner

    class PastSigner(TimestampSigner):
        def get_timestamp(self):
            return super().get_timestamp() - 49 * 3600

    return PastSigner


@pytest.mark.usefixtures("ctx_en")
def test_purge_deletes_unconfirmed_reports_after_the_configured_time(app):
    stale = held.hold_report(data(), "old@example.org", "", [image_bytes()], "ka")
    confirmed = held.hold_report(data(), "done@example.org", "", [], "ka")
    fresh = held.hold_report(data(), "new@example.org", "", [], "ka")
    report = held.publish(confirmed)
    long_ago = utcnow() - timedelta(hours=49)
    stale.created_at = confirmed.created_at = long_ago
    db.session.flush()
    assert held.purge() == 1
    assert [h.id for h in db.session.scalars(select(HeldReport))] == [fresh.id]
    assert db.session.get(Report, report.id) is not None
    app.config["MAP_HELD_REPORT_HOURS"] = 1
    try:
        fresh.created_at = utcnow() - timedelta(hours=2)
        assert held.purge() == 1
    finally:
        app.config["MAP_HELD_REPORT_HOURS"] = 48


@pytest.mark.usefixtures("ctx_en")
def test_deleting_an_account_deletes_the_reports_its_address_still_holds():
    from smartmap import datarights

    account = make_user(email="leaving@example.org")
    held.hold_report(data(), "leaving@example.org", "", [image_bytes()], "ka")
    other = held.hold_report(data(), "staying@example.org", "", [], "ka")
    datarights.erase(account)
    assert [h.id for h in db.session.scalars(select(HeldReport))] == [other.id]


# Pages


def visitor_form(slug="vake", **changes) -> dict:
    lat, lon = place_in(slug)
    return {
        "category": "road",
        "description": "ორმო",
        "latitude": lat,
        "longitude": lon,
        "checked": "1",
        "email": "visitor@example.org",
        "name": "ნინო",
        **changes,
    }


@pytest.fixture
def visitor(app):
    with app.test_request_context():
        categories()
        db.session.commit()


@pytest.mark.usefixtures("visitor")
def test_a_visitor_reports_confirms_by_button_and_the_report_appears(client):
    form_page = client.get("/map/report?lang=en").get_data(as_text=True)
    assert "Your e-mail address (not shown in public)" in form_page
    response = submit(client, "/map/report", visitor_form(), "/map/report")
    assert response.status_code == 302
    assert response.location.endswith("/map/")
    page = client.get("/map/?lang=en").get_data(as_text=True)
    assert "Please open the link we have sent to your e-mail address" in page
    assert count(Report) == 0
    assert "ორმო" not in client.get("/map/reports").get_data(as_text=True)
    [mail] = outbox("visitor@example.org")
    link = link_in(mail)
    confirm = client.get(link + "?lang=en")  # what a mail scanner does: nothing is published
    assert confirm.status_code == 200
    assert "Publish my report" in confirm.get_data(as_text=True)
    assert count(Report) == 0
    published = submit(client, link, {}, link)
    [report] = db.session.scalars(select(Report)).all()
    assert published.location.endswith(f"/map/reports/{report.id}")
    assert "ნინო" in client.get(published.location).get_data(as_text=True)
    assert client.get(link).location.endswith(f"/map/reports/{report.id}")
    assert submit(client, link, {}, "/map/report").status_code == 302  # a second click
    assert count(Report) == 1


@pytest.mark.usefixtures("visitor")
@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"email": ""}, 422, "Please enter your e-mail address."),
        ({"email": "nope"}, 422, "This does not look like an e-mail address."),
        ({"name": "ნინო\x01"}, 422, "control characters"),
        ({"name": "ა" * 121}, 422, "120"),
        ({"description": "ა" * 100_000}, 422, "2000"),
        ({"latitude": "0", "longitude": "0"}, 422, "This place is outside the city."),
        ({"email": "a\x00@example.org"}, 400, "invisible control characters"),
        ({"name": "ნინო\x00"}, 400, "invisible control characters"),
    ],
)
def test_bad_visitor_reports_get_a_clear_4xx_and_keep_what_was_typed(
    client, changes, status, message
):
    form = visitor_form(**changes)
    response = submit(client, "/map/report?lang=en", form, "/map/report")
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page
    if status == 422 and "email" not in changes:
        assert 'value="visitor@example.org"' in page
    assert count(HeldReport) == 0


@pytest.mark.usefixtures("visitor")
def test_visitor_reports_are_rate_limited_per_email_address(client):
    token = csrf_token(client, "/map/report")
    answers = [
        client.post("/map/report", data={**visitor_form(), "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert answers == [302] * 5 + [429]
    other = {**visitor_form(email="other@example.org"), "csrf_token": token}
    assert client.post("/map/report", data=other).status_code == 302
    assert count(HeldReport) == 6


@pytest.mark.usefixtures("visitor")
def test_corrected_mistakes_do_not_count_against_the_limit(client):
    token = csrf_token(client, "/map/report")
    for _ in range(6):  # a description left empty, six times
        wrong = {**visitor_form(description=""), "csrf_token": token}
        assert client.post("/map/report", data=wrong).status_code == 422
    answers = [
        client.post("/map/report", data={**visitor_form(), "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert answers == [302] * 5 + [429]


@pytest.mark.usefixtures("visitor")
def test_visitor_reports_are_rate_limited_per_address(client):
    token = csrf_token(client, "/map/report")
    answers = [
        client.post(
            "/map/report", data={**visitor_form(email=f"v{n}@example.org"), "csrf_token": token}
        ).status_code
        for n in range(21)
    ]
    assert answers == [302] * 20 + [429]


@pytest.mark.usefixtures("visitor")
def test_a_cross_site_post_without_a_token_holds_nothing(client):
    assert client.post("/map/report", data=visitor_form()).status_code == 400
    assert count(HeldReport) == 0


@pytest.mark.usefixtures("visitor")
def test_a_known_address_gets_the_same_answer_as_an_unknown_one(client):
    make_user(email="known@example.org")
    known = submit(client, "/map/report", visitor_form(email="known@example.org"), "/map/report")
    unknown = submit(client, "/map/report", visitor_form(email="new@example.org"), "/map/report")
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    assert (count(HeldReport), count(Report)) == (2, 0)


@pytest.mark.usefixtures("visitor")
def test_a_bad_link_is_a_clear_404_and_a_logged_in_resident_reports_directly(client):
    response = client.get("/map/held/nonsense?lang=en")
    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)
    assert client.post("/map/held/nonsense").status_code == 400  # no CSRF token
    log_in(client, make_user())
    assert "Your e-mail address" not in client.get("/map/report?lang=en").get_data(as_text=True)
    response = submit(client, "/map/report", visitor_form(), "/map/report")
    assert response.location.startswith("/map/reports/")
    assert count(HeldReport) == 0


# Live: the real mail over SMTP and the real purge job


@pytest.mark.live
def test_the_confirmation_mail_arrives_and_its_link_publishes(app, client, run_jobs, mailbox):
    with app.test_request_context():
        categories()
        db.session.commit()
        form = visitor_form(email="live@example.org")
    form["photos"] = (io.BytesIO(image_bytes(exif_gps=True)), "gps.jpg")
    response = submit(client, "/map/report?lang=en", form, content_type="multipart/form-data")
    assert response.status_code == 302
    run_jobs()
    [message] = [m for m in mailbox if m["To"] == "live@example.org"]
    assert message["Subject"] == "Confirm your report of a problem"
    link = LINK.search(message.get_payload(decode=True).decode()).group(1)
    assert submit(client, link, {}, link).status_code == 302
    run_jobs()  # the photo is processed once published
    with app.app_context():
        [report] = db.session.scalars(select(Report)).all()
        assert report.status == "new"
        assert [photo.processed for photo in report.photos] == [True]


@pytest.mark.live
def test_the_purge_job_deletes_unconfirmed_reports_and_their_photo_files(app, run_jobs):
    from core import tasks

    with app.test_request_context():
        categories()
        waiting = held.hold_report(data(), "late@example.org", "", [image_bytes()], "ka")
        [key] = waiting.photo_keys
        waiting.created_at = utcnow() - timedelta(hours=49)
        kept = held.hold_report(data(), "soon@example.org", "", [], "ka").id
        db.session.commit()
        assert storage().exists(key)
        tasks.defer("smartmap.purge_held", timestamp=0)
        db.session.commit()
    run_jobs()
    with app.app_context():
        assert [h.id for h in db.session.scalars(select(HeldReport))] == [kept]
        assert not storage().exists(key)
