"""Budget spending publication („ბიუჯეტის ხარჯვის ინტერაქტიული გამოქვეყნება“, SPEC §5):
planned and actual spending by year, district and category, imported from CSV.

`budgeting.models` imports this package's models, so nothing is imported here at the top."""

from flask import Flask


def init_app(app: Flask, plugs) -> None:
    """Called by `budgeting.init_app` before the blueprint is registered: the pages' routes
    join the `budgeting` blueprint when `views` is imported."""
    from flask_babel import lazy_gettext as _l

    from budgeting import district_panel
    from budgeting.permissions import can_publish_spending
    from budgeting.spending import api, cli, demo, views  # noqa: F401
    from core.permissions import expose_to_templates

    expose_to_templates(app, can_publish_spending)
    plugs.add_api(api.bp)
    plugs.add_tool_link(
        "budgeting.spending_upload", _l("Publish budget spending"), can_publish_spending, order=31
    )
    plugs.add_demo_loader("budget_spending", 31, demo.load)
    plugs.add_district_panel(
        "budgeting", 30, "budgeting/_district_panel.html", district_panel.context
    )
