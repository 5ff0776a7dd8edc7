"""Petition rules (SPEC §4): every step of the life cycle, signing, counting, thresholds.

Each transition checks who (petitions.permissions) and when (the status), writes an audit
entry and flushes; the request or job around it commits.
"""

import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, or_, select, text, true, update
from sqlalchemy.dialects.postgresql import insert

from core import audit, events, links, mail, tasks
from core.db import db, execute_core, utcnow
from core.errors import Refused
from core.i18n import city_zone
from core.inputs import clean_text
from core.models import Role, RoleGrant, User
from core.security import site_url
from petitions import permissions, settings
from petitions.models import (
    DETAILS_MAX,
    SIGNABLE_STATUSES,
    SUMMARY_MAX,
    TITLE_MAX,
    Petition,
    Signature,
    SignatureInvalidation,
    SignatureTally,
    Sponsor,
    Status,
    ThresholdCrossing,
    Topic,
)

PROGRESS_STEPS = (33, 66, 100)  # per cent of the first threshold, told once each
WITHDRAWABLE = {Status.DRAFT, Status.COLLECTING_SPONSORS, Status.IN_MODERATION, Status.OPEN}
RESPONDABLE = {Status.THRESHOLD_REACHED, Status.AWAITING_RESPONSE}
COUNT_BATCH = 50_000


@dataclass
class PetitionInput:
    title: str
    summary: str
    details: str = ""
    topic: str = Topic.OTHER.value
    language: str = "ka"


def _allowed(permission, actor, *objects) -> None:
    if not permission(actor, *objects):
        raise Refused(_("You do not have permission to do this."), status=403)


def _in_status(petition: Petition, allowed: set) -> None:
    if petition.status not in allowed:
        raise Refused(
            _(
                "This cannot be done while the petition is “%(status)s”.",
                status=petition.status_label,
            ),
            status=409,
        )


def _move(petition: Petition, status: Status, actor, action: str, **details) -> None:
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
    _allowed(permissions.can_start_petition, author)
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
    _allowed(permissions.can_edit_petition, actor, petition)
    _in_status(petition, {Status.DRAFT})
    for name, value in _clean(data).__dict__.items():
        setattr(petition, name, value)
    petition.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "petition.edit", petition.ref)
    return petition


def ask_for_sponsors(actor: User, petition: Petition) -> None:
    """The author finishes the draft: supporters next (or moderation when none are needed)."""
    _allowed(permissions.can_edit_petition, actor, petition)
    _in_status(petition, {Status.DRAFT})
    _move(petition, Status.COLLECTING_SPONSORS, actor, "ask_for_sponsors")
    if settings.sponsors_needed() <= 0:
        _move(petition, Status.IN_MODERATION, None, "to_moderation")


def sponsor_count(petition: Petition) -> int:
    statement = select(func.count()).where(Sponsor.petition_id == petition.id)
    return db.session.scalar(statement)


def add_sponsor(actor: User, petition: Petition) -> bool:
    """Back a petition through its link; True if this was new. Enough backers: moderation."""
    _allowed(permissions.can_sponsor_petition, actor, petition)
    _in_status(petition, {Status.COLLECTING_SPONSORS})
    added = db.session.execute(
        insert(Sponsor)
        .values(petition_id=petition.id, user_id=actor.id)
        .on_conflict_do_nothing()
        .returning(Sponsor.id)
    ).scalar_one_or_none()
    if added is not None:
        audit.record(actor, "petition.sponsor", petition.ref)
    if sponsor_count(petition) >= settings.sponsors_needed():
        _move(petition, Status.IN_MODERATION, None, "to_moderation")
    return added is not None


def approve(actor: User, petition: Petition) -> None:
    _allowed(permissions.can_moderate_petitions, actor)
    _in_status(petition, {Status.IN_MODERATION})
    now = utcnow()
    petition.opened_at = now
    petition.deadline = now + timedelta(days=settings.open_days())
    _move(petition, Status.OPEN, actor, "approve")


