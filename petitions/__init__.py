"""Petition to the Mayor (SPEC §4): coming next; the blueprint and its index page exist."""

from flask import Flask

from core.registry import add_home_panel


def init_app(app: Flask) -> None:
    from petitions.views import bp

    app.register_blueprint(bp)
    add_home_panel("petitions", 20, "petitions/_home_panel.html", dict)
