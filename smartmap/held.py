"""Reports by people who are not logged in (SPEC §6): held until the sender confirms their
e-mail address with a signed, expiring link, then published as `new`; purged if never
confirmed. Whether the address belongs to an account is never shown to the sender.

A sender without an account is mailed about public updates of their published report like
a follower (EmailFollower). The address is kept only for that: every such mail has a link
that deletes it, deleting an account with the address deletes it, and the purge deletes it
once the report has been closed or fixed for REOPEN_DAYS (no more news is to be expected)."""

import hashlib
import hmac
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import (
    BadSignature,
    SignatureExpired,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)
from sqlalchemy import delete, func, select

from core import audit, mail, tasks
from core.db import db, utcnow
from core.districts import district_at
from core.errors import Refused
from core.inputs import clean_text
from core.models import User
from core.security import site_url
from core.storage import storage
from smartmap import photos, services
from smartmap.models import (
    OPEN_STATUSES,
    EmailFollower,
    HeldReport,
    Photo,
    Report,
    ReportUpdate,
)

SALT = "map-held-report"
UNFOLLOW_SALT = "map-email-follower"
HELD_AREA = "map-held"
MAX_NAME = 120


def max_age_hours() -> int:
    return current_app.config["MAP_HELD_REPORT_HOURS"]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token(held: HeldReport) -> str:
    return _serializer().dumps({"id": held.id, "email": held.email})


def _checked_email(email: str | None) -> str:
    email = clean_text(email or "").strip().lower()
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise Refused(_("This does not look like an e-mail address."), 422, "email") from None
    if len(email) > 254:
        raise Refused(_("This does not look like an e-mail address."), 422, "email")
    return email


def _checked_name(name: str | None) -> str:
    name = clean_text(name or "").strip()
    if len(name) > MAX_NAME:
        raise Refused(_("A name can have at most %(n)s characters.", n=MAX_NAME), 422, "name")
    return name


def _checked_photos(contents: list[bytes]) -> list[bytes]:
    contents = [content for content in contents if content]
    if len(contents) > photos.MAX_PHOTOS:
        raise Refused(
            _("A report can have at most %(n)s photos.", n=photos.MAX_PHOTOS), 422, "photos"
        )
    for content in contents:
        photos.check_photo(content)
    return contents


def hold_report(
    data: services.ReportInput, email: str, name: str, contents: list[bytes], locale: str
) -> HeldReport:
    """Keep the report aside and mail the link that publishes it. Every rule of a direct
    report applies now, so the sender hears of a mistake before leaving the form."""
    lon, lat = services.checked_point(data.latitude, data.longitude)
    category = services.checked_category(data.category_code)
    description = services.checked_description(data.description)
    answers = services.checked_form_answers(category, data)
    email, name = _checked_email(email), _checked_name(name)
    contents = _checked_photos(contents)
    district = district_at(lon, lat)
    if district is None:
        raise Refused(services.outside_city_message(), 422, "latitude")
    held = HeldReport(
        category_id=category.id,
        description=description,
        location=services.point(lon, lat),
        district_id=district.id,
        anonymous=bool(data.anonymous),
        email=email,
        name=name,
        locale=locale,
        attributes=answers,
        photo_keys=[storage().save(HELD_AREA, content, ".upload") for content in contents],
    )
    db.session.add(held)
    db.session.flush()
    _mail_link(held)
    return held


def _account(email: str) -> User | None:
    # Only a confirmed address proves the account is the sender's: anyone can sign up with
    # another person's address and never confirm it.
    statement = select(User).where(
        func.lower(User.email) == email, User.active, User.email_confirmed_at.is_not(None)
    )
    return db.session.scalars(statement).first()


def _mail_link(held: HeldReport) -> None:
    """In the account's language when the address has one, else in the sender's; the answer
    on the page is the same either way."""
    account = _account(held.email)
    locale = account.locale if account is not None else held.locale
    link = site_url("smartmap.held_report", token=token(held))
    mail.queue(held.email, "held_report", locale, held=held, link=link, hours=max_age_hours())


def held_for_token(value: str) -> HeldReport:
    """The held report a link stands for, or a clear refusal (expired, wrong, purged)."""
    try:
        data = _serializer().loads(value, max_age=max_age_hours() * 3600)
    except SignatureExpired as expired:
        # Genuine but old: a report published with it still leads to the report.
        data = _serializer().load_payload(expired.payload)
        held = _held(data)
        if held is None or held.report_id is None:
            raise Refused(_gone(), 410) from None
        return held
    except BadSignature:
        raise Refused(_("This link is not valid. Please check that it is complete."), 404) from None
    held = _held(data)
    if held is None:
        raise Refused(_gone(), 410)
    return held


def _held(data) -> HeldReport | None:
    held_id = data.get("id") if isinstance(data, dict) else None
    held = db.session.get(HeldReport, held_id) if isinstance(held_id, int) else None
    return held if held is not None and held.email == data.get("email") else None


