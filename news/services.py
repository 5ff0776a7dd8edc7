"""News rules: writing, publishing, attachments, automatic posts from module events."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit, links, uploads
from core.db import db, utcnow
from core.errors import Refused
from core.models import Event, User
from news.models import Attachment, Post, PostKind

UPLOAD_AREA = "news"
MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_TAGS = 10
TAG = re.compile(r"[^\w-]+", re.UNICODE)
EDITABLE_KINDS = [kind for kind in PostKind if kind != PostKind.AUTOMATIC]


@dataclass
class PostInput:
    title_ka: str
    body_ka: str
    kind: str = PostKind.NEWS.value
    title_en: str = ""
    body_en: str = ""
    tags: list[str] = field(default_factory=list)
    published_at: datetime | None = None


def normalise_tags(text: str | list[str]) -> list[str]:
    """Comma-separated words to lowercase slugs, duplicates dropped, order kept."""
    words = text.split(",") if isinstance(text, str) else text
    tags = []
    for word in words:
        tag = TAG.sub("-", word.strip().lower()).strip("-")[:40]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise Refused(_("A post can have at most %(n)s tags.", n=MAX_TAGS), field="tags")
    return tags


def _validate(data: PostInput) -> None:
    if not data.title_ka.strip() or not data.body_ka.strip():
        raise Refused(_("The Georgian title and text are required."), field="title_ka")
    if max(len(data.title_ka), len(data.title_en)) > 200:
        raise Refused(_("A title can have at most 200 characters."), field="title_ka")
    if data.kind not in EDITABLE_KINDS:
        raise Refused(_("Please choose a kind from the list."), field="kind")


def save_post(post: Post | None, data: PostInput, actor: User | None) -> Post:
    """Create a draft, or update a post; the same rules for both."""
    _validate(data)
    if post is None:
        post = Post(author_id=actor.id if actor else None, status="draft")
        db.session.add(post)
    post.title_ka, post.title_en = data.title_ka.strip(), data.title_en.strip()
    post.body_ka, post.body_en = data.body_ka.strip(), data.body_en.strip()
    post.kind, post.tags = data.kind, normalise_tags(data.tags)
    post.published_at = data.published_at or post.published_at
    post.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "news.save", f"news:{post.id}")
    return post


def publish(post: Post, actor: User | None) -> None:
    post.status = "published"
    post.published_at = post.published_at or utcnow()
    db.session.flush()
    audit.record(actor, "news.publish", f"news:{post.id}")


def unpublish(post: Post, actor: User | None) -> None:
    post.status = "draft"
    db.session.flush()
    audit.record(actor, "news.unpublish", f"news:{post.id}")


def attach_pdf(post: Post, filename: str, content: bytes, actor: User | None) -> Attachment:
    """Only real PDFs: the content must start like one, whatever the file is called."""
    if not content.startswith(b"%PDF-"):
        raise Refused(_("Only PDF files can be attached."), status=415, field="attachment")
    if len(content) > MAX_PDF_BYTES:
        raise Refused(_("A PDF can be at most 10 MB."), status=413, field="attachment")
    name = uploads.safe_filename(filename, "document.pdf")
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    attachment = Attachment(
        post=post,
        filename=name,
        size=len(content),
        stored_name=uploads.store(UPLOAD_AREA, content, ".pdf"),
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "news.attach", f"news:{post.id}", filename=name)
    return attachment


def remove_attachment(attachment: Attachment, actor: User | None) -> Post:
    post = attachment.post
    uploads.remove(UPLOAD_AREA, attachment.stored_name)
    db.session.delete(attachment)
    db.session.flush()
    audit.record(actor, "news.detach", f"news:{post.id}", filename=attachment.filename)
    return post


def post_automatically(event: Event) -> Post | None:
    """An event carrying a bilingual `news` text becomes one published, linked post, once:
    running it again for the same event returns the post it already made."""
    text = (event.payload or {}).get("news")
    if not text:
        return None
    existing = db.session.scalars(select(Post).where(Post.event_id == event.id)).first()
    if existing is not None:
        return existing
    post = Post(
        kind=PostKind.AUTOMATIC.value,
        status="published",
        published_at=utcnow(),
        title_ka=text["title"]["ka"],
        title_en=text["title"].get("en", ""),
        body_ka=text["body"]["ka"],
        body_en=text["body"].get("en", ""),
        tags=normalise_tags([event.kind]),
        event_id=event.id,
    )
    db.session.add(post)
    db.session.flush()
    links.link(f"news:{post.id}", event.ref)
    return post
