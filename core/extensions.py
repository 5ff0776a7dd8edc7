"""Flask extensions, created once and bound to the app in the factory."""

from flask import has_app_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from core.registry import current_registry


class ModuleLoginManager(LoginManager):
    """Sends visitors to the log-in page of the app's accounts module, when it has one; without
    it, pages that need a user answer 401."""

    @property
    def login_view(self) -> str | None:
        return current_registry().login_endpoint if has_app_context() else None

    @login_view.setter
    def login_view(self, _value) -> None:
        """Set through `registry.set_login_endpoint()`, per app, not on this shared object."""


babel = Babel()
csrf = CSRFProtect()
login_manager = ModuleLoginManager()
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="fixed-window")


def post_only() -> bool:
    """Rate limits count submissions, not people reading the form."""
    return request.method != "POST"
