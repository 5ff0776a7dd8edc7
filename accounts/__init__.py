"""Accounts: sign-up, e-mail confirmation, log-in, password reset, profile, residency."""

from flask import Flask


def init_app(app: Flask) -> None:
    from accounts import cli
    from accounts.views import bp

    app.register_blueprint(bp)
    cli.register(app)
