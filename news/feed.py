"""The Atom feed of published posts, in the language of the request.

Links come from BASE_URL, never from the request's Host header; texts are cleaned of what XML
cannot carry even when an old row still holds it.
"""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import current_app
from flask_babel import gettext as _

from core.i18n import city_name, current_language
from core.inputs import clean_text
from core.security import site_url
from news.markdown import render
from news.models import Post


def _tag(name: str) -> str:
    """A permanent id (RFC 4151 tag URI) that survives a change of the site's address."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "ghia"
    return f"tag:{host},2017:{name}"


def atom(posts: list[Post], **filters: str | None) -> bytes:
    """The feed of `posts`; `filters` (kind, tag) are kept in its own links."""
    lang = current_language()
    filters = {key: value for key, value in filters.items() if value}
    feed = FeedGenerator()
    feed.id(_tag("news"))
    feed.title(_("News of %(city)s City Hall", city=city_name()))
    feed.author({"name": _("%(city)s City Hall", city=city_name())})
    feed.subtitle(_("Announcements, meetings, minutes, trainings and decisions"))
    feed.link(href=site_url("news_api.atom_feed", lang=lang, **filters), rel="self")
    feed.link(href=site_url("news.index", lang=lang, **filters), rel="alternate")
    feed.language(lang)
    newest = max((p.updated_at for p in posts), default=datetime(2017, 1, 1, tzinfo=UTC))
    feed.updated(newest)
    for post in reversed(posts):  # feedgen prepends entries
        entry = feed.add_entry()
        url = site_url("news.detail", post_id=post.id, lang=lang)
        entry.id(_tag(post.ref))
        entry.title(clean_text(post.title))
        entry.link(href=url, rel="alternate")
        entry.published(post.published_at)
        entry.updated(max(post.updated_at, post.published_at))
        entry.content(clean_text(str(render(post.body))), type="html")
        entry.category(
            [{"term": post.kind, "label": post.kind_label}]
            + [{"term": clean_text(tag)} for tag in post.tags]
        )
    return feed.atom_str(pretty=True)
