"""Moderators remove signatures in bulk (SPEC §4), by an e-mail domain and/or a time window,
with a public reason and one audit entry. The rows stay, marked with who removed them and why;
the shown count and the tallies lose them at once, so the count never shows more than the
valid signatures."""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, or_, select, update

from core import audit
from core.db import db
from core.errors import Refused
from core.i18n import city_zone
from core.inputs import clean_text
from core.models import User
from petitions import permissions, settings
from petitions.models import (
    SIGNABLE_STATUSES,
    Petition,
    Signature,
    SignatureInvalidation,
    SignatureTally,
    Status,
)
from petitions.services import ensure_allowed, ensure_status, move

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
    ensure_allowed(permissions.can_invalidate_signatures, actor, petition)
    matching = _matching(petition, _checked(given)).subquery()
    return db.session.scalar(select(func.count()).select_from(matching))


def invalidate_signatures(
    actor: User, petition: Petition, given: SignatureFilter, reason: str
) -> SignatureInvalidation:
    """Mark the matching signatures invalid, take the counted ones off the shown count at once
    (so it never shows more than the valid signatures), record one audit entry. Crossed
    thresholds stay recorded: their consequences (response, news) have happened."""
    ensure_allowed(permissions.can_invalidate_signatures, actor, petition)
    ensure_status(petition, INVALIDATABLE)
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
        move(petition, Status.OPEN, actor, "back_under_threshold")


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
