"""Budget objects as link targets (`ballot:<id>`, `project:<id>`) for cross-links."""

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from budgeting.models import Ballot, Cycle, Option, Phase, Proposal, ProposalStatus
from budgeting.permissions import can_manage_budget
from core.db import authored_by, db
from core.i18n import money
from core.links import LinkTarget
from core.openapi import point_feature
from core.security import site_url

PROPOSAL_STATUS_LABELS = {
    ProposalStatus.SUBMITTED: _l("Waiting for review"),
    ProposalStatus.ACCEPTED: _l("Accepted as a project"),
    ProposalStatus.REJECTED: _l("Not accepted"),
}
PHASE_LABELS = {
    Phase.DRAFT: _l("Draft"),
    Phase.PROPOSALS: _l("Proposals"),
    Phase.REVIEW: _l("Review"),
    Phase.VOTING: _l("Voting"),
    Phase.RESULTS: _l("Results"),
}


def _public(statement):
    """Ballots of cycles past their draft, and imported ones."""
    return statement.outerjoin(Cycle, Ballot.cycle_id == Cycle.id).where(
        or_(Ballot.cycle_id.is_(None), Cycle.phase != Phase.DRAFT)
    )


def cycle_targets(ids: list[int], user) -> list[LinkTarget]:
    statement = select(Cycle).where(Cycle.id.in_(ids), Cycle.phase != Phase.DRAFT)
    return [
        LinkTarget(
            c.ref,
            _("Budget cycle"),
            c.title,
            url_for("budgeting.cycle", cycle_id=c.id),
            str(PHASE_LABELS[Phase(c.phase)]),
        )
        for c in db.session.scalars(statement)
    ]


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


def proposal_targets(ids: list[int], user) -> list[LinkTarget]:
    """Proposals as "related" entries: for their author and the budget staff only."""
    statement = select(Proposal).where(Proposal.id.in_(ids))
    if not can_manage_budget(user):
        statement = statement.where(authored_by(Proposal.author_id, user))
    return [
        LinkTarget(
            p.ref,
            _("Proposal"),
            p.title,
            url_for("budgeting.proposal", proposal_id=p.id),
            str(PROPOSAL_STATUS_LABELS[ProposalStatus(p.status)]),
        )
        for p in db.session.scalars(statement)
    ]


def proposing_cycle() -> Cycle | None:
    """The cycle taking proposals now (the newest, should two overlap)."""
    return db.session.scalars(
        select(Cycle).where(Cycle.phase == Phase.PROPOSALS).order_by(Cycle.proposals_at.desc())
    ).first()


def _located(statement):
    return _public(statement.join(Ballot)).where(Option.location.is_not(None))


def locate_projects(ids: list[int]) -> dict[int, tuple[float, float]]:
    """Where the public projects among `ids` are, as (longitude, latitude), in one query."""
    statement = _located(
        select(Option.id, func.ST_X(Option.location), func.ST_Y(Option.location))
    ).where(Option.id.in_(ids))
    return {option_id: (lon, lat) for option_id, lon, lat in db.session.execute(statement)}


def map_layer() -> dict:
    """Located projects of the cycles past their draft, as a GeoJSON FeatureCollection."""
    statement = _located(
        select(Option, func.ST_X(Option.location), func.ST_Y(Option.location))
    ).where(Ballot.cycle_id.is_not(None))
    rows = db.session.execute(statement.order_by(Option.id))
    return {
        "type": "FeatureCollection",
        "features": [_project_feature(option, (lon, lat)) for option, lon, lat in rows],
    }


def _project_feature(option: Option, point: tuple[float, float]) -> dict:
    ballot = option.ballot
    return point_feature(
        point,
        {
            "ref": option.ref,
            "title": option.name,
            "status": str(PHASE_LABELS[Phase(ballot.cycle.phase)]),
            "cost": money(option.cost, ballot.currency) if option.cost is not None else "",
            "url": site_url(
                "budgeting.ballot", ballot_id=ballot.id, _anchor=f"option-{option.code}"
            ),
        },
    )
