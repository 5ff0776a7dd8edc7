"""Budget spending lines: what City Hall planned and actually spent, by year, district and
category (SPEC §5, „ბიუჯეტის ხარჯვის ინტერაქტიული გამოქვეყნება“)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import created_at_column, db
from core.i18n import localized

FIRST_YEAR, LAST_YEAR = 1990, 2099  # as core.inputs' sane dates


class SpendingLine(db.Model):
    """One line of the published budget; no district means a city-wide line."""

    __tablename__ = "budget_spending"
    __table_args__ = (
        # City-wide lines (NULL district) are unique too: NULLS NOT DISTINCT (PostgreSQL 15).
        UniqueConstraint("year", "district_id", "category", postgresql_nulls_not_distinct=True),
        CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_sane"),
        CheckConstraint("planned >= 0", name="planned_not_negative"),
        CheckConstraint("actual IS NULL OR actual >= 0", name="actual_not_negative"),
        CheckConstraint("category <> ''", name="category_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("district.id", ondelete="RESTRICT"), index=True
    )
    category: Mapped[str] = mapped_column(String(100))
    category_en: Mapped[str] = mapped_column(String(100), default="", server_default="")
    planned: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    # Empty while the year's spending is not reported yet.
    actual: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    source: Mapped[str] = mapped_column(String(500), default="", server_default="")
    updated_at: Mapped[datetime] = created_at_column()

    district = relationship("District")

    @property
    def district_slug(self) -> str | None:
        return self.district.slug if self.district else None

    @property
    def category_name(self) -> str:
        return localized(self.category, self.category_en)
