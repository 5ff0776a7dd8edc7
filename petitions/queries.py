"""Reads for the petition pages, the API, the home panel and the link registry."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from core import links
from core.db import authored_by, db, utcnow
from core.districts import all_districts
from core.i18n import to_local
from core.inputs import clean_text
from core.links import LinkTarget
from core.models import User
from core.openapi import point_feature
from core.security import site_url
from petitions.models import (
    SIGNABLE_STATUSES,
    Petition,
    Signature,
    SignatureInvalidation,
    SignatureTally,
    Status,
    public_clause,
)
from petitions.permissions import can_moderate_petitions

PER_PAGE = 20
WORD = re.compile(r"\w+", re.UNICODE)
SORTS = ("signatures", "newest", "ending")


def _search(statement, query: str):
    """Whole words or word beginnings, since Georgian words inflect (as news does)."""
    words = WORD.findall(query)
    if not words:
        return statement
    prefixes = func.to_tsquery("simple", " & ".join(f"{word}:*" for word in words))
    exact = func.websearch_to_tsquery("simple", query)
    return statement.where(or_(Petition.search.op("@@")(exact), Petition.search.op("@@")(prefixes)))


def public(status=None, district_id=None, topic=None, query=None, sort="signatures"):
    statement = select(Petition).where(public_clause())
    if status:
        statement = statement.where(Petition.status == status)
    if district_id:
        statement = statement.where(Petition.district_id == district_id)
    if topic:
        statement = statement.where(Petition.topic == topic)
    if query:
        statement = _search(statement, query)
    if sort == "newest":
        order = (Petition.opened_at.desc().nulls_last(),)
    elif sort == "ending":
        statement = statement.where(Petition.status.in_([Status.OPEN, Status.THRESHOLD_REACHED]))
        order = (Petition.deadline.asc(),)
    else:
        order = (Petition.shown_count.desc(),)
    return statement.order_by(*order, Petition.id.desc())


def page_of_public(page: int, per_page: int = PER_PAGE, **filters):
    return db.paginate(public(**filters), page=page, per_page=per_page, error_out=False)


def signable(limit: int = 3) -> list[Petition]:
    statement = public(status=Status.OPEN).limit(limit)
    return list(db.session.scalars(statement))


def open_in_district(district_id: int, limit: int = 5) -> list[Petition]:
    """Petitions open for signatures that were started in the district (the author's district
    when starting, as the list's district filter), most signed first."""
    statement = (
        public(district_id=district_id).where(Petition.status.in_(SIGNABLE_STATUSES)).limit(limit)
    )
    return list(db.session.scalars(statement))


def moderation_queue() -> list[Petition]:
    statement = (
        select(Petition)
        .where(Petition.status == Status.IN_MODERATION)
        .order_by(Petition.updated_at)
    )
    return list(db.session.scalars(statement))


def mine(user) -> list[Petition]:
    statement = select(Petition).where(Petition.author_id == user.id).order_by(Petition.id.desc())
    return list(db.session.scalars(statement))


def link_targets(ids: list[int], user) -> list[LinkTarget]:
    """The petitions among `ids` as "related" entries, in one query; unmoderated ones only for
    moderators and their author."""
    statement = select(Petition).where(Petition.id.in_(ids))
    if not can_moderate_petitions(user):
        author = authored_by(Petition.author_id, user)
        statement = statement.where(or_(public_clause(), author))
    return [
        LinkTarget(
            petition.ref,
            _("Petition"),
            petition.title,
            url_for("petitions.detail", petition_id=petition.id),
            petition.status_label,
        )
        for petition in db.session.scalars(statement)
    ]


def map_layer() -> dict:
    """Signable petitions started from an object with a place (a map report) as a GeoJSON
    FeatureCollection, each at its origin's point."""
    statement = select(Petition).where(
        Petition.status.in_([Status.OPEN, Status.THRESHOLD_REACHED]),
        Petition.origin_ref.is_not(None),
    )
    petitions = list(db.session.scalars(statement.order_by(Petition.id)))
    points = links.locate(p.origin_ref for p in petitions)
    return {
        "type": "FeatureCollection",
        "features": [
            _feature(petition, points[petition.origin_ref])
            for petition in petitions
            if petition.origin_ref in points
        ],
    }


def _feature(petition: Petition, point: tuple[float, float]) -> dict:
    return point_feature(
        point,
        {
            "ref": petition.ref,
            "title": petition.title,
            "status": petition.status_label,
            "signatures": petition.shown_count,
            "url": site_url("petitions.detail", petition_id=petition.id),
        },
    )


# Counts for the detail page and the API: only valid signatures the counter has counted, so
# they add up to the shown count.


def counts_by_district(petition: Petition) -> list[tuple[int | None, int]]:
    """Counted valid signatures by the signer's district, from the tallies (a few rows)."""
    total = func.sum(SignatureTally.signatures)
    statement = (
        select(SignatureTally.district_id, total)
        .where(SignatureTally.petition_id == petition.id)
        .group_by(SignatureTally.district_id)
        .having(total > 0)
        .order_by(SignatureTally.district_id)
    )
    return [(district_id, int(n)) for district_id, n in db.session.execute(statement)]


@dataclass(frozen=True)
class DistrictShare:
    slug: str | None  # None: signers who gave no district
    name: str | None
    signatures: int
    share: float  # of all counted signatures, 0..1


def district_shares(petition: Petition) -> list[DistrictShare]:
    """Every district with its signatures and share (most first), then those without one."""
    counts = dict(counts_by_district(petition))
    if not counts:
        return []
    total = sum(counts.values())
    shares = [
        DistrictShare(d.slug, d.name, counts.get(d.id, 0), counts.get(d.id, 0) / total)
        for d in all_districts()
    ]
    shares.sort(key=lambda share: -share.signatures)
    if counts.get(None):
        shares.append(DistrictShare(None, None, counts[None], counts[None] / total))
    return shares


def signatures_by_day(petition: Petition) -> dict[date, int]:
    """Counted signatures per calendar day in the city's time zone, from the tallies."""
    total = func.sum(SignatureTally.signatures)
    statement = (
        select(SignatureTally.day, total)
        .where(SignatureTally.petition_id == petition.id)
        .group_by(SignatureTally.day)
        .having(total > 0)
    )
    return {day: int(n) for day, n in db.session.execute(statement)}


MAX_ROWS = 60  # a longer period is shown by week, so the table stays readable


@dataclass(frozen=True)
class Timeline:
    by_week: bool
    points: list[tuple[date, int]]  # (day or first day of the week, signatures so far)


def _last_day(petition: Petition) -> date:
    today = to_local(utcnow()).date()
    ended = petition.closed_at or petition.deadline
    return min(today, to_local(ended).date()) if ended else today


def signatures_over_time(petition: Petition) -> Timeline:
    """Signatures so far at the end of each day from the opening (each week, for a long
    period), quiet days included, so the line is drawn to scale."""
    per_day = signatures_by_day(petition)
    if petition.opened_at is None or not per_day:
        return Timeline(False, [])
    first = min(to_local(petition.opened_at).date(), *per_day)
    last = max(_last_day(petition), *per_day)
    days = (last - first).days + 1
    step = 7 if days > MAX_ROWS else 1
    points, total = [], 0
    for offset in range(0, days, step):
        start = first + timedelta(days=offset)
        span = min(step, days - offset)
        total += sum(per_day.get(start + timedelta(days=i), 0) for i in range(span))
        points.append((start, total))
    return Timeline(step == 7, points)


def invalidations(petition: Petition) -> list[SignatureInvalidation]:
    """The bulk removals of the petition's signatures, oldest first (shown publicly)."""
    statement = (
        select(SignatureInvalidation)
        .where(SignatureInvalidation.petition_id == petition.id)
        .order_by(SignatureInvalidation.id)
    )
    return list(db.session.scalars(statement))


@dataclass(frozen=True)
class OwnSignature:
    signed_at: datetime
    removal_reason: str | None  # the public reason, when a moderator removed it

    @property
    def counts(self) -> bool:
        return self.removal_reason is None


def own_signature(user, petition: Petition) -> OwnSignature | None:
    """The user's signature of the petition, with the reason if it was removed."""
    if not getattr(user, "is_authenticated", False):
        return None
    statement = (
        select(Signature.created_at, SignatureInvalidation.reason)
        .outerjoin(SignatureInvalidation, Signature.invalidation_id == SignatureInvalidation.id)
        .where(Signature.petition_id == petition.id, Signature.user_id == user.id)
    )
    row = db.session.execute(statement).first()
    return OwnSignature(*row) if row else None


def similar_titles(title: str, exclude_id: int | None = None, limit: int = 5) -> list[Petition]:
    """Petitions past moderation whose title resembles `title` (pg_trgm), most similar
    first; not withdrawn ones, which nobody pursues any more."""
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
