"""Accounts: sign-up, e-mail confirmation, log-in, password reset, profile, residency."""

from flask import Flask


def init_app(app: Flask) -> None:
    from accounts import cli, permissions
    from accounts.views import bp
    from core.permissions import expose_to_templates

    app.register_blueprint(bp)
    expose_to_templates(app, *permissions.TEMPLATE_FUNCTIONS)
    cli.register(app)
