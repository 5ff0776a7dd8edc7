"""Data rights: download my data, delete my account.

Deleting runs every module's eraser (core.privacy). When none keeps rows that point at the
account, the account row is deleted; otherwise it is anonymised: no name, no address, no
password, no roles, no residency. The personal number's fingerprint is released either way,
so the person can confirm a new account later (see the privacy notice).
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select

from accounts import services
from accounts.models import ResidencyReview
from core import audit, privacy
from core.db import db
from core.errors import Refused
from core.models import AuditEntry, OutboxMail, Role, RoleGrant, User

DELETED_NAME = "—"
UNUSABLE_PASSWORD = "!deleted"  # noqa: S105 - not an argon2 hash: verifying it always fails


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _account(user: User) -> dict:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "language": user.locale,
        "district": user.district.slug if user.district else None,
        "created_at": _iso(user.created_at),
        "email_confirmed_at": _iso(user.email_confirmed_at),
        "terms_accepted_at": _iso(user.terms_accepted_at),
        "terms_version": user.terms_version,
        "roles": sorted(user.roles),
        "staff_districts": sorted(g.district.slug for g in user.grants if g.district),
    }


def _residency(user: User) -> dict:
    """The status only: the personal number is never stored, its fingerprint is not data
    anyone can read."""
    reviews = db.session.scalars(select(ResidencyReview).where(ResidencyReview.user_id == user.id))
    return {
        "verified_district": user.verified_district.slug if user.verified_district else None,
        "verified_at": _iso(user.residency_verified_at),
        "review_requests": [
            {
                "district": r.district.slug,
                "note": r.note,
                "status": r.status,
                "created_at": _iso(r.created_at),
                "resolved_at": _iso(r.resolved_at),
            }
            for r in reviews
        ],
    }


def _audit_entries(user: User) -> list[dict]:
    entries = db.session.scalars(
        select(AuditEntry)
        .where(or_(AuditEntry.actor_id == user.id, AuditEntry.ref == f"user:{user.id}"))
        .order_by(AuditEntry.id)
    )
    return [
        {
            "action": e.action,
            "ref": e.ref,
            "by_you": e.actor_id == user.id,
            # Residency attempts keep their outcome for staff only: it would tell whether
            # another account holds a personal number (accounts/residency.py).
            "details": {} if e.action.startswith("residency.") else e.details,
            "at": _iso(e.created_at),
        }
        for e in entries
    ]


def _mails(user: User) -> list[dict]:
    """Subjects and dates; bodies are left out, since they may hold links that still work."""
    mails = db.session.scalars(
        select(OutboxMail).where(OutboxMail.to_addr == user.email).order_by(OutboxMail.id)
    )
    return [
        {
            "subject": m.subject,
            "status": m.status,
            "queued_at": _iso(m.created_at),
            "sent_at": _iso(m.sent_at),
        }
        for m in mails
    ]


def export(user: User) -> dict:
    return {
        "account": _account(user),
        "residency": _residency(user),
        "audit_log": _audit_entries(user),
        "mail": _mails(user),
        **privacy.export(user),
    }


def _last_admin(user: User) -> bool:
    if Role.ADMIN not in user.roles:
        return False
    admins = db.session.scalar(
        select(func.count(func.distinct(RoleGrant.user_id))).where(RoleGrant.role == Role.ADMIN)
    )
    return admins <= 1


def delete_account(user: User, password: str) -> None:
    """Erase the account after checking its password; audited without personal data."""
    services.check_password(user, password)
    if _last_admin(user):
        raise Refused(_("The last administrator cannot delete their account."), status=409)
    keep_row = privacy.erase(user)
    db.session.execute(delete(OutboxMail).where(OutboxMail.to_addr == user.email))
    audit.record(None, "account.delete", f"user:{user.id}", anonymised=keep_row)
    if keep_row:
        _anonymise(user)
    else:
        db.session.delete(user)
    db.session.flush()


def _anonymise(user: User) -> None:
    user.name, user.email = DELETED_NAME, f"deleted-{user.id}@deleted.invalid"
    user.password_hash, user.active = UNUSABLE_PASSWORD, False
    user.session_version += 1
    user.grants.clear()
    user.district_id = user.verified_district_id = None
    user.personal_number_hmac = user.residency_verified_at = None
    user.terms_accepted_at = user.terms_version = None
    db.session.execute(delete(ResidencyReview).where(ResidencyReview.user_id == user.id))