def reject(actor: User, petition: Petition, reason: str, explanation: str) -> None:
    _allowed(permissions.can_moderate_petitions, actor)
    _in_status(petition, {Status.IN_MODERATION})
    explanation = clean_text(explanation or "").strip()
    if reason not in settings.rejection_reasons():
        raise Refused(_("Please choose a reason from the list."), 422, "reason")
    if not explanation:
        raise Refused(_("Please explain the decision to the author."), 422, "explanation")
    petition.rejection_reason, petition.rejection_explanation = reason, explanation[:2000]
    petition.closed_at = utcnow()
    _move(petition, Status.REJECTED, actor, "reject", reason=reason)


def withdraw(actor: User, petition: Petition) -> None:
    _allowed(permissions.can_withdraw_petition, actor, petition)
    _in_status(petition, WITHDRAWABLE)
    petition.closed_at = utcnow()
    _move(petition, Status.WITHDRAWN, actor, "withdraw")


def respond(actor: User, petition: Petition, response: str) -> None:
    """Publish the official response; signers who asked to be told get a mail (in batches)."""
    _allowed(permissions.can_respond_to_petition, actor, petition)
    _in_status(petition, RESPONDABLE)
    response = clean_text(response or "").strip()
    if not response:
        raise Refused(_("Please write the response."), 422, "response")
    petition.response_text, petition.responded_at = response[:10_000], utcnow()
    _move(petition, Status.RESPONDED, actor, "respond")
    tasks.defer("petitions.notify_signers", petition_id=petition.id, after_id=0)
    events.emit(
        "petition.responded",
        petition.ref,
        {"petition_id": petition.id, "news": _response_news(petition)},
        once_key=f"{petition.ref}:responded",
    )


# Signing: one INSERT, never an update of the petition row.


def sign(user: User, petition: Petition, show_name: bool = False, notify: bool = False) -> bool:
    """Sign once; a second attempt (also a concurrent one) changes nothing. True if new."""
    _allowed(permissions.can_sign_petitions, user)
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
    _allowed(permissions.can_sign_petitions, user)
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


def has_signed(user, petition: Petition) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    statement = select(Signature.id).where(
        Signature.petition_id == petition.id, Signature.user_id == user.id
    )
    return db.session.scalar(statement) is not None


# Counting: a single job adds uncounted signatures to the shown counts.

# The counter's statements, in the order every writer locks: signatures, then the petition
# row, then its tallies (a removal does the same, so neither waits on the other in a circle).
MARK_COUNTED = text(
    """
    WITH batch AS (
        SELECT id FROM petition_signature WHERE NOT counted AND invalidation_id IS NULL
        ORDER BY id LIMIT :batch FOR UPDATE SKIP LOCKED
    ), marked AS (
        UPDATE petition_signature s SET counted = true FROM batch
        WHERE s.id = batch.id RETURNING s.petition_id, s.district_id, s.created_at
    )
    SELECT petition_id, date(timezone(:zone, created_at)), district_id, count(*)
    FROM marked GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    """
)
ADD_TO_COUNTS = text(
    """
    UPDATE petition p SET shown_count = p.shown_count + added.n
    FROM unnest(CAST(:ids AS integer[]), CAST(:ns AS integer[])) AS added(id, n)
    WHERE p.id = added.id
    RETURNING p.id, p.shown_count - added.n AS before, p.shown_count AS after
    """
)


def _add_to_tallies(rows: list) -> None:
    table = SignatureTally.__table__
    statement = insert(table).values(
        petition_id=bindparam("the_petition"),
        day=bindparam("the_day"),
        district_id=bindparam("the_district"),
        signatures=bindparam("added"),
    )
    statement = statement.on_conflict_do_update(
        index_elements=["petition_id", "day", "district_id"],
        set_={"signatures": table.c.signatures + statement.excluded.signatures},
    )
    values = ("the_petition", "the_day", "the_district", "added")
    db.session.execute(statement, [dict(zip(values, row, strict=True)) for row in rows])


