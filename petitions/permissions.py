"""Who may do what with petitions: one function per action, deny by default.

These say *who*; `petitions.services` says *when* (the petition's status), with a message.
The official response is published by moderators (City Hall's staff for petitions; admins
hold every role).
"""

from core.models import Role
from core.permissions import can_take_part, holds, signed_in


def _is_author(user, petition) -> bool:
    return signed_in(user) and petition.author_id is not None and petition.author_id == user.id


def can_start_petition(user) -> bool:
    return can_take_part(user)


def can_sign_petitions(user) -> bool:
    return can_take_part(user)


def can_sponsor_petition(user, petition) -> bool:
    return can_take_part(user) and not _is_author(user, petition)


def can_edit_petition(user, petition) -> bool:
    return _is_author(user, petition)


def can_withdraw_petition(user, petition) -> bool:
    return _is_author(user, petition)


def can_moderate_petitions(user) -> bool:
    return holds(user, Role.MODERATOR)


def can_respond_to_petition(user, petition=None) -> bool:
    return holds(user, Role.MODERATOR)


def can_invalidate_signatures(user, petition=None) -> bool:
    return holds(user, Role.MODERATOR)


def can_see_petition(user, petition) -> bool:
    """Public once moderated; before that the author's and the moderators' (sponsors see it
    through the sponsor link)."""
    return petition.is_public or _is_author(user, petition) or can_moderate_petitions(user)


TEMPLATE_FUNCTIONS = (
    can_start_petition,
    can_sign_petitions,
    can_sponsor_petition,
    can_edit_petition,
    can_withdraw_petition,
    can_moderate_petitions,
    can_respond_to_petition,
    can_invalidate_signatures,
)
