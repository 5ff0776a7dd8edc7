"""District budget surveys and participatory budgeting (SPEC §5)."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core.permissions import expose_to_templates
from core.registry import registry


def _home_panel() -> dict:
    from budgeting import queries

    return {"cycles": queries.current_cycles(2)}


def init_app(app: Flask) -> None:
    from budgeting import (  # noqa: F401
        api,
        cli,
        datarights,
        demo,
        notices,
        permissions,
        proposals,
        queries,
        spending,
        staff,
        tasks,
    )
    from budgeting.views import bp

    plugs = registry(app)
    spending.init_app(app, plugs)  # before the blueprint is registered: its routes join it

    app.register_blueprint(bp)
    cli.register(app)
    expose_to_templates(app, *permissions.TEMPLATE_FUNCTIONS)
    plugs.add_nav("budgeting.index", _l("Budget"), order=30)
    plugs.add_home_panel("budgeting", 30, "budgeting/_home_panel.html", _home_panel)
    plugs.add_tool_link(
        "budgeting.admin", _l("Budget administration"), permissions.can_manage_budget, order=30
    )
    plugs.add_link_kind("budget_cycle", queries.cycle_targets)
    plugs.add_link_kind("ballot", queries.ballot_targets)
    plugs.add_link_kind("project", queries.project_targets, locate=queries.locate_projects)
    plugs.add_link_kind("proposal", queries.proposal_targets)
    plugs.add_starter(
        "proposal",
        _l("Propose a project for the district budget"),
        "budgeting.start_proposal",
        kinds={"report"},
        allowed=permissions.can_vote,
        order=30,
    )
    plugs.add_map_layer("projects", _l("Budget projects"), "budget_api.projects_layer", order=30)
    plugs.add_api(api.bp)
    plugs.add_demo_loader("budgeting", 30, demo.load)
    plugs.add_data_rights("budgeting", datarights.export, datarights.erase)
    plugs.add_consequence(tasks.mail_residents)
    plugs.add_consequence(tasks.store_tallies)
    plugs.add_mail_choice(
        "budget",
        _l("Budget surveys"),
        _l(
            "Mail me when voting opens on the ballot of the district where my registration is "
            "confirmed, and when its results are published."
        ),
        notices.wants_mail,
        notices.set_mail,
        order=30,
    )
