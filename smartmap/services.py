"""Smart map rules: reporting, duplicates, status changes, reopening, following."""

import math
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import cast, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from core import audit, tasks
from core.db import db, utcnow
from core.errors import Refused
from core.inputs import clean_text
from core.models import District, User
from core.storage import storage
from smartmap import attributes, photos
from smartmap.models import (
    OPEN_STATUSES,
    STATUS_LABELS,
    Category,
    Follower,
    NotFixed,
    Photo,
    Report,
    ReportStatus,
    ReportUpdate,
)
from smartmap.permissions import NOT_FIXED_REFUSAL, can_reopen, can_triage

UPLOAD_AREA = "map-uploads"
MAX_DESCRIPTION = 2000
MAX_MESSAGE = 2000
REOPEN_DAYS = 30
MAX_REOPEN_MESSAGE = 500  # "not fixed" is a short answer, not a new report
S = ReportStatus
# Which status may follow which; staff may also reopen a closed-type report to `acknowledged`.
TRANSITIONS = {
    S.NEW: {S.ACKNOWLEDGED, S.IN_PROGRESS, S.FIXED, S.CLOSED, S.DUPLICATE, S.REFERRED, S.REJECTED},
    S.ACKNOWLEDGED: {S.IN_PROGRESS, S.FIXED, S.CLOSED, S.DUPLICATE, S.REFERRED, S.REJECTED},
    S.IN_PROGRESS: {S.ACKNOWLEDGED, S.FIXED, S.CLOSED, S.DUPLICATE, S.REFERRED, S.REJECTED},
    S.FIXED: {S.ACKNOWLEDGED, S.CLOSED},
    S.CLOSED: {S.ACKNOWLEDGED},
    S.DUPLICATE: {S.ACKNOWLEDGED},
    S.REFERRED: {S.ACKNOWLEDGED},
    S.REJECTED: {S.ACKNOWLEDGED},
}


@dataclass
class ReportInput:
    category_code: str
    description: str
    latitude: float | None
    longitude: float | None
    anonymous: bool = False
    # The report form's answers to the category's questions ({code: [values]}); None where
    # they are not asked here (an Open311 client's are checked by the Open311 layer).
    answers: dict[str, list[str]] | None = None


def active_categories() -> list[Category]:
    statement = select(Category).where(Category.active).order_by(Category.code)
    return list(db.session.scalars(statement))


def category_by_code(code: str | None, active_only: bool = True) -> Category | None:
    statement = select(Category).where(Category.code == (code or ""))
    if active_only:
        statement = statement.where(Category.active)
    return db.session.scalars(statement).first()