def _gone() -> str:
    # A published report's trace is purged too after a while, so this cannot say which.
    return _(
        "This link has expired. If you confirmed your report with it, the report is on the"
        " map; if not, please report the problem again."
    )


def publish(held: HeldReport) -> Report:
    """Publish the held report as `new` (once: a second click finds the published one)."""
    db.session.execute(select(HeldReport.id).where(HeldReport.id == held.id).with_for_update())
    db.session.refresh(held)
    if held.report_id is not None:
        return db.session.get(Report, held.report_id)
    reporter = _account(held.email)
    report = Report(
        category_id=held.category_id,
        description=held.description,
        location=held.location,
        district_id=held.district_id,
        anonymous=held.anonymous,
        reporter_id=reporter.id if reporter else None,
        reporter_name=None if reporter else (held.name or None),
        attributes=held.attributes,
    )
    db.session.add(report)
    db.session.flush()
    if reporter is not None:
        services.follow(report, reporter)
    else:
        db.session.add(EmailFollower(report_id=report.id, email=held.email, locale=held.locale))
    _attach_photos(report, held.photo_keys)
    held.report_id, held.photo_keys = report.id, []
    audit.record(reporter, "map.report", report.ref, held=held.id)
    return report


def _attach_photos(report: Report, keys: list[str]) -> None:
    for key in keys:
        photo = Photo(report=report, storage_key=key)
        db.session.add(photo)
        db.session.flush()
        tasks.defer("smartmap.process_photo", photo_id=photo.id)


def _delete(held: HeldReport) -> None:
    for key in held.photo_keys:
        storage().delete(key)  # after the commit
    db.session.delete(held)


def forget(email: str) -> None:
    """An account with this address is deleted: its reports still waiting go too, and so does
    the address kept to mail the sender of published ones."""
    for waiting in db.session.scalars(select(HeldReport).where(HeldReport.email == email)):
        _delete(waiting)
    db.session.execute(
        delete(EmailFollower).where(func.lower(EmailFollower.email) == email.lower())
    )
    db.session.flush()


def purge(now=None) -> int:
    """Delete held reports older than the link's life, with their photos; returns how many
    were never confirmed. Published ones lose only the trace that redirects a second click."""
    cutoff = (now or utcnow()) - timedelta(hours=max_age_hours())
    statement = select(HeldReport).where(HeldReport.created_at < cutoff)
    statement = statement.with_for_update(of=HeldReport)
    unconfirmed = 0
    for held in db.session.scalars(statement):
        unconfirmed += held.report_id is None
        _delete(held)
    _forget_senders_of_settled_reports(now or utcnow())
    db.session.flush()
    return unconfirmed


def _forget_senders_of_settled_reports(now) -> None:
    """Closed or fixed for REOPEN_DAYS: no "not fixed" can come, so no news is expected."""
    settled = select(Report.id).where(
        Report.status.not_in(OPEN_STATUSES),
        Report.updated_at < now - timedelta(days=services.REOPEN_DAYS),
    )
    db.session.execute(delete(EmailFollower).where(EmailFollower.report_id.in_(settled)))


def _unfollow_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNFOLLOW_SALT)


def _address_digest(email: str) -> str:
    """Stands for the address in a link: links end up in logs and proxies, addresses must not."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()[:32]


def unfollow_token(report_id: int, email: str) -> str:
    """In every update mail to a sender: valid as long as the address is kept."""
    return _unfollow_serializer().dumps({"report": report_id, "who": _address_digest(email)})


def email_follower_for(value: str) -> tuple[int, EmailFollower | None]:
    """(report id, the sender it stands for, None once deleted) of an unfollow link, or a
    clear 404."""
    try:
        data = _unfollow_serializer().loads(value)
        report_id, who = int(data["report"]), str(data["who"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise Refused(_("This link is not valid. Please check that it is complete."), 404) from None
    senders = db.session.scalars(select(EmailFollower).where(EmailFollower.report_id == report_id))
    found = (f for f in senders if hmac.compare_digest(_address_digest(f.email), who))
    return report_id, next(found, None)


def stop_mail(value: str) -> int:
    """Delete the address kept for this report (again: nothing more to delete); the report."""
    report_id, follower = email_follower_for(value)
    if follower is not None:
        db.session.delete(follower)
        db.session.flush()
    return report_id


def mail_senders(update_id: int) -> int:
    """Mail the senders without an account who follow the report by e-mail about a public
    update; returns how many."""
    update = db.session.get(ReportUpdate, update_id)
    if update is None or not update.public_message:
        return 0
    statement = select(EmailFollower).where(EmailFollower.report_id == update.report_id)
    link = site_url("smartmap.detail", report_id=update.report_id)
    sent = 0
    for follower in db.session.scalars(statement):
        stop = site_url(
            "smartmap.email_unfollow", token=unfollow_token(update.report_id, follower.email)
        )
        context = {"update": update, "report": update.report, "link": link, "unfollow_link": stop}
        mail.queue(follower.email, "report_update", follower.locale, **context)
        sent += 1
    return sent
