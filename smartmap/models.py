"""Smart map records: categories (Open311 services), reports, their updates, photos, followers."""

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import created_at_column, db, enum_check
from core.i18n import localized
from core.models import District, User


class ReportStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    FIXED = "fixed"
    CLOSED = "closed"
    DUPLICATE = "duplicate"
    REFERRED = "referred"
    REJECTED = "rejected"


# Open311 knows two states; a report is open while someone still has to act on it.
OPEN_STATUSES = (ReportStatus.NEW, ReportStatus.ACKNOWLEDGED, ReportStatus.IN_PROGRESS)

STATUS_LABELS = {
    ReportStatus.NEW: _l("New"),
    ReportStatus.ACKNOWLEDGED: _l("Acknowledged"),
    ReportStatus.IN_PROGRESS: _l("In progress"),
    ReportStatus.FIXED: _l("Fixed"),
    ReportStatus.CLOSED: _l("Closed (cannot be fixed)"),
    ReportStatus.DUPLICATE: _l("Duplicate"),
    ReportStatus.REFERRED: _l("Referred elsewhere"),
    ReportStatus.REJECTED: _l("Rejected"),
}


class Category(db.Model):
    """A kind of problem; its `code` is the Open311 service_code."""

    __tablename__ = "map_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ka: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    department: Mapped[str] = mapped_column(String(200), default="", server_default="")
    target_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")

    # Every question, the inactive ones too (the admin page lists them); `questions` asks.
    attributes: Mapped[list["CategoryAttribute"]] = relationship(
        cascade="all, delete-orphan", order_by="(CategoryAttribute.order, CategoryAttribute.id)"
    )

    @property
    def questions(self) -> list["CategoryAttribute"]:
        return [attribute for attribute in self.attributes if attribute.active]

    @property
    def name(self) -> str:
        return localized(self.name_ka, self.name_en)


class AttributeType(StrEnum):
    """Open311 datatypes a category's question may have."""

    STRING = "string"
    NUMBER = "number"
    SINGLE = "singlevaluelist"
    MULTIPLE = "multivaluelist"


class CategoryAttribute(db.Model):
    """A question an Open311 client answers with a report of this category (its service
    definition); `choices` are `[{"key", "name_ka", "name_en"}]` for the list types."""

    __tablename__ = "map_category_attribute"
    __table_args__ = (
        enum_check("datatype", AttributeType, name="datatype_known"),
        UniqueConstraint("category_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("map_category.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    datatype: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    description_ka: Mapped[str] = mapped_column(String(300))
    description_en: Mapped[str] = mapped_column(String(300))
    order: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    choices: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    # An inactive question is no longer asked; the answers already given stay on the reports.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")

    @property
    def description(self) -> str:
        return localized(self.description_ka, self.description_en)


class Report(db.Model):
    __tablename__ = "map_report"
    __table_args__ = (
        enum_check("status", ReportStatus, name="status_known"),
        Index("ix_map_report_queue", "district_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("map_category.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    status: Mapped[str] = mapped_column(
        String(20), default=ReportStatus.NEW.value, server_default=ReportStatus.NEW.value
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("map_report.id", ondelete="SET NULL")
    )
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Reports sent by an Open311 client with this key.
    api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("map_api_key.id", ondelete="SET NULL")
    )
    media_url: Mapped[str | None] = mapped_column(String(500))  # given by an Open311 client
    # Answers to the category's attributes ({code: value or [values]}), from Open311 clients.
    attributes: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    # The name someone without an account gave (a held report, see HeldReport).
    reporter_name: Mapped[str | None] = mapped_column(String(120))
    reopened_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fixed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    # Its GeoJSON feature for the map API, written by the database (trigger map_report_feature)
    # whenever location, status or category change; never loaded with the report.
    feature: Mapped[str] = mapped_column(
        Text, deferred=True, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )

    category: Mapped[Category] = relationship(lazy="joined")
    district: Mapped[District] = relationship(lazy="joined")
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    updates: Mapped[list["ReportUpdate"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportUpdate.id"
    )
    photos: Mapped[list["Photo"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="Photo.id"
    )

    @property
    def ref(self) -> str:
        return f"report:{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[ReportStatus(self.status)])


class ReportUpdate(db.Model):
    """One change: a new status and/or a public message or an internal note."""

    __tablename__ = "map_report_update"
    __table_args__ = (
        enum_check("status", ReportStatus, name="status_known"),
        enum_check("old_status", ReportStatus, name="old_status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("map_report.id", ondelete="CASCADE"), index=True
    )
    old_status: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(20))
    public_message: Mapped[str] = mapped_column(Text, default="", server_default="")
    internal_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()

    report: Mapped[Report] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[ReportStatus(self.status)]) if self.status else ""


class Photo(db.Model):
    """An uploaded photo; a job re-encodes it without metadata and makes the thumbnail."""

    __tablename__ = "map_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("map_report.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(120), unique=True)
    thumbnail_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    processed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = created_at_column()

    report: Mapped[Report] = relationship(back_populates="photos")


class Follower(db.Model):
    __tablename__ = "map_follower"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("map_report.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped[User] = relationship()


class NotFixed(db.Model):
    """Someone's answer "not fixed" to one fix (the update that set `fixed`): one per person
    per fix, so a double submit or a second tab cannot reopen the report twice."""

    __tablename__ = "map_not_fixed"
    __table_args__ = (UniqueConstraint("fix_update_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("map_report.id", ondelete="CASCADE"), index=True
    )
    fix_update_id: Mapped[int] = mapped_column(
        ForeignKey("map_report_update.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = created_at_column()


class EmailFollower(db.Model):
    """The sender of a confirmed held report, who has no account: mailed about public updates
    like a follower. Deleted when they unsubscribe, when an account with the address is
    deleted, and 30 days after the report was closed or fixed (held.purge)."""

    __tablename__ = "map_email_follower"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("map_report.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254), primary_key=True, index=True)
    locale: Mapped[str] = mapped_column(String(5), default="ka", server_default="ka")
    created_at: Mapped[datetime] = created_at_column()


class ApiKey(db.Model):
    """An Open311 client's key; only its SHA-256 is stored."""

    __tablename__ = "map_api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = created_at_column()


class HeldReport(db.Model):
    """A report sent by someone not logged in, waiting for its e-mail address to be confirmed.

    A table of its own, not a status: every query of `map_report` (pages, queues, GeoJSON,
    Open311, feeds, statistics) sees only published reports without having to know that held
    ones exist. Confirming copies it into `map_report`; unconfirmed ones are purged."""

    __tablename__ = "map_held_report"
    __table_args__ = (Index("ix_map_held_report_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("map_category.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    locale: Mapped[str] = mapped_column(String(5), default="ka", server_default="ka")
    # Answers to the category's questions, kept until the report is published.
    attributes: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    # Uploads kept as they came until the report is published (then they are processed).
    photo_keys: Mapped[list[str]] = mapped_column(
        ARRAY(String(120)), default=list, server_default="{}"
    )
    # Set once confirmed: a second click on the link goes to the published report.
    report_id: Mapped[int | None] = mapped_column(ForeignKey("map_report.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at_column()

    category: Mapped[Category] = relationship(lazy="joined")
    district: Mapped[District] = relationship(lazy="joined")
