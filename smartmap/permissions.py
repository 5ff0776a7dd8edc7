"""Who may do what on the smart map: one function per action, deny by default."""

from core.models import Role
from core.permissions import can_take_part, holds, signed_in


def can_report(user) -> bool:
    """Residents with a confirmed e-mail address report directly."""
    return can_take_part(user)


def can_use_triage_desk(user) -> bool:
    return holds(user, Role.DISTRICT_STAFF)


def can_triage(user, report) -> bool:
    """Change status, assign, merge: staff of the report's district, and admins."""
    if not holds(user, Role.DISTRICT_STAFF):
        return False
    return Role.ADMIN in user.roles or report.district_id in user.staff_district_ids


def can_reopen(user, report) -> bool:
    """The reporter answers "not fixed" (the 30 days are the service's rule)."""
    return (
        can_take_part(user)
        and report.reporter_id is not None
        and report.reporter_id == getattr(user, "id", None)
    )


def can_follow(user, report) -> bool:
    return signed_in(user)


TEMPLATE_FUNCTIONS = (
    can_report,
    can_use_triage_desk,
    can_triage,
    can_reopen,
    can_follow,
)
