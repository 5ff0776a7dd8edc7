from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import created_at_column, db


class CensusEntry(db.Model):
    """One line of the census list admins upload; the personal number is kept only as HMAC."""

    __tablename__ = "census_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    personal_number_hmac: Mapped[str] = mapped_column(String(64), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    uploaded_at: Mapped[datetime] = created_at_column()
