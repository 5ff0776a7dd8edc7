"""Budget objects as link targets (`ballot:<id>`, `project:<id>`) for cross-links."""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from budgeting.models import Ballot, Cycle, Option, Phase
from core.db import db
from core.links import LinkTarget


def _public(statement):
    """Ballots of cycles past their draft, and imported ones."""
    return statement.outerjoin(Cycle, Ballot.cycle_id == Cycle.id).where(
        or_(Ballot.cycle_id.is_(None), Cycle.phase != Phase.DRAFT)
    )


def ballot_targets(ids: list[int], user) -> list[LinkTarget]:
    statement = _public(select(Ballot).where(Ballot.id.in_(ids)))
    return [
        LinkTarget(b.ref, _("Ballot"), b.title, url_for("budgeting.ballot", ballot_id=b.id))
        for b in db.session.scalars(statement)
    ]


def project_targets(ids: list[int], user) -> list[LinkTarget]:
    statement = _public(select(Option).join(Ballot).where(Option.id.in_(ids)))
    return [
        LinkTarget(
            o.ref,
            _("Project"),
            o.name,
            url_for("budgeting.ballot", ballot_id=o.ballot_id, _anchor=f"option-{o.code}"),
        )
        for o in db.session.scalars(statement)
    ]


def current_cycles(limit: int) -> list[Cycle]:
    """Cycles residents can take part in or see the results of, newest first."""
    return db.session.scalars(
        select(Cycle)
        .where(Cycle.phase != Phase.DRAFT)
        .order_by(Cycle.voting_at.desc())
        .limit(limit)
    ).all()
