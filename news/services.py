"""News rules: writing, publishing, attachments, automatic posts from module events."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from core import audit, links
from core.db import db, utcnow
from core.errors import Refused
from core.i18n import to_local
from core.inputs import clean_text, refuse_out_of_range
from core.models import Event, User
from core.storage import safe_filename, storage
from news.models import Attachment, Post, PostKind, PostStatus

UPLOAD_AREA = "news"
# PDFs chosen on an editor form that failed, kept for the next try of the same form.
KEPT_AREA = "news-kept"
MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_TAGS = 10
TAG = re.compile(r"[^\w-]+", re.UNICODE)
EDITABLE_KINDS = [kind for kind in PostKind if kind != PostKind.AUTOMATIC]
TEXT_FIELDS = ("title_ka", "title_en", "body_ka", "body_en")


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
    refuse_out_of_range(data.published_at, "published_at")


def _clean(data: PostInput) -> PostInput:
    """Texts without control characters, which the Atom feed (XML) could not carry."""
    texts = {name: clean_text(getattr(data, name)).strip() for name in TEXT_FIELDS}
    return PostInput(**{**data.__dict__, **texts})


def _new_date(old: datetime | None, day: datetime | None) -> datetime | None:
    """The form edits a calendar day: the same day keeps its time of day (and the order of
    that day's posts); an empty field keeps the date."""
    if day is None or (old is not None and to_local(old).date() == to_local(day).date()):
        return old
    return day


def save_post(post: Post | None, data: PostInput, actor: User | None) -> Post:
    """Create a draft, or update a post; the same rules for both."""
    data = _clean(data)
    _validate(data)
    if post is None:
        post = Post(author_id=actor.id if actor else None, status=PostStatus.DRAFT)
        db.session.add(post)
    post.title_ka, post.title_en = data.title_ka, data.title_en
    post.body_ka, post.body_en = data.body_ka, data.body_en
    post.kind, post.tags = data.kind, normalise_tags(data.tags)
    post.published_at = _new_date(post.published_at, data.published_at)
    post.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "news.save", f"news:{post.id}")
    return post


@dataclass(frozen=True)
class PdfChoice:
    """The form's file field: a new upload, or the token of one kept from a refused try."""

    filename: str = ""
    content: bytes = b""
    kept_token: str = ""


def save_as(
    post: Post | None,
    data: PostInput,
    actor: User | None,
    published: bool,
    pdf: PdfChoice = PdfChoice(),  # noqa: B008 (frozen, so one shared default is safe)
) -> Post:
    """The editor's form: save, attach its PDF, then publish, or keep (or make) the post a
    draft. "Save as draft" on a published post takes it offline: the button says so."""
    post = save_post(post, data, actor)
    if pdf.filename:
        attach_pdf(post, pdf.filename, pdf.content, actor)
    elif pdf.kept_token:
        attach_kept_pdf(post, pdf.kept_token, actor)
    if published:
        publish(post, actor)
    elif post.status == "published":
        unpublish(post, actor)
    return post


def publish(post: Post, actor: User | None) -> None:
    post.status = PostStatus.PUBLISHED
    post.published_at = post.published_at or utcnow()
    db.session.flush()
    audit.record(actor, "news.publish", f"news:{post.id}")


def unpublish(post: Post, actor: User | None) -> None:
    post.status = PostStatus.DRAFT
    db.session.flush()
    audit.record(actor, "news.unpublish", f"news:{post.id}")


def _check_pdf(content: bytes) -> None:
    """Only real PDFs: the content must start like one, whatever the file is called."""
    if not content.startswith(b"%PDF-"):
        raise Refused(_("Only PDF files can be attached."), status=415, field="attachment")
    if len(content) > MAX_PDF_BYTES:
        raise Refused(_("A PDF can be at most 10 MB."), status=413, field="attachment")


def _pdf_name(filename: str) -> str:
    name = safe_filename(filename, "document.pdf")
    return name if name.lower().endswith(".pdf") else name + ".pdf"


def attach_pdf(post: Post, filename: str, content: bytes, actor: User | None) -> Attachment:
    _check_pdf(content)
    name = _pdf_name(filename)
    attachment = Attachment(
        post=post,
        filename=name,
        size=len(content),
        storage_key=storage().save(UPLOAD_AREA, content, ".pdf"),
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "news.attach", f"news:{post.id}", filename=name)
    return attachment


def _kept_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="news-kept-pdf")


def keep_pdf(filename: str, content: bytes) -> str | None:
    """Store a PDF chosen on a form that failed for another reason; the signed token returned
    goes into the form, so the editor need not choose the file again. None if it is no PDF."""
    try:
        _check_pdf(content)
    except Refused:
        return None
    # Kept when the form's request fails: that failure is the reason to keep it.
    stored = storage().save(KEPT_AREA, content, ".pdf", keep_on_rollback=True)
    return _kept_signer().dumps({"stored": stored, "filename": _pdf_name(filename)})


def _kept(token: str) -> dict | None:
    try:
        kept = _kept_signer().loads(token)
    except BadSignature:
        return None
    return kept if storage().exists(kept["stored"]) else None


def kept_pdf_name(token: str | None) -> str | None:
    kept = _kept(token) if token else None
    return kept["filename"] if kept else None


def attach_kept_pdf(post: Post, token: str, actor: User | None) -> Attachment:
    """Attach the PDF kept from an earlier try of the form."""
    kept = _kept(token)
    if kept is None:
        raise Refused(
            _("The PDF you chose before is no longer here. Please choose it again."),
            status=422,
            field="attachment",
        )
    attachment = attach_pdf(post, kept["filename"], storage().read(kept["stored"]), actor)
    storage().delete(kept["stored"])  # after the commit
    return attachment


def remove_attachment(attachment: Attachment, actor: User | None) -> Post:
    post = attachment.post
    storage().delete(attachment.storage_key)  # after the commit: a failed request keeps it
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
        status=PostStatus.PUBLISHED,
        published_at=utcnow(),
        title_ka=clean_text(text["title"]["ka"]),
        title_en=clean_text(text["title"].get("en", "")),
        body_ka=clean_text(text["body"]["ka"]),
        body_en=clean_text(text["body"].get("en", "")),
        tags=normalise_tags([event.kind]),
        event_id=event.id,
    )
    db.session.add(post)
    db.session.flush()
    links.link(f"news:{post.id}", event.ref)
    return post
