"""Accounts: sign-up, e-mail confirmation, log-in, password reset, profile, residency."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from core.registry import registry


def init_app(app: Flask) -> None:
    from accounts import cli, demo, permissions
    from accounts.views import bp, legal_bp
    from core.permissions import expose_to_templates

    app.register_blueprint(bp)
    app.register_blueprint(legal_bp)
    expose_to_templates(app, *permissions.TEMPLATE_FUNCTIONS)
    cli.register(app)
    plugs = registry(app)
    plugs.set_login_endpoint("accounts.login")
    plugs.add_header_template("accounts/_header.html")
    plugs.add_banner_template("accounts/_unconfirmed_banner.html")
    plugs.add_tool_link(
        "accounts.census", _l("Census list"), permissions.can_upload_census, order=80
    )
    plugs.add_tool_link(
        "accounts.residency_reviews",
        _l("Review requests: place of registration"),
        permissions.can_review_residency,
        order=81,
    )
    plugs.add_demo_loader("accounts", 10, demo.load)  # before the modules' demo data
    plugs.add_footer_link("legal.privacy", _l("Privacy notice"), order=10)
    plugs.add_footer_link("legal.terms", _l("Terms of use"), order=11)
