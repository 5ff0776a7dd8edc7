"""What petitions give for "download my data" and do for "delete my account".

Signatures keep counting after an account is deleted, without a name (SPEC §4).
"""

from sqlalchemy import select, update

from core.db import db
from petitions.models import Petition, Signature, SignatureInvalidation, Sponsor


def export(user) -> dict:
    signatures = db.session.execute(
        select(Signature, Petition.title, SignatureInvalidation.reason)
        .join(Petition, Signature.petition_id == Petition.id)
        .outerjoin(SignatureInvalidation, Signature.invalidation_id == SignatureInvalidation.id)
        .where(Signature.user_id == user.id)
        .order_by(Signature.id)
    ).all()
    started = db.session.scalars(select(Petition).where(Petition.author_id == user.id))
    return {
        "signatures": [
            {
                "petition_id": s.petition_id,
                "petition": title,
                "show_name": s.show_name,
                "notify": s.notify,
                "signed_at": s.created_at.isoformat(),
                # Removed by a moderator: it does not count, for the reason shown publicly.
                "removed": s.invalidation_id is not None,
                "removal_reason": reason,
            }
            for s, title, reason in signatures
        ],
        "started": [{"id": p.id, "title": p.title, "status": p.status} for p in started],
    }


def erase(user) -> bool:
    """Signatures stay and count, with no name: they keep pointing at the account, which is
    then anonymised instead of deleted (True). Nothing personal is kept on them."""
    db.session.execute(
        update(Signature).where(Signature.user_id == user.id).values(show_name=False, notify=False)
    )
    db.session.execute(
        update(Petition).where(Petition.author_id == user.id).values(author_notify=False)
    )
    kept = db.session.scalar(select(Signature.id).where(Signature.user_id == user.id).limit(1))
    authored = db.session.scalar(select(Petition.id).where(Petition.author_id == user.id).limit(1))
    sponsored = db.session.scalar(select(Sponsor.id).where(Sponsor.user_id == user.id).limit(1))
    return any(x is not None for x in (kept, authored, sponsored))
