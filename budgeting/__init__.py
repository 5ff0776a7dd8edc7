"""District budget surveys and participatory budgeting (SPEC §5): coming next."""

from flask import Flask

from core.registry import add_home_panel


def init_app(app: Flask) -> None:
    from budgeting.views import bp

    app.register_blueprint(bp)
    add_home_panel("budgeting", 30, "budgeting/_home_panel.html", dict)
