"""The smart map of city problems (SPEC §6): residents report, district staff triage in public,
Open311 clients read and submit."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core.permissions import expose_to_templates
from core.registry import registry
from smartmap import permissions


def _home_panel() -> dict:
    from smartmap import queries

    return {"reports": queries.latest(None, 3)}


def _district_panel(district) -> dict:
    from smartmap import queries

    return queries.district_panel(district)


def init_app(app: Flask) -> None:
    from core.extensions import csrf
    from smartmap import api, cli, datarights, demo, open311, queries
    from smartmap.category_views import bp  # the views' blueprint, with the admin pages too
    from smartmap.question_views import bp as _with_question_pages  # noqa: F401

    app.register_blueprint(bp)
    # Open311 clients authenticate with an api_key in the form, never with a cookie.
    csrf.exempt(open311.bp)
    app.register_blueprint(open311.bp)
    cli.register(app)
    expose_to_templates(app, *permissions.TEMPLATE_FUNCTIONS)
    plugs = registry(app)
    plugs.add_nav("smartmap.index", _l("Smart map"), order=40)
    plugs.add_home_panel("smartmap", 40, "smartmap/_home_panel.html", _home_panel)
    plugs.add_district_panel("smartmap", 40, "smartmap/_district_panel.html", _district_panel)
    plugs.add_feed("smartmap_api.atom_feed", _l("Reported problems"), _l("Reports feed (Atom)"))
    plugs.add_link_kind("report", queries.link_targets, locate=queries.locate)
    plugs.add_api(api.bp)
    plugs.add_tool_link(
        "smartmap.triage", _l("Triage desk"), permissions.can_use_triage_desk, order=40
    )
    plugs.add_tool_link(
        "smartmap.category_list", _l("Map categories"), permissions.can_manage_categories, order=41
    )
    plugs.add_demo_loader("smartmap", 40, demo.load)
    plugs.add_data_rights("smartmap", datarights.export, datarights.erase)
