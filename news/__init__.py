"""The news feed: City Hall's announcements, meetings, minutes, trainings and decisions."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core.permissions import expose_to_templates
from core.registry import registry
from news import permissions


def _home_panel() -> dict:
    from news import queries

    return {"posts": queries.latest(3)}


def _district_panel(district) -> dict:
    from news import queries

    # Posts have no district: an editor tags a post with the district's slug (e.g. "vake").
    return {
        "posts": queries.tagged(district.slug, limit=5),
        "tag": district.slug,
        "district_name": district.name,
    }


def init_app(app: Flask) -> None:
    from news import api, datarights, demo, queries, tasks
    from news.markdown import plain_summary, render
    from news.views import bp

    app.register_blueprint(bp)
    expose_to_templates(app, *permissions.TEMPLATE_FUNCTIONS)
    app.jinja_env.filters.update(markdown=render, summary=plain_summary)
    plugs = registry(app)
    plugs.add_nav("news.index", _l("News"), order=10)
    plugs.add_feed("news_api.atom_feed", _l("News"), _l("News feed (Atom)"))
    plugs.add_tool_link("news.new", _l("Write a post"), permissions.can_write_posts, order=10)
    plugs.add_tool_link("news.drafts", _l("Drafts"), permissions.can_read_drafts, order=11)
    plugs.add_home_panel("news", 10, "news/_home_panel.html", _home_panel)
    plugs.add_district_panel("news", 10, "news/_district_panel.html", _district_panel)
    plugs.add_link_kind("news", queries.link_targets, search=queries.search_link_targets)
    plugs.add_api(api.bp)
    plugs.add_consequence(tasks.post_from_event)
    plugs.add_demo_loader("news", 20, demo.load)
    plugs.add_data_rights("news", datarights.export, datarights.erase)
