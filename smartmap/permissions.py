"""Who may do what on the smart map: one function per action, deny by default."""

from flask_babel import lazy_gettext as _l

from core.db import db
from core.models import Role
from core.permissions import can_take_part, holds, signed_in
from smartmap.models import Follower


def can_report(user) -> bool:
    """Residents with a confirmed e-mail address report directly."""
    return can_take_part(user)


def can_open_report_form(user) -> bool:
    """Visitors who are not logged in report too (held until their e-mail is confirmed);
    a logged-in account needs its own address confirmed first."""
    return not signed_in(user) or can_report(user)


def can_use_triage_desk(user) -> bool:
    return holds(user, Role.DISTRICT_STAFF)


def can_triage(user, report) -> bool:
    """Change status, assign, merge: staff of the report's district, and admins."""
    if not holds(user, Role.DISTRICT_STAFF):
        return False
    return Role.ADMIN in user.roles or report.district_id in user.staff_district_ids


NOT_FIXED_REFUSAL = _l(
    "Only the reporter and those who followed the report before it was fixed can answer"
    " that it is not fixed."
)


def can_reopen(user, report) -> bool:
    """The reporter, or someone who followed the report before it was fixed (nobody follows a
    fixed report just to reopen it), answers "not fixed"; the 30 days and one answer per
    person per fix are the service's rules."""
    if not can_take_part(user):
        return False
    if report.reporter_id is not None and report.reporter_id == user.id:
        return True
    if report.id is None or user.id is None:
        return False
    follower = db.session.get(Follower, (report.id, user.id))
    if follower is None:
        return False
    return report.fixed_at is None or follower.created_at < report.fixed_at


def can_follow(user, report) -> bool:
    return signed_in(user)


def can_manage_categories(user, category=None) -> bool:
    """Create and edit the categories (Open311 services): admins."""
    return holds(user, Role.ADMIN)


TEMPLATE_FUNCTIONS = (
    can_report,
    can_open_report_form,
    can_manage_categories,
    can_use_triage_desk,
    can_triage,
    can_reopen,
    can_follow,
)
