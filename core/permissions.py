"""Who may do what: the decorators every view uses, in one place."""

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import false

from core.errors import Refused
from core.models import Role


def require_role(*roles: Role):
    """Logged in and holding one of `roles` (admins hold every role)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_confirmed(view):
    """Signing, voting and reporting need a confirmed e-mail address."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_confirmed:
            raise Refused(_("Please confirm your e-mail address first."), status=403)
        return view(*args, **kwargs)

    return wrapped


def can_edit_links(user) -> bool:
    return user.is_authenticated and user.has_role(Role.EDITOR)


def district_scope(statement, user, district_column):
    """Limit a query to the districts `user` serves: all for admins, their own for district
    staff, none for anyone else. Queues use this, so a forgotten template check cannot leak."""
    if not (user and user.is_authenticated):
        return statement.where(false())
    if user.has_role(Role.ADMIN):
        return statement
    return statement.where(district_column.in_(user.staff_district_ids or [-1]))
