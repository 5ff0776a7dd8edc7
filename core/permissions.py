"""Who may do what. Each package's `permissions.py` holds one function per action (and object):
`can_edit_post(user, post) -> bool`. Views apply them with `@requires`, templates call the same
functions, queues scope their queries with `district_scope`. Deny by default: nobody, an
anonymous visitor or a deactivated account may do nothing that a function does not grant.

What a refusal answers (the security test checks every route against this):
- not logged in: 302 to the log-in page with `next` (401 JSON under /api/);
- logged in without the permission: 403;
- an object that does not exist, or that the user may not know about (`hide=True`): 404;
- a missing or foreign CSRF token: 400 (Flask-WTF, before any view runs).
"""

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import false

from core.db import db
from core.errors import Refused, wants_json
from core.extensions import login_manager
from core.inputs import is_id
from core.models import Role


def signed_in(user) -> bool:
    """Logged in with an active account; the base of every other permission."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def holds(user, *roles: Role) -> bool:
    """Signed in and holding one of `roles` (admins hold every role)."""
    return signed_in(user) and user.has_role(*roles)


# Core's own actions.


def can_take_part(user) -> bool:
    """Signing, voting and reporting need a confirmed e-mail address."""
    return signed_in(user) and user.is_confirmed


def can_read_audit_log(user) -> bool:
    return holds(user, Role.ADMIN)


def can_manage_jobs(user) -> bool:
    """See background jobs that failed every try, and run them again."""
    return holds(user, Role.ADMIN)


def can_link(user, source_ref: str) -> bool:
    """Add a link from the object `source_ref` (the related panel of its page)."""
    return holds(user, Role.EDITOR)


def can_unlink(user, source_ref: str) -> bool:
    return holds(user, Role.EDITOR)


def district_scope(statement, user, district_column):
    """Limit a query to the districts `user` serves: all for admins, their own for district
    staff, none for anyone else. Queues use this, so a forgotten template check cannot leak."""
    if not signed_in(user):
        return statement.where(false())
    if user.has_role(Role.ADMIN):
        return statement
    return statement.where(district_column.in_(user.staff_district_ids or [-1]))


# Applying permissions in views.


def authorize(permission: Callable[..., bool], *objects, hide: bool = False, refusal=None):
    """Go on when `permission(current_user, *objects)` grants; otherwise answer as the module
    docstring says. `refusal` is the 403 message when a generic one would not help."""
    if permission(current_user, *objects):
        return
    if hide:
        abort(404)
    if not current_user.is_authenticated:
        if wants_json():
            abort(401)
        abort(login_manager.unauthorized())  # the log-in page, with `next` and a message
    if refusal:
        raise Refused(str(refusal), status=403)
    abort(403)


def load_or_404(model, object_id: int):
    if not is_id(object_id):  # beyond the id column's range nothing can exist
        abort(404)
    return db.get_or_404(model, object_id)


def requires(permission, model=None, arg: str | None = None, *, hide=False, refusal=None):
    """Apply a permission to a view.

    `@requires(can_read_audit_log)` checks `can_read_audit_log(current_user)`.
    `@requires(can_edit_post, Post, "post_id")` loads the Post with the route's `post_id`
    (404 when there is none), checks `can_edit_post(current_user, post)` and passes the view
    `post=` instead of `post_id=`. `hide=True` answers a refusal with 404, for objects whose
    existence is not everyone's business (drafts).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            objects = ()
            if model is not None:
                obj = load_or_404(model, kwargs.pop(arg))
                kwargs[arg.removesuffix("_id")] = obj
                objects = (obj,)
            authorize(permission, *objects, hide=hide, refusal=refusal)
            return view(*args, **kwargs)

        return wrapped

    return decorator


require_confirmed = requires(can_take_part, refusal=_l("Please confirm your e-mail address first."))


def expose_to_templates(app: Flask, *functions: Callable[..., bool]) -> None:
    """Templates call the same functions as views: `{% if can_link(current_user, ref) %}`."""
    app.jinja_env.globals.update({function.__name__: function for function in functions})
