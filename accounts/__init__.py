"""Accounts: sign-up, e-mail confirmation, log-in, password reset, profile, residency."""

from flask import Flask


def init_app(app: Flask) -> None:
    from accounts import cli
    from accounts.views import bp, legal_bp

    app.register_blueprint(bp)
    app.register_blueprint(legal_bp)
    cli.register(app)