def checked_point(latitude, longitude) -> tuple[float, float]:
    """(longitude, latitude) as finite numbers on Earth, or a clear refusal."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        message = _("Please give the place as latitude and longitude.")
        raise Refused(message, 422, "latitude") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise Refused(
            _("Latitude must be between -90 and 90 and longitude between -180 and 180."),
            422,
            "latitude",
        )
    return lon, lat


def point(lon: float, lat: float):
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


def outside_city_message() -> str:
    return _("This place is outside the city. Please choose a place within its districts.")


def checked_category(code: str) -> Category:
    category = category_by_code(code)
    if category is None:
        raise Refused(_("Please choose a category from the list."), 422, "category")
    return category


def checked_description(text: str) -> str:
    text = clean_text(text or "").strip()
    if not text:
        raise Refused(_("Please describe the problem."), 422, "description")
    if len(text) > MAX_DESCRIPTION:
        raise Refused(
            _("A description can have at most %(n)s characters.", n=MAX_DESCRIPTION),
            422,
            "description",
        )
    return text


def checked_form_answers(category: Category, data: ReportInput) -> dict:
    if data.answers is None:
        return {}
    return attributes.checked_answers(category, data.answers, attributes.REPORT_FORM)


def create_report(data: ReportInput, reporter: User | None, api_key_id: int | None = None):
    """Insert the report with its district found by PostGIS in the same statement; a point in
    no district is outside the city."""
    lon, lat = checked_point(data.latitude, data.longitude)
    category = checked_category(data.category_code)
    description = checked_description(data.description)
    answers = checked_form_answers(category, data)
    location = point(lon, lat)
    district = (
        select(District.id).where(func.ST_Covers(District.geom, location)).limit(1)
    ).scalar_subquery()
    values = {
        "category_id": category.id,
        "description": description,
        "location": location,
        "district_id": district,
        "anonymous": bool(data.anonymous),
        "reporter_id": reporter.id if reporter else None,
        "api_key_id": api_key_id,
        "attributes": answers,
    }
    try:
        with db.session.begin_nested():
            report_id = db.session.scalar(insert(Report).values(**values).returning(Report.id))
    except IntegrityError:  # district_id NOT NULL: no district covers the point
        raise Refused(outside_city_message(), 422, "latitude") from None
    report = db.session.get(Report, report_id)
    if reporter is not None:
        follow(report, reporter)
    audit.record(reporter, "map.report", report.ref, api_key=api_key_id)
    return report


def answer_attributes(report: Report, answers: dict) -> None:
    """Keep an Open311 client's checked answers to the category's attributes."""
    report.attributes = answers
    db.session.flush()


def nearby_open_reports(category_code: str, latitude, longitude, limit: int = 5) -> list[Report]:
    """Open reports of the same category within MAP_DUPLICATE_RADIUS_M, nearest first."""
    category = category_by_code(category_code)
    if category is None:
        return []
    lon, lat = checked_point(latitude, longitude)
    here = cast(point(lon, lat), _geography())
    statement = (
        select(Report)
        .where(
            Report.category_id == category.id,
            Report.status.in_(OPEN_STATUSES),
            func.ST_DWithin(
                cast(Report.location, _geography()),
                here,
                current_app.config["MAP_DUPLICATE_RADIUS_M"],
            ),
        )
        .order_by(func.ST_Distance(cast(Report.location, _geography()), here))
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def _geography():
    from geoalchemy2 import Geography

    return Geography(srid=4326)


def _message(text: str | None, field: str, limit: int = MAX_MESSAGE) -> str:
    text = clean_text(text or "").strip()
    if len(text) > limit:
        raise Refused(_("A message can have at most %(n)s characters.", n=limit), 422, field)
    return text


def _record_update(report, actor, new_status, public_message, internal_note) -> ReportUpdate:
    update = ReportUpdate(
        report=report,
        old_status=report.status,
        status=new_status,
        public_message=public_message,
        internal_note=internal_note,
        author_id=actor.id if actor else None,
    )
    db.session.add(update)
    return update


def change_status(
    report: Report,
    actor: User,
    new_status: str,
    public_message: str = "",
    internal_note: str = "",
    duplicate_of: Report | None = None,
) -> ReportUpdate:
    """A staff member's change, with a public message or an internal note (one is needed)."""
    if not can_triage(actor, report):
        raise Refused(_("You do not have permission to do this."), 403)
    target = _allowed_target(report, new_status)
    public_message, internal_note = _checked_messages(public_message, internal_note)
    if target == ReportStatus.DUPLICATE:
        _check_duplicate_target(report, duplicate_of)
    update = _record_update(report, actor, target.value, public_message, internal_note)
    _apply_status(report, target, duplicate_of)
    audit.record(actor, f"map.status.{target.value}", report.ref, old=update.old_status)
    if public_message:
        _notify_followers(update)
    return update


def _allowed_target(report: Report, new_status: str) -> ReportStatus:
    """The status asked for, if the report's present status may become it."""
    try:
        target = ReportStatus(new_status)
    except ValueError:
        raise Refused(_("Please choose a status from the list."), 422, "status") from None
    if target not in TRANSITIONS[ReportStatus(report.status)]:
        message = _(
            "A report that is %(old)s cannot become %(new)s.",
            old=report.status_label,
            new=str(STATUS_LABELS[target]),
        )
        raise Refused(message, 409, "status")
    return target


