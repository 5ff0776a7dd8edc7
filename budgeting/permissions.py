"""Who may do what with budget surveys: one function per action, deny by default."""

from core.models import Role
from core.permissions import can_take_part, holds


def can_manage_budget(user) -> bool:
    return holds(user, Role.BUDGET_ADMIN)


def can_vote(user) -> bool:
    """Signed in with a confirmed e-mail; residency and phase are checked by the service,
    which says what is missing."""
    return can_take_part(user)


def can_see_proposal(user, proposal) -> bool:
    """A proposal before it becomes a project: its author and the budget staff."""
    author = proposal.author_id is not None and proposal.author_id == getattr(user, "id", None)
    return author or can_manage_budget(user)


TEMPLATE_FUNCTIONS = (can_manage_budget, can_vote)
