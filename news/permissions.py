"""Who may do what with news."""

from core.models import Role


def can_edit_news(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.EDITOR))