def _checked_messages(public_message: str, internal_note: str) -> tuple[str, str]:
    public_message = _message(public_message, "public_message")
    internal_note = _message(internal_note, "internal_note")
    if not public_message and not internal_note:
        message = _("Please write a public message or an internal note.")
        raise Refused(message, 422, "public_message")
    return public_message, internal_note


def _apply_status(report: Report, target: ReportStatus, duplicate_of: Report | None) -> None:
    """The new status; a fix starts the 30 days in which "not fixed" may be answered."""
    report.status = target.value
    report.duplicate_of_id = duplicate_of.id if target == ReportStatus.DUPLICATE else None
    if target == ReportStatus.FIXED:
        report.fixed_at = utcnow()
    report.updated_at = utcnow()
    db.session.flush()


def _check_duplicate_target(report: Report, original: Report | None) -> None:
    if original is None or original.id == report.id:
        raise Refused(_("Please give the number of the original report."), 422, "duplicate_of")
    if original.duplicate_of_id == report.id or original.status == ReportStatus.DUPLICATE:
        raise Refused(_("The original report is itself a duplicate."), 422, "duplicate_of")


def merge_duplicate(report: Report, original: Report, actor: User, message: str = ""):
    """Mark `report` a duplicate of `original`; its followers follow the original."""
    if not can_triage(actor, original):
        raise Refused(_("You do not have permission to do this."), 403)
    message = message or _("This problem was already reported as report %(id)s.", id=original.id)
    update = change_status(report, actor, ReportStatus.DUPLICATE, message, duplicate_of=original)
    follower_ids = select(Follower.user_id).where(Follower.report_id == report.id)
    db.session.execute(
        pg_insert(Follower)
        .from_select(["report_id", "user_id"], select(original.id, follower_ids.subquery().c[0]))
        .on_conflict_do_nothing()
    )
    return update


def assign(report: Report, actor: User, assignee: User | None) -> None:
    if not can_triage(actor, report):
        raise Refused(_("You do not have permission to do this."), 403)
    if assignee is not None and not can_triage(assignee, report):
        raise Refused(
            _("Reports can only be assigned to staff of the report's district."), 422, "assignee"
        )
    report.assignee_id = assignee.id if assignee else None
    report.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "map.assign", report.ref, assignee=report.assignee_id)


def reopen(report: Report, actor: User, message: str) -> ReportUpdate:
    """The reporter or someone who followed before the fix says it is not fixed, within 30 days
    of the fix: back in the district's queue (its overdue clock still runs from the day it was
    reported), counted in the public statistics. The row lock makes two answers to one fix
    reopen it once; the unique answer row keeps each person to one answer per fix."""
    db.session.execute(select(Report.id).where(Report.id == report.id).with_for_update())
    db.session.refresh(report)
    if not can_reopen(actor, report):
        raise Refused(str(NOT_FIXED_REFUSAL), 403)
    fix = _reopenable_fix(report)
    message = _message(message, "message", MAX_REOPEN_MESSAGE) or _("It is not fixed.")
    _record_not_fixed(report, fix, actor)
    update = _record_update(report, actor, ReportStatus.ACKNOWLEDGED.value, message, "")
    report.status = ReportStatus.ACKNOWLEDGED.value
    report.reopened_count += 1
    report.fixed_at = None
    report.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "map.reopen", report.ref, fix=fix.id)
    _notify_followers(update)
    return update


def _reopenable_fix(report: Report) -> ReportUpdate:
    """The update that marked the report fixed, if "not fixed" may still answer it."""
    if report.status != ReportStatus.FIXED or report.fixed_at is None:
        raise Refused(_("Only a report marked fixed can be reopened."), 409)
    if utcnow() - report.fixed_at > timedelta(days=REOPEN_DAYS):
        raise Refused(
            _("A report can be reopened within %(n)s days of being fixed.", n=REOPEN_DAYS), 409
        )
    statement = (
        select(ReportUpdate)
        .where(ReportUpdate.report_id == report.id, ReportUpdate.status == ReportStatus.FIXED)
        .order_by(ReportUpdate.id.desc())
        .limit(1)
    )
    return db.session.scalars(statement).one()


