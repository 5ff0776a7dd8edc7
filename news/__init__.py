"""The news feed: City Hall's announcements, meetings, minutes, trainings and decisions."""

from flask import Flask


def init_app(app: Flask) -> None:
    from news.views import bp

    app.register_blueprint(bp)
