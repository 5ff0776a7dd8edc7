"""Residency checks against the census list, and staff reviews of the ones that fail.

Every failed check gets the same answer, so the page tells nobody where a person is
registered or whether they have an account; the audit log keeps the real reason for staff.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts.models import CensusEntry, ResidencyReview
from core import audit, mail
from core.db import db, utcnow
from core.errors import Refused
from core.forms import has_control_characters
from core.models import District, User
from core.security import site_url

PERSONAL_NUMBER = re.compile(r"^\d{11}$")
NOTE_LENGTH = 1000


def personal_number_hmac(personal_number: str) -> str:
    key = current_app.config["PERSONAL_NUMBER_KEY"].encode()
    return hmac.new(key, personal_number.encode(), hashlib.sha256).hexdigest()


NOT_CONFIRMED = "not_confirmed"  # the refusal after which a review may be asked for


def not_confirmed_message() -> str:
    return _(
        "We could not confirm your place of registration with this personal number and "
        "district. Check both and try again. If they are right, ask staff to review it."
    )


def _checked_input(personal_number: str, district_id: int | None) -> tuple[str, District]:
    number = (personal_number or "").strip()
    if not PERSONAL_NUMBER.match(number):
        raise Refused(_("A personal number has 11 digits."), status=422, field="personal_number")
    district = db.session.get(District, district_id) if district_id else None
    if district is None:
        raise Refused(
            _("Please choose the district where you are registered."), status=422, field="district"
        )
    return personal_number_hmac(number), district


def _holder(digest: str) -> User | None:
    return db.session.scalars(select(User).where(User.personal_number_hmac == digest)).first()


def _listed_district_id(digest: str) -> int | None:
    return db.session.scalar(
        select(CensusEntry.district_id).where(CensusEntry.personal_number_hmac == digest)
    )


def _refuse(user: User, district: District, outcome: str, status: int = 422):
    audit.record(
        user, "residency.attempt", f"user:{user.id}", district=district.slug, outcome=outcome
    )
    raise Refused(
        not_confirmed_message(), status=status, field="personal_number", reason=NOT_CONFIRMED
    )


def verify_residency(user: User, personal_number: str, district_id: int | None) -> District:
    """Confirm `user` as registered in the district; every attempt is audited.

    Two accounts racing for one number: the unique index decides, the loser gets a 409.
    """
    digest, district = _checked_input(personal_number, district_id)
    if _listed_district_id(digest) != district.id:
        _refuse(user, district, "not_listed")
    holder = _holder(digest)
    if holder is not None and holder.id != user.id:
        _refuse(user, district, "claimed")
    try:
        with db.session.begin_nested():
            _mark_verified(user, digest, district)
    except IntegrityError:
        _refuse(user, district, "conflict", status=409)
    audit.record(
        user, "residency.attempt", f"user:{user.id}", district=district.slug, outcome="verified"
    )
    return district


def _mark_verified(user: User, digest: str, district: District) -> None:
    user.personal_number_hmac, user.verified_district_id = digest, district.id
    user.residency_verified_at = utcnow()
    user.district_id = user.district_id or district.id
    db.session.flush()


def _release(user: User) -> None:
    user.personal_number_hmac = user.verified_district_id = user.residency_verified_at = None
    db.session.flush()


def request_review(user: User, personal_number: str, district_id: int | None, note: str):
    """A resident asks staff to check a residency they could not confirm themselves."""
    digest, district = _checked_input(personal_number, district_id)
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH or has_control_characters(note, multiline=True):
        raise Refused(_("Please shorten the note to 1000 characters."), status=422, field="note")
    if _pending_review_of(user) is not None:
        raise Refused(_("Your earlier request is still waiting for staff."), status=409)
    review = ResidencyReview(
        user_id=user.id, personal_number_hmac=digest, district_id=district.id, note=note
    )
    try:
        with db.session.begin_nested():  # a double submit: the unique index keeps one
            db.session.add(review)
    except IntegrityError:
        raise Refused(_("Your earlier request is still waiting for staff."), status=409) from None
    audit.record(user, "residency.review.request", f"user:{user.id}", review=review.id)
    return review


def _pending_review_of(user: User) -> ResidencyReview | None:
    return db.session.scalars(
        select(ResidencyReview).where(
            ResidencyReview.user_id == user.id, ResidencyReview.status == "pending"
        )
    ).first()


@dataclass
class ReviewCase:
    """What staff need to decide: the request, where the census lists the number, who has it."""

    review: ResidencyReview
    listed_district: District | None
    holder: User | None

    @property
    def listed_as_asked(self) -> bool:
        return (
            self.listed_district is not None and self.listed_district.id == self.review.district_id
        )


def pending_reviews() -> list[ReviewCase]:
    reviews = db.session.scalars(
        select(ResidencyReview)
        .where(ResidencyReview.status == "pending")
        .order_by(ResidencyReview.created_at)
    ).all()
    return [_case(review) for review in reviews]


def _case(review: ResidencyReview) -> ReviewCase:
    listed = _listed_district_id(review.personal_number_hmac)
    return ReviewCase(
        review,
        db.session.get(District, listed) if listed else None,
        _holder(review.personal_number_hmac),
    )


def resolve_review(review: ResidencyReview, release: bool, actor: User) -> None:
    """Release the number from the account holding it and confirm the requester, or refuse."""
    db.session.refresh(review, with_for_update=True)  # two admins at once: one decides
    if review.status != "pending":
        raise Refused(_("This request has already been resolved."), status=409)
    case = _case(review)
    released_from = None
    if release:
        if not case.listed_as_asked:
            raise Refused(
                _("The census list does not have this number in this district: refuse instead."),
                status=409,
            )
        if case.holder is not None and case.holder.id != review.user_id:
            released_from = case.holder.id
            _release(case.holder)
            _tell(case.holder, "residency_released")
        _mark_verified(review.user, review.personal_number_hmac, review.district)
    review.status = "released" if release else "refused"
    review.resolved_at, review.resolved_by_id = utcnow(), actor.id
    _tell(review.user, f"residency_review_{review.status}")
    audit.record(
        actor,
        f"residency.review.{review.status}",
        f"user:{review.user_id}",
        review=review.id,
        released_from=released_from,
    )


def _tell(user: User, template: str) -> None:
    link = site_url("accounts.profile")
    mail.queue(user.email, template, user.locale, user=user, link=link)
