from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import CheckConstraint, Computed, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import created_at_column, db, enum_check
from core.i18n import localized
from core.inputs import sane_moment_check


class PostStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class PostKind(StrEnum):
    NEWS = "news"
    MEETING = "meeting"
    MINUTES = "minutes"
    TRAINING = "training"
    DECISION = "decision"
    AUTOMATIC = "automatic"


KIND_LABELS = {
    # Translators: the kind of one post ("a news item"), not the News section.
    PostKind.NEWS: lazy_pgettext("post kind", "News"),
    PostKind.MEETING: _l("Meeting"),
    PostKind.MINUTES: _l("Minutes"),
    PostKind.TRAINING: _l("Training"),
    PostKind.DECISION: _l("Decision"),
    PostKind.AUTOMATIC: _l("Automatic"),
}

# Georgian has no stemmer in PostgreSQL; the `simple` configuration indexes words as written.
SEARCH_DOCUMENT = (
    "setweight(to_tsvector('simple', coalesce(title_ka, '') || ' ' || coalesce(title_en, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(body_ka, '') || ' ' || coalesce(body_en, '')),"
    " 'B')"
)


class Post(db.Model):
    __tablename__ = "news_post"
    __table_args__ = (
        enum_check("kind", PostKind, name="kind_known"),
        enum_check("status", PostStatus, name="status_known"),
        CheckConstraint(sane_moment_check("published_at"), name="published_at_sane"),
        Index("ix_news_post_search", "search", postgresql_using="gin"),
        Index("ix_news_post_tags", "tags", postgresql_using="gin"),
        Index("ix_news_post_listing", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=PostKind.NEWS.value)
    status: Mapped[str] = mapped_column(
        String(10), default=PostStatus.DRAFT.value, server_default=PostStatus.DRAFT.value
    )
    title_ka: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    body_ka: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list, server_default="{}")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # For automatic posts: the event that caused it, so it is written once.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    search = mapped_column(TSVECTOR, Computed(SEARCH_DOCUMENT, persisted=True))

    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    @property
    def ref(self) -> str:
        return f"news:{self.id}"

    @property
    def title(self) -> str:
        return localized(self.title_ka, self.title_en)

    @property
    def body(self) -> str:
        return localized(self.body_ka, self.body_en)

    @property
    def shown_in_georgian_only(self) -> bool:
        """An English page showing the Georgian text, because there is no English one."""
        return self.body == self.body_ka and not self.body_en

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[PostKind(self.kind)])


class Attachment(db.Model):
    """A PDF (agenda, minutes) attached to a post; the file lives in the upload store."""

    __tablename__ = "news_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("news_post.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()

    post: Mapped[Post] = relationship(back_populates="attachments")
