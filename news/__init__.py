"""The news feed: City Hall's announcements, meetings, minutes, trainings and decisions."""

from flask import Flask, has_request_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import events, links, openapi, privacy
from core.db import db
from core.registry import add_demo_loader, add_home_panel
from news.permissions import can_edit_news

_subscribed = False


def _resolve(post_id: int) -> links.LinkTarget | None:
    from news.models import Post

    post = db.session.get(Post, post_id)
    if post is None:
        return None
    if post.status == "draft" and has_request_context() and not can_edit_news(current_user):
        return None  # drafts stay out of public "related" panels
    status = _("Draft") if post.status == "draft" else None
    return links.LinkTarget(
        post.ref, _("News"), post.title, url_for("news.detail", post_id=post.id), status
    )


def _home_panel() -> dict:
    from news import queries

    return {"posts": queries.latest(3)}


def init_app(app: Flask) -> None:
    global _subscribed
    from news import datarights, demo, services
    from news.markdown import plain_summary, render
    from news.views import bp

    app.register_blueprint(bp)
    app.jinja_env.filters.update(markdown=render, summary=plain_summary)
    links.register("news", _resolve)
    add_home_panel("news", 10, "news/_home_panel.html", _home_panel)
    add_demo_loader("news", 20, demo.load)
    privacy.register_export("news", datarights.export)
    privacy.register_erasure("news", datarights.erase)
    openapi.add_paths(
        {
            "/news/feed.atom": openapi.atom_feed(
                "News posts as an Atom feed",
                [
                    openapi.LANG,
                    openapi.query_parameter("kind", "Only this kind of post"),
                    openapi.query_parameter("tag", "Only posts with this tag"),
                ],
            )
        }
    )
    if not _subscribed:  # the app may be built more than once in a process (tests)
        events.subscribe(services.post_automatically)
        _subscribed = True
