"""Who may do what with budget surveys: one function per action, deny by default."""

from core.models import Role
from core.permissions import can_take_part, holds


def can_manage_budget(user) -> bool:
    return holds(user, Role.BUDGET_ADMIN)


def can_vote(user) -> bool:
    """Signed in with a confirmed e-mail; residency and phase are checked by the service,
    which says what is missing."""
    return can_take_part(user)


TEMPLATE_FUNCTIONS = (can_manage_budget, can_vote)


def can_publish_spending(user) -> bool:
    """Uploading the budget's planned and actual spending (SPEC §5)."""
    return holds(user, Role.BUDGET_ADMIN)
