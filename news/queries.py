"""Reads shared by the news pages, the feed and the home page."""

import re

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from core.db import db
from core.links import LinkTarget
from news.models import Post, PostStatus
from news.permissions import can_read_drafts

PER_PAGE = 10
WORD = re.compile(r"\w+", re.UNICODE)


def _search(statement, query: str):
    """Whole words (websearch syntax) or word beginnings, since Georgian words inflect."""
    words = WORD.findall(query)
    if not words:
        return statement
    prefixes = func.to_tsquery("simple", " & ".join(f"{word}:*" for word in words))
    exact = func.websearch_to_tsquery("simple", query)
    statement = statement.where(or_(Post.search.op("@@")(exact), Post.search.op("@@")(prefixes)))
    return statement.order_by(func.ts_rank(Post.search, prefixes).desc())


def published(kind: str | None = None, tag: str | None = None, query: str | None = None):
    statement = select(Post).where(Post.status == PostStatus.PUBLISHED)
    if kind:
        statement = statement.where(Post.kind == kind)
    if tag:
        statement = statement.where(Post.tags.contains([tag]))
    if query:
        statement = _search(statement, query)
    return statement.order_by(Post.published_at.desc(), Post.id.desc())


def page_of_published(page: int, with_attachments: bool = False, **filters):
    statement = published(**filters)
    if with_attachments:
        statement = statement.options(selectinload(Post.attachments))
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)


def latest(limit: int = 3) -> list[Post]:
    return list(db.session.scalars(published().limit(limit)))


def drafts() -> list[Post]:
    statement = select(Post).where(Post.status == PostStatus.DRAFT).order_by(Post.updated_at.desc())
    return list(db.session.scalars(statement))


def tagged(tag: str, limit: int) -> list[Post]:
    return list(db.session.scalars(published(tag=tag).limit(limit)))


def _visible_to(statement, user):
    if not can_read_drafts(user):
        statement = statement.where(Post.status == PostStatus.PUBLISHED)
    return statement


def _link_target(post: Post) -> LinkTarget:
    return LinkTarget(
        post.ref,
        _("News"),
        post.title,
        url_for("news.detail", post_id=post.id),
        _("Draft") if post.status == PostStatus.DRAFT else None,
    )


def link_targets(ids: list[int], user) -> list[LinkTarget]:
    """The posts among `ids` as "related" entries, in one query; drafts only for editors."""
    statement = _visible_to(select(Post).where(Post.id.in_(ids)), user)
    return [_link_target(post) for post in db.session.scalars(statement)]


def search_link_targets(words: str, user, limit: int) -> list[LinkTarget]:
    """Posts whose text matches `words` (the news search), best first, for the related panel."""
    if not WORD.search(words):
        return []
    statement = _visible_to(_search(select(Post), words), user).order_by(Post.id.desc())
    return [_link_target(post) for post in db.session.scalars(statement.limit(limit))]
