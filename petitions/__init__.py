"""Petition to the Mayor (SPEC §4): coming next; the blueprint and its index page exist."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core.registry import registry


def init_app(app: Flask) -> None:
    from petitions.views import bp

    app.register_blueprint(bp)
    plugs = registry(app)
    plugs.add_nav("petitions.index", _l("Petitions"), order=20)
    plugs.add_home_panel("petitions", 20, "petitions/_home_panel.html", dict)