def _record_not_fixed(report: Report, fix: ReportUpdate, actor: User) -> None:
    answered = db.session.scalar(
        pg_insert(NotFixed)
        .values(report_id=report.id, fix_update_id=fix.id, user_id=actor.id)
        .on_conflict_do_nothing()
        .returning(NotFixed.id)
    )
    if answered is None:
        raise Refused(_("You have already answered that this fix did not work."), 409)


def follow(report: Report, user: User) -> None:
    # The time from Python, as `fixed_at` is: a follow after a fix within one transaction
    # must still come after it (the database's now() is the transaction's start).
    db.session.execute(
        pg_insert(Follower)
        .values(report_id=report.id, user_id=user.id, created_at=utcnow())
        .on_conflict_do_nothing()
    )


def unfollow(report: Report, user: User) -> None:
    db.session.execute(
        Follower.__table__.delete().where(
            Follower.report_id == report.id, Follower.user_id == user.id
        )
    )


def is_following(report: Report, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.get(Follower, (report.id, user.id)) is not None


def _notify_followers(update: ReportUpdate) -> None:
    db.session.flush()
    tasks.defer("smartmap.mail_followers", update_id=update.id)


def queue_follower_mail(update_id: int) -> int:
    """Mail every follower but the author about a public update; returns how many."""
    from core import mail
    from core.security import site_url

    update = db.session.get(ReportUpdate, update_id)
    if update is None or not update.public_message:
        return 0
    statement = (
        select(User)
        .join(Follower, Follower.user_id == User.id)
        .where(Follower.report_id == update.report_id, User.active)
    )
    sent = 0
    for user in db.session.scalars(statement):
        if user.id == update.author_id:
            continue
        link = site_url("smartmap.detail", report_id=update.report_id)
        mail.queue(
            user.email, "report_update", user.locale, update=update, report=update.report, link=link
        )
        sent += 1
    return sent


def add_photos(report: Report, contents: list[bytes], actor: User | None) -> list[Photo]:
    """Check each upload by content now; the job re-encodes it (the report is taken at once).
    The raw upload is never served: only the processed photo is."""
    contents = [content for content in contents if content]
    if len(contents) + len(report.photos) > photos.MAX_PHOTOS:
        raise Refused(
            _("A report can have at most %(n)s photos.", n=photos.MAX_PHOTOS), 422, "photos"
        )
    for content in contents:
        photos.check_photo(content)
    added = []
    for content in contents:
        photo = Photo(report=report, storage_key=storage().save(UPLOAD_AREA, content, ".upload"))
        db.session.add(photo)
        db.session.flush()
        tasks.defer("smartmap.process_photo", photo_id=photo.id)
        added.append(photo)
    if added:
        audit.record(actor, "map.photos", report.ref, count=len(added))
    return added


def reorder_reports(lock_timeout_s: int = 10) -> None:
    """Rewrite map_report in spatial order, so a street view reads a few dozen table pages.
    The GiST index built anew in one sort follows a Hilbert curve (PostGIS 3.1+), and CLUSTER
    writes the rows in the index's order; new reports go to the end until the next time.

    The table is locked first, for the whole of it: REINDEX alone would let a map reader in
    between that CLUSTER's stronger lock then waits for, while the reader waits for the
    index (a deadlock). Readers wait meanwhile; a long transaction holding the table makes
    this give up after `lock_timeout_s` instead of queueing every map request behind it."""
    db.session.execute(text(f"SET LOCAL lock_timeout = '{int(lock_timeout_s)}s'"))
    db.session.execute(text("LOCK TABLE map_report IN ACCESS EXCLUSIVE MODE"))
    db.session.execute(text("SET LOCAL lock_timeout = 0"))
    db.session.execute(text("REINDEX INDEX idx_map_report_location"))
    db.session.execute(text("CLUSTER map_report USING idx_map_report_location"))
    db.session.execute(text("ANALYZE map_report"))
