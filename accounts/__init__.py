"""Accounts: sign-up, e-mail confirmation, log-in, password reset, profile, residency."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core.models import Role
from core.registry import registry


def init_app(app: Flask) -> None:
    from accounts import cli
    from accounts.views import bp

    app.register_blueprint(bp)
    cli.register(app)
    plugs = registry(app)
    plugs.set_login_endpoint("accounts.login")
    plugs.add_header_template("accounts/_header.html")
    plugs.add_tool_link(
        "accounts.census", _l("Census list"), lambda user: user.has_role(Role.ADMIN), order=80
    )