def _count_batch(batch: int) -> list:
    """Count one batch: (petition id, count before, count after) of each petition moved."""
    rows = db.session.execute(MARK_COUNTED, {"batch": batch, "zone": city_zone().key}).all()
    if not rows:
        return []
    added = Counter()
    for petition_id, _day, _district, n in rows:
        added[petition_id] += n
    ids = sorted(added)
    moved = db.session.execute(ADD_TO_COUNTS, {"ids": ids, "ns": [added[i] for i in ids]}).all()
    _add_to_tallies(rows)
    return moved


def count_new_signatures(batch: int = COUNT_BATCH) -> int:
    """Add new signatures to the shown counts and the tallies by day and district, a batch at
    a time; then thresholds and progress notices for the petitions that moved. Returns the
    number of signatures counted."""
    total = 0
    while True:
        moved = _count_batch(batch)
        counted = sum(after - before for _, before, after in moved)
        for petition_id, before, after in moved:
            _after_count(db.session.get(Petition, petition_id), before, after)
        total += counted
        if counted < batch:
            db.session.flush()
            return total


RECOUNT = text(
    """
    UPDATE petition p SET shown_count = c.n
    FROM (SELECT p2.id, count(s.id) AS n FROM petition p2
          LEFT JOIN petition_signature s
            ON s.petition_id = p2.id AND s.counted AND s.invalidation_id IS NULL
          GROUP BY p2.id) c
    WHERE p.id = c.id AND p.shown_count <> c.n
    """
)
RETALLY = text(
    """
    INSERT INTO petition_signature_tally (petition_id, day, district_id, signatures)
    SELECT petition_id, date(timezone(:zone, created_at)), district_id, count(*)
    FROM petition_signature
    WHERE counted AND invalidation_id IS NULL
      AND (CAST(:petition_id AS integer) IS NULL OR petition_id = :petition_id)
    GROUP BY 1, 2, 3
    """
)


def reconcile() -> int:
    """Nightly: recount every petition from its counted signatures and rebuild the tallies by
    day and district; returns how many shown counts changed."""
    # Petitions locked first (not against signing's key-share locks), so the recount, a
    # statement of its own, sees every removal committed before it and none can slip between.
    db.session.execute(select(Petition.id).order_by(Petition.id).with_for_update(key_share=True))
    changed = db.session.execute(RECOUNT).rowcount
    retally()  # petitions, then tallies: the order the counter and removals lock them in
    return changed


def retally(petition_id: int | None = None) -> None:
    """Rebuild the tallies by day and district from the counted signatures (of one petition,
    or of all)."""
    rows = select(SignatureTally.id)
    if petition_id is not None:
        rows = rows.where(SignatureTally.petition_id == petition_id)
    # Locked in the order the counter and removals lock them, so none waits on the other.
    order = (SignatureTally.petition_id, SignatureTally.day, SignatureTally.district_id)
    locked = db.session.scalars(rows.order_by(*order).with_for_update()).all()
    db.session.execute(delete(SignatureTally).where(SignatureTally.id.in_(locked)))
    db.session.execute(RETALLY, {"zone": city_zone().key, "petition_id": petition_id})


