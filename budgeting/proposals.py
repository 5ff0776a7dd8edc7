"""Residents' proposals seen from elsewhere: started from another object (a map report) and
each proposal's own page, which its author and the budget staff see with its links."""

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from budgeting import queries
from budgeting.models import Proposal
from budgeting.permissions import can_see_proposal, can_vote
from budgeting.views import bp
from core import links
from core.permissions import requires


@bp.get("/propose")
@requires(can_vote)
def start_proposal():
    """Sends to the proposal form of the cycle taking proposals, keeping `?origin=`."""
    origin = links.origin(request.args.get("origin"), current_user, "proposal")
    cycle = queries.proposing_cycle()
    if cycle is None:
        return render_template("budgeting/no_proposals.html", origin=origin)
    return redirect(url_for("budgeting.propose", cycle_id=cycle.id, origin=origin and origin.ref))


@bp.get("/proposals/<int:proposal_id>")
@requires(can_see_proposal, Proposal, "proposal_id", hide=True)
def proposal(proposal):
    return render_template(
        "budgeting/proposal.html",
        proposal=proposal,
        status=queries.PROPOSAL_STATUS_LABELS[proposal.status],
        related=links.related(proposal.ref, current_user),
    )
