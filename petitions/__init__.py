"""Petition to the Mayor (SPEC §4): petitions, sponsors, signatures, thresholds, responses."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core.permissions import expose_to_templates
from core.registry import registry
from petitions import permissions


def _home_panel() -> dict:
    from petitions import queries

    return {"petitions": queries.signable(3)}


def _district_panel(district) -> dict:
    from petitions import queries

    # By the author's district when starting, as the list's district filter: a petition
    # belongs to one district, and the panel's link shows the same petitions and more.
    return {
        "petitions": queries.open_in_district(district.id),
        "district_id": district.id,
        "district_name": district.name,
    }


def init_app(app: Flask) -> None:
    from petitions import api, datarights, demo, queries, tasks
    from petitions.cli import petitions_cli
    from petitions.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(petitions_cli)
    expose_to_templates(app, *permissions.TEMPLATE_FUNCTIONS)
    plugs = registry(app)
    plugs.add_nav("petitions.index", _l("Petitions"), order=20)
    plugs.add_home_panel("petitions", 20, "petitions/_home_panel.html", _home_panel)
    plugs.add_district_panel("petitions", 20, "petitions/_district_panel.html", _district_panel)
    plugs.add_link_kind("petition", queries.link_targets)
    plugs.add_api(api.bp)
    plugs.add_starter(
        "petition",
        _l("Start a petition about this"),
        "petitions.new",
        kinds={"report"},
        allowed=permissions.can_start_petition,
        order=20,
    )
    plugs.add_map_layer("petitions", _l("Petitions"), "petitions_api.petitions_layer", order=20)
    plugs.add_tool_link(
        "petitions.moderation", _l("Petition moderation"), permissions.can_moderate_petitions, 20
    )
    plugs.add_consequence(tasks.mail_threshold)
    plugs.add_consequence(tasks.mail_progress)
    plugs.add_demo_loader("petitions", 30, demo.load)
    plugs.add_data_rights("petitions", datarights.export, datarights.erase)
