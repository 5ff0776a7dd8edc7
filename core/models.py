"""Models every feature package shares: users and roles, districts, links, events, audit, mail."""

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import created_at_column, db, enum_check
from core.i18n import Locale, localized


class Role(StrEnum):
    RESIDENT = "resident"
    DISTRICT_STAFF = "district_staff"
    MODERATOR = "moderator"
    EDITOR = "editor"
    BUDGET_ADMIN = "budget_admin"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.DISTRICT_STAFF: _l("District staff"),
    Role.MODERATOR: _l("Moderator"),
    Role.EDITOR: _l("Editor"),
    Role.BUDGET_ADMIN: _l("Budget administrator"),
    Role.ADMIN: _l("Administrator"),
}


class District(db.Model):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_ka: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    osm_relation_id: Mapped[int | None] = mapped_column(BigInteger)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)
    updated_at: Mapped[datetime] = created_at_column()

    @property
    def name(self) -> str:
        return localized(self.name_ka, self.name_en)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        enum_check("locale", Locale, name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(
        String(5), default=Locale.KA.value, server_default=Locale.KA.value
    )
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(default=True, server_default="true")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    # Residency: the census-verified district and the keyed HMAC of the personal number.
    verified_district_id: Mapped[int | None] = mapped_column(
        ForeignKey("district.id", ondelete="SET NULL")
    )
    personal_number_hmac: Mapped[str | None] = mapped_column(String(64), unique=True)
    residency_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Consent at sign-up: when, and to which version of the terms and privacy notice.
    terms_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    terms_version: Mapped[str | None] = mapped_column(String(20))
    # Part of the session cookie's user id: raising it logs the account out everywhere.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = created_at_column()

    district: Mapped[District | None] = relationship(foreign_keys=[district_id])
    verified_district: Mapped[District | None] = relationship(foreign_keys=[verified_district_id])
    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def roles(self) -> set[Role]:
        return {Role(grant.role) for grant in self.grants} | {Role.RESIDENT}

    def has_role(self, *roles: Role) -> bool:
        return Role.ADMIN in self.roles or bool(self.roles & set(roles))

    @property
    def staff_district_ids(self) -> set[int]:
        return {g.district_id for g in self.grants if g.role == Role.DISTRICT_STAFF}


class RoleGrant(db.Model):
    """A role beyond `resident`; district staff hold one grant per district they serve."""

    __tablename__ = "role_grant"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "district_id", postgresql_nulls_not_distinct=True),
        CheckConstraint(
            "(role = 'district_staff') = (district_id IS NOT NULL)", name="district_iff_staff"
        ),
        # Every account is a resident without a grant; grants hold the other roles.
        enum_check("role", Role, name="role_known", exclude=[Role.RESIDENT]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped[User] = relationship(back_populates="grants")
    district: Mapped[District | None] = relationship()


class Link(db.Model):
    """An undirected link between two objects, by reference (`news:7`, `petition:42`)."""

    __tablename__ = "link"
    __table_args__ = (
        UniqueConstraint("a_ref", "b_ref"),
        CheckConstraint("a_ref < b_ref", name="ordered_pair"),
        Index("ix_link_b_ref", "b_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    a_ref: Mapped[str] = mapped_column(String(80))
    b_ref: Mapped[str] = mapped_column(String(80))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()


class Event(db.Model):
    """A domain event; `once_key` makes an event that must fire once unique in the database."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(80), index=True)
    ref: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    once_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = created_at_column()


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(80))
    ref: Mapped[str | None] = mapped_column(String(80), index=True)
    details: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = created_at_column()

    actor: Mapped[User | None] = relationship()


class MailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMail(db.Model):
    """Mail waiting for the SMTP sender; the action that queued it never waits for SMTP."""

    __tablename__ = "outbox_mail"
    __table_args__ = (
        enum_check("status", MailStatus, name="status_known"),
        Index("ix_outbox_mail_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(
        String(10), default=MailStatus.PENDING.value, server_default=MailStatus.PENDING.value
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = created_at_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
