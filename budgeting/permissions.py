"""Who may do what with budget surveys: one function per action, deny by default."""

from core.models import Role
from core.permissions import can_take_part, holds, signed_in


def can_manage_budget(user) -> bool:
    return holds(user, Role.BUDGET_ADMIN)


def can_vote(user) -> bool:
    """Signed in with a confirmed e-mail; residency and phase are checked by the service,
    which says what is missing."""
    return can_take_part(user)


def can_see_proposal(user, proposal) -> bool:
    """A proposal before it becomes a project: its author and the budget staff."""
    user_id = getattr(user, "id", None) if signed_in(user) else None
    return (user_id is not None and proposal.author_id == user_id) or can_manage_budget(user)


TEMPLATE_FUNCTIONS = (can_manage_budget, can_vote)


def can_publish_spending(user) -> bool:
    """Uploading the budget's planned and actual spending (SPEC §5)."""
    return holds(user, Role.BUDGET_ADMIN)
