"""The news API: published posts as JSON (open data) and as an Atom feed."""

from flask import Response, abort
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.db import db
from core.openapi import ID_RANGE, LanguageQuery, page_answer, page_field, page_schema, plain_text
from core.security import site_url
from news import feed, queries
from news.models import Post, PostKind
from news.permissions import can_see_post

bp = Blueprint("news_api", __name__, description="City Hall's published news posts.")


class FeedQuery(LanguageQuery):
    kind = fields.String(validate=validate.OneOf([kind.value for kind in PostKind]))
    tag = plain_text(40)


class NewsQuery(FeedQuery):
    query = plain_text(200, data_key="q", metadata={"description": "Words to search for."})
    page = page_field()


class AttachmentSchema(Schema):
    filename = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "Bytes"})
    url = fields.Function(
        lambda item: site_url("news.attachment", attachment_id=item.id, filename=item.filename),
        required=True,
    )


class PostSchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True, metadata={"description": "Reference for links, news:ID"})
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in PostKind]))
    title_ka = fields.String(required=True)
    title_en = fields.String(required=True, metadata={"description": "Empty when untranslated"})
    body_ka = fields.String(required=True, metadata={"description": "Markdown"})
    body_en = fields.String(required=True, metadata={"description": "Markdown; may be empty"})
    tags = fields.List(fields.String(), required=True)
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    url = fields.Function(lambda post: site_url("news.detail", post_id=post.id), required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)


PostPageSchema = page_schema("Post", PostSchema)


@bp.get("/api/v1/news")
@bp.arguments(NewsQuery(), location="query", as_kwargs=True)
@bp.response(200, PostPageSchema)
def posts(page: int, lang: str | None = None, **filters):
    """Published posts, newest first, 10 a page"""
    result = queries.page_of_published(page, with_attachments=True, **filters)
    return page_answer(result, page)


@bp.get(f"/api/v1/news/<{ID_RANGE}:post_id>")
@bp.arguments(LanguageQuery(), location="query", as_kwargs=True)
@bp.response(200, PostSchema)
def post(post_id: int, lang: str | None = None):
    """One published post"""
    post = db.session.get(Post, post_id)
    if post is None or not can_see_post(None, post):  # the public API: published posts only
        abort(404)
    return post


@bp.get("/news/feed.atom")
@bp.arguments(FeedQuery(), location="query", as_kwargs=True)
@bp.response(
    200, {"type": "string"}, content_type="application/atom+xml", description="An Atom 1.0 feed"
)
def atom_feed(lang: str | None = None, **filters):
    """The 30 latest published posts as an Atom feed"""
    posts = list(db.session.scalars(queries.published(**filters).limit(30)))
    return Response(feed.atom(posts, **filters), mimetype="application/atom+xml")
