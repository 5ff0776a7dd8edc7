"""Reads shared by the news pages, the feed and the home page."""

import re

from sqlalchemy import func, or_, select

from core.db import db
from news.models import Post, PostStatus

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


def page_of_published(page: int, **filters):
    return db.paginate(published(**filters), page=page, per_page=PER_PAGE, error_out=False)


def latest(limit: int = 3) -> list[Post]:
    return list(db.session.scalars(published().limit(limit)))


def drafts() -> list[Post]:
    statement = select(Post).where(Post.status == PostStatus.DRAFT).order_by(Post.updated_at.desc())
    return list(db.session.scalars(statement))