def _after_count(petition: Petition, before: int, after: int) -> None:
    db.session.refresh(petition, ["shown_count"])
    thresholds = settings.thresholds()
    for step in PROGRESS_STEPS:
        mark = -(-thresholds[0] * step // 100)  # rounded up
        if before < mark <= after:
            _progress_notice(petition, step)
    for threshold in thresholds:
        if before < threshold <= after:
            cross_threshold(petition, threshold, after)


def _progress_notice(petition: Petition, step: int) -> None:
    events.emit(
        "petition.progress",
        petition.ref,
        {"petition_id": petition.id, "percent": step},
        once_key=f"{petition.ref}:progress:{step}",
    )


def cross_threshold(petition: Petition, threshold: int, count: int) -> bool:
    """Record a crossing once (a unique row); only the first records its consequences."""
    crossing = db.session.execute(
        insert(ThresholdCrossing)
        .values(petition_id=petition.id, threshold=threshold, count_at_crossing=count)
        .on_conflict_do_nothing()
        .returning(ThresholdCrossing.id)
    ).scalar_one_or_none()
    if petition.status == Status.OPEN:  # also again, after removed signatures took it back
        petition.response_due_at = utcnow() + timedelta(days=settings.response_days())
        _move(petition, Status.THRESHOLD_REACHED, None, "threshold_reached", threshold=threshold)
    if crossing is None:
        return False
    events.emit(
        "petition.threshold",
        petition.ref,
        {"petition_id": petition.id, "threshold": threshold, "news": _news(petition, threshold)},
        once_key=f"{petition.ref}:threshold:{threshold}",
    )
    return True


def _news(petition: Petition, threshold: int) -> dict:
    """The automatic news post's text, in both languages whatever the page's language."""
    return {
        "title": {
            "ka": f"პეტიციამ „{petition.title}“ {threshold} ხელმოწერას მიაღწია",
            "en": f"Petition “{petition.title}” reached {threshold} signatures",
        },
        "body": {
            "ka": (
                f"პეტიციამ {threshold} ხელმოწერის ზღვარს მიაღწია. მერია ოფიციალურ პასუხს "
                f"{settings.response_days()} დღის ვადაში გამოაქვეყნებს."
            ),
            "en": (
                f"The petition crossed the threshold of {threshold} signatures. City Hall will "
                f"publish its official response within {settings.response_days()} days."
            ),
        },
    }


def _response_news(petition: Petition) -> dict:
    """The automatic news post of a published response (SPEC §7), in both languages."""
    return {
        "title": {
            "ka": f"მერიამ პეტიციას „{petition.title}“ ოფიციალური პასუხი გასცა",
            "en": f"City Hall responded to the petition “{petition.title}”",
        },
        "body": {
            "ka": f"მერიის ოფიციალური პასუხი:\n\n{petition.response_text}",
            "en": f"City Hall's official response:\n\n{petition.response_text}",
        },
    }


# Moderators remove signatures in bulk: the rows stay, marked with who removed them and why.

INVALIDATABLE = SIGNABLE_STATUSES | {Status.CLOSED, Status.AWAITING_RESPONSE, Status.RESPONDED}
REASON_MAX = 500
DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


@dataclass
class SignatureFilter:
    """Which signatures to remove: an e-mail domain (and its subdomains) and/or signed within
    a time window (UTC moments, either end open)."""

    domain: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def criteria(self) -> dict:
        moments = {"since": self.since, "until": self.until}
        found = {name: value.isoformat() for name, value in moments.items() if value}
        return {"domain": self.domain, **found} if self.domain else found


def _checked(given: SignatureFilter) -> SignatureFilter:
    domain = clean_text(given.domain or "").strip().lower().removeprefix("@")
    if domain and not DOMAIN.match(domain):
        raise Refused(_("Please give an e-mail domain such as spam.example."), 422, "domain")
    if not domain and not given.since and not given.until:
        raise Refused(_("Please give an e-mail domain, a time window or both."), 422, "domain")
    if given.since and given.until and given.since >= given.until:
        raise Refused(_("The time window must end after it begins."), 422, "until")
    return SignatureFilter(domain, given.since, given.until)


def _matching(petition: Petition, given: SignatureFilter):
    """The petition's valid signatures that the (checked) filter selects."""
    statement = select(Signature.id, Signature.counted).where(
        Signature.petition_id == petition.id, Signature.invalidation_id.is_(None)
    )
    if given.domain:
        email = func.lower(User.email)
        statement = statement.join(User, Signature.user_id == User.id).where(
            or_(
                email.endswith(f"@{given.domain}", autoescape=True),
                email.endswith(f".{given.domain}", autoescape=True),
            )
        )
    if given.since:
        statement = statement.where(Signature.created_at >= given.since)
    if given.until:
        statement = statement.where(Signature.created_at < given.until)
    return statement


def preview_invalidation(actor: User, petition: Petition, given: SignatureFilter) -> int:
    """How many signatures the filter would remove now."""
    _allowed(permissions.can_invalidate_signatures, actor, petition)
    matching = _matching(petition, _checked(given)).subquery()
    return db.session.scalar(select(func.count()).select_from(matching))


def invalidate_signatures(
    actor: User, petition: Petition, given: SignatureFilter, reason: str
) -> SignatureInvalidation:
    """Mark the matching signatures invalid, take the counted ones off the shown count at once
    (so it never shows more than the valid signatures), record one audit entry. Crossed
    thresholds stay recorded: their consequences (response, news) have happened."""
    _allowed(permissions.can_invalidate_signatures, actor, petition)
    _in_status(petition, INVALIDATABLE)
    reason = _checked_reason(reason)
    given = _checked(given)
    if not preview_invalidation(actor, petition, given):
        raise Refused(_("No signature of this petition matches the filter."), 422, "domain")
    removal = _new_removal(actor, petition, given, reason)
    removal.removed, uncounted = _mark_invalid(petition, given, removal)
    _uncount(petition, uncounted.total())
    _untally(petition, uncounted)
    _reopen_if_under_threshold(actor, petition)
    _audit_removal(actor, petition, removal)
    return removal


def _checked_reason(reason: str) -> str:
    """The public reason of a removal: given, and short enough to show."""
    reason = clean_text(reason or "").strip()
    if not reason:
        message = _("Please give the reason; it is shown on the petition's page.")
        raise Refused(message, 422, "reason")
    if len(reason) > REASON_MAX:
        raise Refused(_("At most %(n)s characters, please.", n=REASON_MAX), 422, "reason")
    return reason


def _new_removal(
    actor: User, petition: Petition, given: SignatureFilter, reason: str
) -> SignatureInvalidation:
    removal = SignatureInvalidation(
        petition_id=petition.id,
        moderator_id=actor.id,
        reason=reason,
        criteria=given.criteria(),
        removed=0,
    )
    db.session.add(removal)
    db.session.flush()
    return removal


def _uncount(petition: Petition, uncounted: int) -> None:
    """Take removed signatures off the shown count in SQL (the counter may be adding)."""
    petition.shown_count = func.greatest(Petition.shown_count - uncounted, 0)
    db.session.flush()
    db.session.refresh(petition, ["shown_count"])


def _audit_removal(actor: User, petition: Petition, removal: SignatureInvalidation) -> None:
    audit.record(
        actor,
        "petition.invalidate_signatures",
        petition.ref,
        invalidation_id=removal.id,
        removed=removal.removed,
        reason=removal.reason,
        **removal.criteria,
    )


def _reopen_if_under_threshold(actor: User, petition: Petition) -> None:
    """Removed signatures can take a petition back under its threshold before its deadline:
    it is open again and owes no response until it crosses again (its first crossing stays
    recorded, so the news post and mails are not sent twice)."""
    if petition.status == Status.THRESHOLD_REACHED and (
        petition.shown_count < settings.first_threshold()
    ):
        petition.response_due_at = None
        _move(petition, Status.OPEN, actor, "back_under_threshold")


def _mark_invalid(petition: Petition, given: SignatureFilter, removal) -> tuple[int, Counter]:
    """(signatures marked, those of them the shown count included by (day, district)). The
    rows are locked first, so a counter run in between is waited for and its `counted` is the
    one seen."""
    hit = _matching(petition, given).with_for_update(of=Signature).cte("hit")
    local_day = func.date(func.timezone(city_zone().key, Signature.created_at))
    marked = db.session.execute(
        update(Signature)
        .where(Signature.id == hit.c.id)
        .values(invalidation_id=removal.id, counted=False)
        .returning(hit.c.counted, local_day, Signature.district_id)
    ).all()
    uncounted = Counter((day, district) for counted, day, district in marked if counted)
    return len(marked), uncounted


def _lock_order(item: tuple) -> tuple:
    """The order the counter locks tallies in: by day, then district, none last (as
    PostgreSQL sorts NULL)."""
    (day, district), _count = item
    return day, district is None, district or 0


def _untally(petition: Petition, uncounted: Counter) -> None:
    """Take signatures off the tallies by (day, district)."""
    if not uncounted:
        return
    table = SignatureTally.__table__
    statement = (
        update(table)
        .where(
            table.c.petition_id == petition.id,
            table.c.day == bindparam("the_day"),
            table.c.district_id.is_not_distinct_from(bindparam("the_district")),
        )
        .values(signatures=table.c.signatures - bindparam("removed"))
    )
    ordered = sorted(uncounted.items(), key=_lock_order)
    rows = [
        {"the_day": day, "the_district": district, "removed": n} for (day, district), n in ordered
    ]
    db.session.execute(statement, rows)


# The clock: deadlines close petitions, late responses are flagged.


def tick(now: datetime | None = None) -> dict:
    now = now or utcnow()
    expired = db.session.scalars(
        select(Petition).where(Petition.status.in_(SIGNABLE_STATUSES), Petition.deadline <= now)
    ).all()
    for petition in expired:
        petition.closed_at = now
        reached = petition.status == Status.THRESHOLD_REACHED
        _move(petition, Status.AWAITING_RESPONSE if reached else Status.CLOSED, None, "close")
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


# Mails.


def _link(petition: Petition) -> str:
    return site_url("petitions.detail", petition_id=petition.id)


def moderators() -> list[User]:
    statement = (
        select(User)
        .join(RoleGrant)
        .where(RoleGrant.role.in_([Role.MODERATOR, Role.ADMIN]), User.active)
        .distinct()
    )
    return list(db.session.scalars(statement))


def mail_threshold(petition: Petition, threshold: int) -> None:
    people = list(moderators())
    if petition.author is not None:
        people.append(petition.author)
    for person in {p.id: p for p in people}.values():
        mail.queue(
            person.email,
            "petition_threshold",
            person.locale,
            petition=petition,
            threshold=threshold,
            user=person,
            link=_link(petition),
        )


def mail_progress(petition: Petition, percent: int) -> None:
    people = []
    if petition.author is not None and petition.author_notify:
        people.append(petition.author)
    people += db.session.scalars(
        select(User)
        .join(Signature, Signature.user_id == User.id)
        .where(Signature.petition_id == petition.id, Signature.notify)
    )
    for person in {p.id: p for p in people}.values():
        mail.queue(
            person.email,
            "petition_progress",
            person.locale,
            petition=petition,
            percent=percent,
            user=person,
            link=_link(petition),
        )


def mail_signers_batch(petition: Petition, after_id: int, size: int) -> int | None:
    """Mail the response to the next `size` signers who opted in; the last id, or None."""
    rows = db.session.execute(
        select(Signature.id, User)
        .join(User, Signature.user_id == User.id)
        .where(Signature.petition_id == petition.id, Signature.notify, Signature.id > after_id)
        .order_by(Signature.id)
        .limit(size)
    ).all()
    for _signature_id, person in rows:
        mail.queue(
            person.email,
            "petition_response",
            person.locale,
            petition=petition,
            user=person,
            link=_link(petition),
        )
    return rows[-1][0] if len(rows) == size else None


# Reading.


def similar_titles(title: str, exclude_id: int | None = None, limit: int = 5) -> list[Petition]:
    """Public petitions whose title resembles `title` (pg_trgm), most similar first."""
    title = clean_text(title or "").strip()
    if len(title) < 3:
        return []
    statement = (
        select(Petition)
        .where(
            Petition.status.notin_(
                [Status.DRAFT, Status.COLLECTING_SPONSORS, Status.IN_MODERATION, Status.WITHDRAWN]
            )
        )
        .where(func.similarity(Petition.title, title) > 0.2)
        .order_by(func.similarity(Petition.title, title).desc())
        .limit(limit)
    )
    if exclude_id:
        statement = statement.where(Petition.id != exclude_id)
    return list(db.session.scalars(statement))


def public_signers(petition: Petition, limit: int = 20) -> list[str]:
    """The names of the latest signers who chose to show them."""
    statement = (
        select(User.name)
        .join(Signature, Signature.user_id == User.id)
        .where(Signature.petition_id == petition.id, Signature.show_name, User.active)
        .order_by(Signature.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def find_by_sponsor_key(key: str) -> Petition | None:
    return db.session.scalar(select(Petition).where(Petition.sponsor_key == key))
