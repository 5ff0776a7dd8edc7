"""The petition mails: a threshold crossed (author and moderators), progress towards it (author
and signers who asked), the official response (signers who asked, a batch per job)."""

from sqlalchemy import select

from core import mail
from core.db import db
from core.models import Role, RoleGrant, User
from core.security import site_url
from petitions.models import Petition, Signature


def _queue_each(people, template: str, petition: Petition, **values) -> None:
    """One mail to each person (once, however often they appear), in their language."""
    link = site_url("petitions.detail", petition_id=petition.id)
    for person in {p.id: p for p in people}.values():
        values.update(petition=petition, user=person, link=link)
        mail.queue(person.email, template, person.locale, **values)


def moderators() -> list[User]:
    statement = (
        select(User)
        .join(RoleGrant)
        .where(RoleGrant.role.in_([Role.MODERATOR, Role.ADMIN]), User.active)
        .distinct()
    )
    return list(db.session.scalars(statement))


def mail_threshold(petition: Petition, threshold: int) -> None:
    people = list(moderators())
    if petition.author is not None:
        people.append(petition.author)
    _queue_each(people, "petition_threshold", petition, threshold=threshold)


def mail_progress(petition: Petition, percent: int) -> None:
    people = []
    if petition.author is not None and petition.author_notify:
        people.append(petition.author)
    people += db.session.scalars(
        select(User)
        .join(Signature, Signature.user_id == User.id)
        .where(Signature.petition_id == petition.id, Signature.notify)
    )
    _queue_each(people, "petition_progress", petition, percent=percent)


def mail_signers_batch(petition: Petition, after_id: int, size: int) -> int | None:
    """Mail the response to the next `size` signers who opted in; the last id, or None."""
    rows = db.session.execute(
        select(Signature.id, User)
        .join(User, Signature.user_id == User.id)
        .where(Signature.petition_id == petition.id, Signature.notify, Signature.id > after_id)
        .order_by(Signature.id)
        .limit(size)
    ).all()
    _queue_each([person for _signature_id, person in rows], "petition_response", petition)
    return rows[-1][0] if len(rows) == size else None
