from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import created_at_column, db, enum_check
from core.models import District, User


class CensusEntry(db.Model):
    """One line of the census list admins upload; the personal number is kept only as HMAC."""

    __tablename__ = "census_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    personal_number_hmac: Mapped[str] = mapped_column(String(64), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    uploaded_at: Mapped[datetime] = created_at_column()


class ReviewStatus(StrEnum):
    PENDING = "pending"
    RELEASED = "released"
    REFUSED = "refused"


class ResidencyReview(db.Model):
    """A resident's request that staff check a residency they could not confirm themselves,
    typically because their personal number already confirms another account."""

    __tablename__ = "residency_review"
    __table_args__ = (
        enum_check("status", ReviewStatus, name="status_known"),
        # One open request per account.
        Index(
            "uq_residency_review_pending_user",
            "user_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    personal_number_hmac: Mapped[str] = mapped_column(String(64))
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(
        String(10), default=ReviewStatus.PENDING.value, server_default=ReviewStatus.PENDING.value
    )
    created_at: Mapped[datetime] = created_at_column()
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    district: Mapped[District] = relationship()
