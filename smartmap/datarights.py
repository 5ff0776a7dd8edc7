"""What the smart map gives for "download my data" and does for "delete my account".

Reports are the city's public record of problems: they stay, without the link to the account.
"""

from sqlalchemy import delete, select, update

from core.db import db
from smartmap import held
from smartmap.models import Follower, Report, ReportUpdate


def export(user) -> dict:
    reports = db.session.scalars(
        select(Report).where(Report.reporter_id == user.id).order_by(Report.id)
    )
    followed = db.session.scalars(select(Follower.report_id).where(Follower.user_id == user.id))
    return {
        "reports": [
            {
                "id": r.id,
                "category": r.category.code,
                "description": r.description,
                "status": r.status,
                "anonymous": r.anonymous,
                "created_at": r.created_at.isoformat(),
            }
            for r in reports
        ],
        "following": list(followed),
    }


def erase(user) -> bool:
    held.forget(user.email)
    db.session.execute(update(Report).where(Report.reporter_id == user.id).values(reporter_id=None))
    db.session.execute(update(Report).where(Report.assignee_id == user.id).values(assignee_id=None))
    db.session.execute(
        update(ReportUpdate).where(ReportUpdate.author_id == user.id).values(author_id=None)
    )
    db.session.execute(delete(Follower).where(Follower.user_id == user.id))
    return False
