"""Petition to the Mayor (SPEC §4): coming next; the blueprint and its index page exist."""

from flask import Flask


def init_app(app: Flask) -> None:
    from petitions.views import bp

    app.register_blueprint(bp)
