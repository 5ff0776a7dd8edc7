"""Petition rules (SPEC §4): every step of the life cycle, signing, and the clock.

Each transition checks who (petitions.permissions) and when (the status), writes an audit
entry and flushes; the request or job around it commits. Counting the signatures lives in
petitions.counting, removing them in petitions.invalidation, the mails in petitions.mails.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert

from core import audit, events, links, tasks
from core.db import db, execute_core, utcnow
from core.errors import Refused
from core.inputs import clean_text
from core.models import User
from petitions import announcements, permissions, settings
from petitions.models import (
    DETAILS_MAX,
    SIGNABLE_STATUSES,
    SUMMARY_MAX,
    TITLE_MAX,
    Petition,
    Signature,
    Sponsor,
    Status,
    Topic,
)

WITHDRAWABLE = {Status.DRAFT, Status.COLLECTING_SPONSORS, Status.IN_MODERATION, Status.OPEN}
RESPONDABLE = {Status.THRESHOLD_REACHED, Status.AWAITING_RESPONSE}


@dataclass
class PetitionInput:
    title: str
    summary: str
    details: str = ""
    topic: str = Topic.OTHER.value
    language: str = "ka"


def ensure_allowed(permission, actor, *objects) -> None:
    if not permission(actor, *objects):
        raise Refused(_("You do not have permission to do this."), status=403)


def ensure_status(petition: Petition, allowed: set) -> None:
    if petition.status not in allowed:
        raise Refused(
            _(
                "This cannot be done while the petition is “%(status)s”.",
                status=petition.status_label,
            ),
            status=409,
        )


def move(petition: Petition, status: Status, actor, action: str, **details) -> None:
    petition.status = status.value
    petition.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, f"petition.{action}", petition.ref, **details)


def _clean(data: PetitionInput) -> PetitionInput:
    title, summary = clean_text(data.title).strip(), clean_text(data.summary).strip()
    details = clean_text(data.details or "").strip()
    if not title or not summary:
        raise Refused(_("Please give the petition a title and a summary."), 422, "title")
    for value, limit, name in (
        (title, TITLE_MAX, "title"),
        (summary, SUMMARY_MAX, "summary"),
        (details, DETAILS_MAX, "details"),
    ):
        if len(value) > limit:
            raise Refused(_("At most %(n)s characters, please.", n=limit), 422, name)
    if data.topic not in {topic.value for topic in Topic}:
        raise Refused(_("Please choose a topic from the list."), 422, "topic")
    language = data.language if data.language in ("ka", "en") else "ka"
    return PetitionInput(title, summary, details, data.topic, language)


def _require_residency(user) -> None:
    if settings.residency_required() and not user.verified_district_id:
        raise Refused(
            _("Only residents with a confirmed place of registration may take part."), 403
        )


def create_petition(author: User, data: PetitionInput, origin_ref: str | None = None) -> Petition:
    """A new draft; `origin_ref` remembers where it started (a map report, checked by the
    caller with `links.origin`), and the two are linked both ways."""
    ensure_allowed(permissions.can_start_petition, author)
    _require_residency(author)
    data = _clean(data)
    petition = Petition(
        author_id=author.id,
        district_id=author.verified_district_id or author.district_id,
        sponsor_key=secrets.token_urlsafe(16)[:22],
        origin_ref=origin_ref,
        **data.__dict__,
    )
    db.session.add(petition)
    db.session.flush()
    audit.record(author, "petition.create", petition.ref)
    if origin_ref:
        links.link_started(petition.ref, origin_ref, author)
    return petition


def update_petition(actor: User, petition: Petition, data: PetitionInput) -> Petition:
    ensure_allowed(permissions.can_edit_petition, actor, petition)
    ensure_status(petition, {Status.DRAFT})
    for name, value in _clean(data).__dict__.items():
        setattr(petition, name, value)
    petition.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "petition.edit", petition.ref)
    return petition


def ask_for_sponsors(actor: User, petition: Petition) -> None:
    """The author finishes the draft: supporters next (or moderation when none are needed)."""
    ensure_allowed(permissions.can_edit_petition, actor, petition)
    ensure_status(petition, {Status.DRAFT})
    move(petition, Status.COLLECTING_SPONSORS, actor, "ask_for_sponsors")
    if settings.sponsors_needed() <= 0:
        move(petition, Status.IN_MODERATION, None, "to_moderation")


def sponsor_count(petition: Petition) -> int:
    statement = select(func.count()).where(Sponsor.petition_id == petition.id)
    return db.session.scalar(statement)


def add_sponsor(actor: User, petition: Petition) -> bool:
    """Back a petition through its link; True if this was new. Enough backers: moderation."""
    ensure_allowed(permissions.can_sponsor_petition, actor, petition)
    ensure_status(petition, {Status.COLLECTING_SPONSORS})
    added = db.session.execute(
        insert(Sponsor)
        .values(petition_id=petition.id, user_id=actor.id)
        .on_conflict_do_nothing()
        .returning(Sponsor.id)
    ).scalar_one_or_none()
    if added is not None:
        audit.record(actor, "petition.sponsor", petition.ref)
    if sponsor_count(petition) >= settings.sponsors_needed():
        move(petition, Status.IN_MODERATION, None, "to_moderation")
    return added is not None


def approve(actor: User, petition: Petition) -> None:
    ensure_allowed(permissions.can_moderate_petitions, actor)
    ensure_status(petition, {Status.IN_MODERATION})
    now = utcnow()
    petition.opened_at = now
    petition.deadline = now + timedelta(days=settings.open_days())
    move(petition, Status.OPEN, actor, "approve")


def reject(actor: User, petition: Petition, reason: str, explanation: str) -> None:
    ensure_allowed(permissions.can_moderate_petitions, actor)
    ensure_status(petition, {Status.IN_MODERATION})
    explanation = clean_text(explanation or "").strip()
    if reason not in settings.rejection_reasons():
        raise Refused(_("Please choose a reason from the list."), 422, "reason")
    if not explanation:
        raise Refused(_("Please explain the decision to the author."), 422, "explanation")
    petition.rejection_reason, petition.rejection_explanation = reason, explanation[:2000]
    petition.closed_at = utcnow()
    move(petition, Status.REJECTED, actor, "reject", reason=reason)


def withdraw(actor: User, petition: Petition) -> None:
    ensure_allowed(permissions.can_withdraw_petition, actor, petition)
    ensure_status(petition, WITHDRAWABLE)
    petition.closed_at = utcnow()
    move(petition, Status.WITHDRAWN, actor, "withdraw")


def respond(actor: User, petition: Petition, response: str) -> None:
    """Publish the official response; signers who asked to be told get a mail (in batches)."""
    ensure_allowed(permissions.can_respond_to_petition, actor, petition)
    ensure_status(petition, RESPONDABLE)
    response = clean_text(response or "").strip()
    if not response:
        raise Refused(_("Please write the response."), 422, "response")
    petition.response_text, petition.responded_at = response[:10_000], utcnow()
    move(petition, Status.RESPONDED, actor, "respond")
    tasks.defer("petitions.notify_signers", petition_id=petition.id, after_id=0)
    events.emit(
        "petition.responded",
        petition.ref,
        {"petition_id": petition.id, "news": announcements.response_published(petition)},
        once_key=f"{petition.ref}:responded",
    )


# Signing: one INSERT, never an update of the petition row.


def sign(user: User, petition: Petition, show_name: bool = False, notify: bool = False) -> bool:
    """Sign once; a second attempt (also a concurrent one) changes nothing. True if new."""
    ensure_allowed(permissions.can_sign_petitions, user)
    _require_residency(user)
    if petition.status not in SIGNABLE_STATUSES:
        raise Refused(_("This petition is not open for signatures."), 409)
    statement = (
        insert(Signature)
        .values(
            petition_id=petition.id,
            user_id=user.id,
            district_id=user.verified_district_id or user.district_id,
            show_name=show_name,
            notify=notify,
        )
        .on_conflict_do_nothing(index_elements=["petition_id", "user_id"])
        .returning(Signature.id)
    )
    return db.session.execute(statement).scalar_one_or_none() is not None


def _sign_if_open_statement():
    """Signs only a petition open for signatures, and says which of three things happened:
    no row (the petition is not open, or not there), a row with the new signature's id, or a
    row with none (a repeat). Built once, since the signing request runs it more than
    anything else."""
    values = ("user_id", "district_id", "show_name", "notify")
    # Tables, not ORM classes: a plain Core statement runs past the ORM's execution. The
    # statuses as plain binds: an IN list would be expanded anew on every execution.
    petition = Petition.__table__.c
    signable = (
        select(petition.id)
        .where(petition.id == bindparam("new_petition_id"))
        .where(or_(*(petition.status == status for status in sorted(SIGNABLE_STATUSES))))
        .cte("signable")
    )
    # Parameters named apart from the columns: the INSERT would take those for its own.
    table = Signature.__table__
    added = (
        insert(table)
        .from_select(
            ["petition_id", *values],
            select(signable.c.id, *(bindparam(f"new_{name}") for name in values)),
        )
        .on_conflict_do_nothing(index_elements=["petition_id", "user_id"])
        .returning(table.c.id)
        .cte("added")
    )
    return select(signable.c.id.label("petition_id"), added.c.id.label("signature_id")).select_from(
        signable.outerjoin(added, true())
    )


SIGN_IF_OPEN = _sign_if_open_statement()


def sign_if_open(user: User, petition_id: int, show_name: bool, notify: bool) -> bool | None:
    """The signing request's hot path: one statement that signs only a petition open for
    signatures, without loading it. True if new, False for a repeat; None for a petition not
    open or not there, which the caller tells apart with `sign` (the rare, slower path)."""
    ensure_allowed(permissions.can_sign_petitions, user)
    _require_residency(user)
    values = {
        "new_petition_id": petition_id,
        "new_user_id": user.id,
        "new_district_id": user.verified_district_id or user.district_id,
        "new_show_name": show_name,
        "new_notify": notify,
    }
    db.session.flush()  # the statement reads the petition's status from the database
    row = execute_core(SIGN_IF_OPEN, values).first()
    return None if row is None else row.signature_id is not None


# The clock: deadlines close petitions, late responses are flagged.


def tick(now: datetime | None = None) -> dict:
    now = now or utcnow()
    expired = db.session.scalars(
        select(Petition).where(Petition.status.in_(SIGNABLE_STATUSES), Petition.deadline <= now)
    ).all()
    for petition in expired:
        petition.closed_at = now
        reached = petition.status == Status.THRESHOLD_REACHED
        move(petition, Status.AWAITING_RESPONSE if reached else Status.CLOSED, None, "close")
    overdue = db.session.scalars(
        select(Petition).where(
            Petition.status.in_(RESPONDABLE),
            Petition.response_due_at <= now,
            Petition.response_overdue_at.is_(None),
        )
    ).all()
    for petition in overdue:
        petition.response_overdue_at = now
        db.session.flush()
        audit.record(None, "petition.response_overdue", petition.ref)
    return {"closed": len(expired), "overdue": len(overdue), "anonymised": anonymise(now)}


def anonymise(now: datetime) -> int:
    """Signatures of petitions closed long enough ago lose their signer (SPEC §4); the
    district snapshot stays, so the counts by district do too. Returns the signatures changed."""
    ended = func.coalesce(Petition.closed_at, Petition.responded_at)
    closed_long_ago = select(Petition.id).where(
        Petition.status.notin_(SIGNABLE_STATUSES),
        ended <= now - timedelta(days=settings.anonymise_days()),
    )
    result = db.session.execute(
        update(Signature)
        .where(Signature.petition_id.in_(closed_long_ago), Signature.user_id.is_not(None))
        .values(user_id=None, show_name=False, notify=False)
    )
    return result.rowcount
