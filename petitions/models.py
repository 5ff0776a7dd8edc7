"""Petitions to the Mayor (SPEC §4): the petition, its sponsors, signatures and crossings.

A petition is written once, in the author's language (Georgian or English): residents do not
write two versions, and the page says which language it is in.
"""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import created_at_column, db, enum_check
from core.models import District, User

TITLE_MAX, SUMMARY_MAX, DETAILS_MAX = 80, 300, 2000


class Status(StrEnum):
    DRAFT = "draft"
    COLLECTING_SPONSORS = "collecting_sponsors"
    IN_MODERATION = "in_moderation"
    OPEN = "open"
    THRESHOLD_REACHED = "threshold_reached"
    CLOSED = "closed"
    AWAITING_RESPONSE = "awaiting_response"
    RESPONDED = "responded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    Status.DRAFT: _l("Draft"),
    Status.COLLECTING_SPONSORS: _l("Gathering supporters"),
    Status.IN_MODERATION: _l("In moderation"),
    Status.OPEN: _l("Open for signatures"),
    Status.THRESHOLD_REACHED: _l("Threshold reached"),
    Status.CLOSED: _l("Closed"),
    Status.AWAITING_RESPONSE: _l("Awaiting the official response"),
    Status.RESPONDED: _l("Responded"),
    Status.REJECTED: _l("Rejected"),
    Status.WITHDRAWN: _l("Withdrawn"),
}

# Anyone may see these; the earlier steps only the author and moderators (sponsors by link).
PUBLIC_STATUSES = frozenset(
    set(Status) - {Status.DRAFT, Status.COLLECTING_SPONSORS, Status.IN_MODERATION}
)
SIGNABLE_STATUSES = frozenset({Status.OPEN, Status.THRESHOLD_REACHED})


class Topic(StrEnum):
    TRANSPORT = "transport"
    ENVIRONMENT = "environment"
    URBAN_PLANNING = "urban_planning"
    SOCIAL = "social"
    EDUCATION = "education"
    CULTURE = "culture"
    OTHER = "other"


TOPIC_LABELS = {
    Topic.TRANSPORT: _l("Transport"),
    Topic.ENVIRONMENT: _l("Environment"),
    Topic.URBAN_PLANNING: _l("Urban planning"),
    Topic.SOCIAL: _l("Social services"),
    Topic.EDUCATION: _l("Education"),
    Topic.CULTURE: _l("Culture and sport"),
    Topic.OTHER: _l("Other"),
}

# Georgian has no stemmer in PostgreSQL; `simple` indexes words as written (as news does).
SEARCH_DOCUMENT = (
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(summary, '') || ' ' || coalesce(details, '')),"
    " 'B')"
)


class Petition(db.Model):
    __tablename__ = "petition"
    __table_args__ = (
        enum_check("status", Status, name="status_known"),
        enum_check("topic", Topic, name="topic_known"),
        CheckConstraint("shown_count >= 0", name="shown_count_not_negative"),
        Index("ix_petition_search", "search", postgresql_using="gin"),
        Index(
            "ix_petition_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
        Index("ix_petition_listing", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(
        String(24), default=Status.DRAFT.value, server_default=Status.DRAFT.value
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # The author's district when the petition was started (the list filters by it).
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    topic: Mapped[str] = mapped_column(String(20), default=Topic.OTHER.value)
    language: Mapped[str] = mapped_column(String(2), default="ka", server_default="ka")
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX))
    details: Mapped[str] = mapped_column(String(DETAILS_MAX), default="", server_default="")
    # The shareable link for supporters: unguessable, so a draft is not public by its id.
    sponsor_key: Mapped[str] = mapped_column(String(32), unique=True)
    # Where the petition came from, e.g. a map report (`report:12`).
    origin_ref: Mapped[str | None] = mapped_column(String(80))
    author_notify: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    shown_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_text: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(String(40))
    rejection_explanation: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    search = mapped_column(TSVECTOR, Computed(SEARCH_DOCUMENT, persisted=True))

    author: Mapped[User | None] = relationship()
    district: Mapped[District | None] = relationship()

    @property
    def ref(self) -> str:
        return f"petition:{self.id}"

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[Status(self.status)])

    @property
    def topic_label(self) -> str:
        return str(TOPIC_LABELS[Topic(self.topic)])

    @property
    def is_public(self) -> bool:
        # A petition withdrawn before moderation was never public and does not become so.
        withdrawn_unseen = self.status == Status.WITHDRAWN and self.opened_at is None
        return self.status in PUBLIC_STATUSES and not withdrawn_unseen

    @property
    def is_signable(self) -> bool:
        return self.status in SIGNABLE_STATUSES


def public_clause():
    """`Petition.is_public` in SQL."""
    return and_(
        Petition.status.in_(PUBLIC_STATUSES),
        or_(Petition.status != Status.WITHDRAWN.value, Petition.opened_at.is_not(None)),
    )


class Sponsor(db.Model):
    """A supporter who backs a petition before moderation."""

    __tablename__ = "petition_sponsor"
    __table_args__ = (UniqueConstraint("petition_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()


class SignatureInvalidation(db.Model):
    """A moderator's bulk removal of signatures: who, why, when and by which filter. Shown
    publicly on the petition's page ("N signatures were removed: <reason>")."""

    __tablename__ = "petition_invalidation"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(
        ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text)
    # The filter as the moderator gave it, e.g. {"domain": "spam.example", "since": "…"}.
    criteria: Mapped[dict] = mapped_column(JSONB)
    removed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()


class Signature(db.Model):
    """One person's signature. `counted` is true while it is part of the petition's shown
    count: the counter sets it (the signing transaction never touches the petition row), an
    invalidation clears it again and takes it off the count."""

    __tablename__ = "petition_signature"
    __table_args__ = (
        UniqueConstraint("petition_id", "user_id"),
        Index(
            "ix_petition_signature_uncounted",
            "id",
            postgresql_where=text("NOT counted AND invalidation_id IS NULL"),
        ),
        CheckConstraint(
            "NOT (counted AND invalidation_id IS NOT NULL)", name="invalid_not_counted"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id", ondelete="CASCADE"))
    # None once the signer's account is deleted: the signature still counts, with no name.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # The signer's district when signing, kept for the counts by district.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    show_name: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    notify: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    counted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Set when a moderator removed it: the row stays (who signed, who removed it and why).
    invalidation_id: Mapped[int | None] = mapped_column(ForeignKey("petition_invalidation.id"))
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped[User | None] = relationship()


class ThresholdCrossing(db.Model):
    """A petition crossed one configured threshold: recorded once, whoever notices first."""

    __tablename__ = "petition_threshold_crossing"
    __table_args__ = (UniqueConstraint("petition_id", "threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id", ondelete="CASCADE"))
    threshold: Mapped[int] = mapped_column(Integer)
    count_at_crossing: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()


class SignatureTally(db.Model):
    """Counted signatures of a petition per day (in the city's time zone) and district, kept
    by the counter as it counts and by removals as they uncount, rebuilt by the nightly
    reconciliation: the detail page's chart and map read these few rows instead of grouping
    every signature on each view."""

    __tablename__ = "petition_signature_tally"
    __table_args__ = (
        # One row per petition, day and district, signers without a district included.
        UniqueConstraint("petition_id", "day", "district_id", postgresql_nulls_not_distinct=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    # A deleted district's rows go; the nightly rebuild puts its signatures under "no district".
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    signatures: Mapped[int] = mapped_column(Integer)
