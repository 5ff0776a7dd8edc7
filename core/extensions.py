"""Flask extensions, created once and bound to the app in the factory."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="fixed-window")


def post_only() -> bool:
    """Rate limits count submissions, not people reading the form."""
    return request.method != "POST"
