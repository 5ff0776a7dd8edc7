"""Who may do what with accounts: one function per action, deny by default.

A person's own pages (profile, password, residency) need only `core.permissions.signed_in`.
"""

from core.models import Role
from core.permissions import holds


def can_upload_census(user) -> bool:
    """The census list decides residency for everyone: administrators only."""
    return holds(user, Role.ADMIN)


def can_review_residency(user, review=None) -> bool:
    """Decide a resident's request to release a personal number held by another account."""
    return holds(user, Role.ADMIN)


TEMPLATE_FUNCTIONS = (can_upload_census, can_review_residency)
