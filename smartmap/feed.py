"""The Atom feed of reports, per district or for the whole city."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import current_app
from flask_babel import gettext as _

from core.i18n import city_name, current_language
from core.inputs import clean_text
from core.models import District
from core.security import site_url
from smartmap.models import Report


def _tag(name: str) -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "ghia"
    return f"tag:{host},2026:{name}"


def atom(reports: list[Report], district: District | None) -> bytes:
    lang = current_language()
    slug = district.slug if district else None
    feed = FeedGenerator()
    feed.id(_tag(f"reports:{slug or 'city'}"))
    where = district.name if district else city_name()
    feed.title(_("Reported problems: %(place)s", place=where))
    feed.author({"name": _("%(city)s City Hall", city=city_name())})
    feed.link(href=site_url("smartmap_api.atom_feed", district=slug, lang=lang), rel="self")
    feed.link(href=site_url("smartmap.reports", district=slug, lang=lang), rel="alternate")
    feed.language(lang)
    newest = max((r.updated_at for r in reports), default=datetime(2026, 1, 1, tzinfo=UTC))
    feed.updated(newest)
    for report in reversed(reports):  # feedgen prepends entries
        entry = feed.add_entry()
        entry.id(_tag(report.ref))
        entry.title(f"#{report.id} {report.category.name}: {report.status_label}")
        entry.link(href=site_url("smartmap.detail", report_id=report.id, lang=lang))
        entry.published(report.created_at)
        entry.updated(report.updated_at)
        entry.content(clean_text(report.description), type="text")
    return feed.atom_str(pretty=True)
