"""Smart map rules against real PostGIS: reporting, duplicates, transitions, scoping, reopening."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import db, utcnow
from core.errors import Refused
from core.models import AuditEntry, Role
from smartmap import photos, queries, services
from smartmap.models import Follower, NotFixed, Report, ReportStatus
from tests.factories import make_user
from tests.smartmap_helpers import categories, image_bytes, make_report, place_in


@pytest.fixture(autouse=True)
def _in_english(app):
    """Refusals are read in English here (their Georgian is checked by the catalog test)."""
    with app.test_request_context("/?lang=en"):
        yield


def staff(slug="vake"):
    return make_user(Role.DISTRICT_STAFF, districts=[slug])


def test_a_report_gets_its_district_from_postgis_and_the_reporter_follows_it():
    resident = make_user()
    report = make_report("saburtalo", reporter=resident)
    assert report.district.slug == "saburtalo"
    assert report.status == "new"
    assert services.is_following(report, resident)
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.ref == report.ref)) == (
        "map.report"
    )


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (0, 0, "outside the city"),
        (100, 44.8, "between -90 and 90"),
        ("abc", 44.8, "latitude and longitude"),
        ("nan", 44.8, "between -90 and 90"),
        ("1e308", "1e308", "between -90 and 90"),
        (None, None, "latitude and longitude"),
    ],
)
def test_places_outside_the_city_or_nonsense_are_refused(lat, lon, message):
    categories()
    with pytest.raises(Refused, match=message) as refusal:
        services.create_report(services.ReportInput("road", "ორმო", lat, lon), make_user())
    assert refusal.value.status == 422
    assert db.session.scalar(select(Report.id)) is None


def test_unknown_categories_and_empty_descriptions_are_refused():
    categories()
    lat, lon = place_in("vake")
    with pytest.raises(Refused, match="category"):
        services.create_report(services.ReportInput("nope", "x", lat, lon), None)
    with pytest.raises(Refused, match="describe"):
        services.create_report(services.ReportInput("road", "  ", lat, lon), None)
    with pytest.raises(Refused, match="at most"):
        services.create_report(services.ReportInput("road", "x" * 2001, lat, lon), None)


def test_nearby_open_reports_of_the_same_category_are_suggested():
    near = make_report(offset_m=50)
    make_report(offset_m=100, status="fixed")  # not open
    make_report(code="waste", offset_m=60)  # another category
    make_report(offset_m=600)  # too far
    lat, lon = place_in("vake")
    assert services.nearby_open_reports("road", lat, lon) == [near]
    assert services.nearby_open_reports("unknown", lat, lon) == []


def test_at_most_five_suggestions_nearest_first():
    reports = [make_report(offset_m=10 * (i + 1)) for i in range(7)]
    lat, lon = place_in("vake")
    assert services.nearby_open_reports("road", lat, lon) == reports[:5]


ALLOWED = [(old, new) for old, targets in services.TRANSITIONS.items() for new in targets]
FORBIDDEN = [
    (old, new)
    for old in ReportStatus
    for new in ReportStatus
    if new not in services.TRANSITIONS[old] and new != ReportStatus.DUPLICATE
]


@pytest.mark.parametrize(("old", "new"), ALLOWED, ids=[f"{o}->{n}" for o, n in ALLOWED])
def test_every_allowed_transition_records_an_update_and_an_audit_entry(old, new):
    report = make_report(status=old.value)
    original = make_report(offset_m=500)
    update = services.change_status(
        report, staff(), new, "Public word", "note", duplicate_of=original
    )
    assert (report.status, update.old_status, update.status) == (new, old, new)
    assert (update.public_message, update.internal_note) == ("Public word", "note")
    assert report.duplicate_of_id == (original.id if new == ReportStatus.DUPLICATE else None)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.ref == report.ref))
    assert f"map.status.{new}" in list(actions)


@pytest.mark.parametrize(("old", "new"), FORBIDDEN, ids=[f"{o}->{n}" for o, n in FORBIDDEN])
def test_other_transitions_are_refused(old, new):
    report = make_report(status=old.value)
    with pytest.raises(Refused) as refusal:
        services.change_status(report, staff(), new, "message")
    assert refusal.value.status == 409
    assert report.status == old


def test_a_change_needs_a_message_or_a_note_and_a_known_status():
    report = make_report()
    with pytest.raises(Refused, match="public message or an internal note"):
        services.change_status(report, staff(), "acknowledged")
    with pytest.raises(Refused, match="status from the list"):
        services.change_status(report, staff(), "exploded", "x")


def test_staff_of_another_district_cannot_change_or_assign_a_report():
    report = make_report("vake")
    outsider = staff("saburtalo")
    with pytest.raises(Refused) as refusal:
        services.change_status(report, outsider, "acknowledged", "x")
    assert refusal.value.status == 403
    with pytest.raises(Refused):
        services.assign(report, outsider, outsider)
    with pytest.raises(Refused, match="staff of the report's district"):
        services.assign(report, staff("vake"), outsider)
    colleague = staff("vake")
    services.assign(report, staff("vake"), colleague)
    assert report.assignee_id == colleague.id


def test_the_queue_shows_only_the_districts_a_user_serves():
    mine, theirs = make_report("vake"), make_report("saburtalo")
    seen = [r.id for r in queries.queue_page(staff("vake"), 1, queries.Filters())[0].items]
    assert seen == [mine.id]
    admin = make_user(Role.ADMIN)
    seen = {r.id for r in queries.queue_page(admin, 1, queries.Filters())[0].items}
    assert seen == {mine.id, theirs.id}
    assert queries.scoped_reports(staff("vake"), [mine.id, theirs.id]) == [mine]


def test_overdue_is_measured_against_the_category_target():
    late = make_report(created_at=utcnow() - timedelta(days=20))  # road: 14 days
    fresh = make_report(offset_m=300)
    page, overdue = queries.queue_page(staff(), 1, queries.Filters())
    assert [r.id for r in page.items] == [late.id, fresh.id]
    assert overdue == {late.id}


def test_merging_a_duplicate_moves_its_followers_to_the_original():
    original, copy = make_report(), make_report(offset_m=20)
    follower = make_user()
    services.follow(copy, follower)
    services.merge_duplicate(copy, original, staff())
    assert (copy.status, copy.duplicate_of_id) == ("duplicate", original.id)
    assert services.is_following(original, follower)
    with pytest.raises(Refused, match="original report"):
        services.change_status(make_report(offset_m=40), staff(), "duplicate", "x")


def test_the_reporter_reopens_within_30_days_and_it_is_counted():
    resident = make_user()
    report = make_report(reporter=resident)
    services.change_status(report, staff(), "fixed", "Patched")
    services.reopen(report, resident, "Still a hole")
    assert (report.status, report.reopened_count) == ("acknowledged", 1)
    assert report.updates[-1].public_message == "Still a hole"
    stats = {row["slug"]: row for row in queries.district_statistics()}
    assert stats["vake"]["reopened"] == 1
    assert stats["vake"]["open"] == 1


def test_reopening_is_refused_late_by_others_or_when_not_fixed():
    resident = make_user()
    report = make_report(reporter=resident)
    with pytest.raises(Refused, match="marked fixed"):
        services.reopen(report, resident, "")
    services.change_status(report, staff(), "fixed", "Patched")
    with pytest.raises(Refused, match="followed the report before it was fixed") as error:
        services.reopen(report, make_user(), "")
    assert error.value.status == 403
    report.fixed_at = utcnow() - timedelta(days=31)
    with pytest.raises(Refused, match="within 30 days"):
        services.reopen(report, resident, "")


def test_a_follower_answers_not_fixed_and_it_is_back_in_the_queue_overdue():
    report = make_report(created_at=utcnow() - timedelta(days=40))  # road: 14 target days
    follower = make_user()
    services.follow(report, follower)
    services.change_status(report, staff(), "fixed", "Patched")
    assert queries.district_statistics(report.district_id)[0]["overdue"] == 0
    services.reopen(report, follower, "ორმო ისევ არის")
    assert (report.status, report.reopened_count, report.fixed_at) == ("acknowledged", 1, None)
    assert report.updates[-1].author_id == follower.id
    row = queries.district_statistics(report.district_id)[0]
    assert (row["open"], row["overdue"], row["reopened"]) == (1, 1, 1)
    page, overdue = queries.queue_page(staff(), 1, queries.Filters())
    assert report.id in {r.id for r in page.items}
    assert report.id in overdue


def test_one_not_fixed_per_person_per_fix_and_again_after_the_next_fix():
    resident, follower = make_user(), make_user()
    report = make_report(reporter=resident)
    services.follow(report, follower)
    services.change_status(report, staff(), "fixed", "Patched")
    services.reopen(report, follower, "")
    with pytest.raises(Refused, match="marked fixed"):
        services.reopen(report, follower, "")  # the same fix: once
    with pytest.raises(Refused, match="marked fixed"):
        services.reopen(report, resident, "")  # already reopened by the follower
    services.change_status(report, staff(), "fixed", "Patched again")
    services.reopen(report, follower, "Still not")
    assert report.reopened_count == 2


def test_not_fixed_needs_a_short_message_and_a_confirmed_follower():
    report = make_report()
    unconfirmed, follower = make_user(confirmed=False), make_user()
    services.follow(report, unconfirmed)
    services.follow(report, follower)
    services.change_status(report, staff(), "fixed", "Patched")
    with pytest.raises(Refused, match="followed the report before it was fixed"):
        services.reopen(report, unconfirmed, "")
    with pytest.raises(Refused, match="at most 500 characters"):
        services.reopen(report, follower, "ა" * 501)
    assert report.status == "fixed"


def test_only_those_who_followed_before_the_fix_answer_not_fixed():
    report, early, late = make_report(), make_user(), make_user()
    services.follow(report, early)
    services.change_status(report, staff(), "fixed", "Patched")
    services.follow(report, late)
    with pytest.raises(Refused, match="followed the report before it was fixed"):
        services.reopen(report, late, "")
    services.unfollow(report, early)
    services.follow(report, early)  # following again after the fix starts afresh
    with pytest.raises(Refused, match="followed the report before it was fixed"):
        services.reopen(report, early, "")
    assert report.status == "fixed"


def test_one_answer_row_per_person_per_fix_even_if_the_status_check_is_passed():
    """The database keeps the rule too: a second answer to the same fix is refused."""
    resident = make_user()
    report = make_report(reporter=resident)
    services.change_status(report, staff(), "fixed", "Patched")
    fix = report.updates[-1]
    services.reopen(report, resident, "")
    report.status, report.fixed_at = "fixed", utcnow()  # as if the first answer were unseen
    db.session.flush()
    with pytest.raises(Refused, match="already answered") as error:
        services.reopen(report, resident, "")
    assert error.value.status == 409
    rows = db.session.scalars(select(NotFixed).where(NotFixed.fix_update_id == fix.id)).all()
    assert [row.user_id for row in rows] == [resident.id]


def test_follow_and_unfollow():
    report, resident = make_report(), make_user()
    services.follow(report, resident)
    services.follow(report, resident)  # twice is once
    assert db.session.scalars(select(Follower).where(Follower.report_id == report.id)).all()
    services.unfollow(report, resident)
    assert not services.is_following(report, resident)


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"GIF89a not a photo", 415),
        (b"\xff\xd8\xff\xe0" + b"\0" * 100, 415),  # a JPEG header and nothing behind it
        (image_bytes("GIF"), 415),
        (b"x" * (photos.MAX_PHOTO_BYTES + 1), 413),
    ],
)
def test_fake_or_oversized_photos_are_refused(content, status):
    report = make_report()
    with pytest.raises(Refused) as refusal:
        services.add_photos(report, [content], None)
    assert refusal.value.status == status
    assert report.photos == []


def test_too_many_pixels_or_photos_are_refused(monkeypatch):
    report = make_report()
    monkeypatch.setattr(photos, "MAX_PIXELS", 100)
    with pytest.raises(Refused, match="million pixels"):
        services.add_photos(report, [image_bytes(size=(20, 20))], None)
    monkeypatch.undo()
    with pytest.raises(Refused, match="at most 3 photos"):
        services.add_photos(report, [image_bytes()] * 4, None)
    assert len(services.add_photos(report, [image_bytes("PNG"), image_bytes("WEBP")], None)) == 2


def test_reencoding_removes_exif_gps_and_makes_a_thumbnail():
    import io

    from PIL import Image

    original = image_bytes(size=(1200, 900), exif_gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    clean, thumbnail = photos.reencode(original)
    for content in (clean, thumbnail):
        image = Image.open(io.BytesIO(content))
        assert image.format == "JPEG"
        assert not image.getexif()
        assert b"PhoneMaker" not in content
    assert max(Image.open(io.BytesIO(thumbnail)).size) == photos.THUMBNAIL_SIDE
