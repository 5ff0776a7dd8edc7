"""The smart map of city problems (SPEC §6): coming next; the district map is already shown."""

from flask import Flask

from core.registry import add_home_panel


def init_app(app: Flask) -> None:
    from smartmap.views import bp

    app.register_blueprint(bp)
    add_home_panel("smartmap", 40, "smartmap/_home_panel.html", dict)
