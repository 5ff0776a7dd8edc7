"""District budget surveys and participatory budgeting (SPEC §5)."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core.permissions import expose_to_templates
from core.registry import registry


def init_app(app: Flask) -> None:
    from budgeting import cli, permissions
    from budgeting.views import bp

    app.register_blueprint(bp)
    cli.register(app)
    expose_to_templates(app, *permissions.TEMPLATE_FUNCTIONS)
    plugs = registry(app)
    plugs.add_nav("budgeting.index", _l("Budget"), order=30)
    plugs.add_home_panel("budgeting", 30, "budgeting/_home_panel.html", dict)
