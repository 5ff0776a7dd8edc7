"""The smart map of city problems (SPEC §6): coming next; the district map is already shown."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core.registry import registry


def init_app(app: Flask) -> None:
    from smartmap.views import bp

    app.register_blueprint(bp)
    plugs = registry(app)
    plugs.add_nav("smartmap.index", _l("Smart map"), order=40)
    plugs.add_home_panel("smartmap", 40, "smartmap/_home_panel.html", dict)
