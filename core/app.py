"""The application factory."""

import importlib

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import lazyload
from werkzeug.middleware.proxy_fix import ProxyFix

from core import api, cli, devmail, district_pages, tasks
from core.all_models import import_all_models
from core.config import PROJECT_ROOT, load_config
from core.db import db
from core.errors import register_error_handlers
from core.extensions import babel, csrf, login_manager, migrate
from core.i18n import N_, deferred, init_i18n, select_locale
from core.inputs import init_inputs
from core.logs import init_logging
from core.models import User
from core.openapi import init_api
from core.permissions import can_link, can_read_audit_log, can_unlink, expose_to_templates
from core.pool import init_pool
from core.registry import Registry, init_registry
from core.security import init_security
from core.storage import init_storage
from core.transactions import TransactionalFlask
from core.views import bp


def create_app(overrides: dict | None = None) -> Flask:
    app = TransactionalFlask(
        "ghia",
        root_path=str(PROJECT_ROOT),
        template_folder="templates",
        static_folder="static",
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.update(load_config(overrides))
    registry = init_registry(app)
    init_logging(app)
    if app.config["PROXY_COUNT"]:
        # Behind N reverse proxies: trust their X-Forwarded-* headers, so rate limits and
        # logs see the resident's address, not the proxy's.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    _init_extensions(app)
    app.register_blueprint(bp)
    app.register_blueprint(district_pages.bp)
    _register_core(registry)
    cli.register(app)
    if app.config["GHIA_ENV"] == "development":
        app.register_blueprint(devmail.bp)
    for name in app.config["GHIA_MODULES"]:
        importlib.import_module(name).init_app(app)
    tasks.init_app(app)
    import_all_models(app.config["GHIA_MODULES"])
    init_api(app, registry.api_blueprints)
    expose_to_templates(app, can_link, can_unlink, can_read_audit_log)
    return app


def _register_core(registry: Registry) -> None:
    registry.add_api(api.bp)
    registry.add_tool_link("core.audit_log", _l("Audit log"), can_read_audit_log, order=90)


# Built once, since every request of a logged-in user runs it: about a third cheaper than
# `Session.get`, which builds its statement anew each time. Roles load when a page asks for
# them, not on every request: signing needs none.
USER_BY_ID = select(User).where(User.id == bindparam("user_id")).options(lazyload(User.grants))


def load_user(session_id: str) -> User | None:
    """The session's user, unless the account has since been logged out everywhere."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.execute(USER_BY_ID, {"user_id": int(user_id)}).scalar_one_or_none()
    return user if user and user.session_version == int(version) else None


def _init_extensions(app: Flask) -> None:
    init_inputs(app)  # before any route: the id converter applies to every <int:…>
    db.init_app(app)
    init_pool(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        compare_type=True,
        compare_server_default=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_message = N_("Please log in to continue.")
    login_manager.localize_callback = deferred
    login_manager.user_loader(load_user)
    init_i18n(app)
    init_security(app)
    init_storage(app)
    register_error_handlers(app)
