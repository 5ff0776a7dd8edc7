"""The smart map of city problems (SPEC §6): coming next; the district map is already shown."""

from flask import Flask


def init_app(app: Flask) -> None:
    from smartmap.views import bp

    app.register_blueprint(bp)
