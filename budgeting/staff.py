"""Budget administration: cycles and their phases, district ballots, options, proposal review;
and the residents' proposal form."""

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from budgeting import services
from budgeting.forms import BallotForm, CycleForm, OptionForm, ProposalForm, ReviewForm
from budgeting.models import Ballot, Cycle, Phase, Proposal
from budgeting.permissions import can_manage_budget, can_vote
from budgeting.views import bp
from core import links
from core.db import db
from core.districts import all_districts
from core.errors import Refused
from core.forms import form_page
from core.i18n import N_, flash_later
from core.permissions import load_or_404, requires


def _refused(form, refusal: Refused):
    """Shows a service's refusal at its field, or at the form's first field."""
    field = getattr(form, refusal.field or "", None)
    if field is None:
        field = next(f for f in form if f.type not in ("CSRFTokenField", "HiddenField"))
    field.errors = [*field.errors, refusal.message]


@bp.route("/admin/", methods=["GET", "POST"])
@requires(can_manage_budget)
def admin():
    form = CycleForm()
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.id.desc())).all()
    if form.validate_on_submit():
        try:
            cycle = services.create_cycle(
                current_user,
                title_ka=form.title_ka.data,
                title_en=form.title_en.data or "",
                proposals_at=form.proposals_at.moment,
                review_at=form.review_at.moment,
                voting_at=form.voting_at.moment,
                results_at=form.results_at.moment,
            )
        except Refused as refusal:
            _refused(form, refusal)
        else:
            return redirect(url_for("budgeting.admin_cycle", cycle_id=cycle.id))
    return form_page("budgeting/admin.html", form, cycles=cycles)


def _ballot_form() -> BallotForm:
    form = BallotForm()
    form.district.choices = [(d.id, d.name) for d in all_districts()]
    return form


@bp.route("/admin/cycles/<int:cycle_id>", methods=["GET", "POST"])
@requires(can_manage_budget)
def admin_cycle(cycle_id: int):
    cycle = load_or_404(Cycle, cycle_id)
    form = _ballot_form()
    if form.validate_on_submit():
        try:
            ballot = services.add_ballot(
                current_user,
                cycle,
                district_id=form.district.data,
                title_ka=form.title_ka.data,
                title_en=form.title_en.data or "",
                kind=form.kind.data,
                rule=form.rule.data,
                budget=form.budget.data,
                max_choices=form.max_choices.data,
                min_choices=form.min_choices.data or 0,
            )
        except Refused as refusal:
            _refused(form, refusal)
        else:
            return redirect(url_for("budgeting.admin_ballot", ballot_id=ballot.id))
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.cycle_id == cycle.id).order_by(Proposal.id)
    ).all()
    return form_page(
        "budgeting/admin_cycle.html",
        form,
        cycle=cycle,
        proposals=proposals,
        review_form=ReviewForm(formdata=None),
        phases=list(Phase),
    )


@bp.post("/admin/cycles/<int:cycle_id>/phase")
@requires(can_manage_budget)
def move_phase(cycle_id: int):
    cycle = load_or_404(Cycle, cycle_id)
    try:
        services.move_phase(cycle, Phase(request.form.get("phase", "")))
    except ValueError:
        raise Refused(_("Please choose a phase."), 422) from None
    flash_later(N_("The cycle is now in its %(phase)s phase."), "success", phase=cycle.phase)
    return redirect(url_for("budgeting.admin_cycle", cycle_id=cycle.id))


@bp.route("/admin/ballots/<int:ballot_id>", methods=["GET", "POST"])
@requires(can_manage_budget)
def admin_ballot(ballot_id: int):
    ballot = load_or_404(Ballot, ballot_id)
    form = OptionForm()
    if form.validate_on_submit():
        try:
            services.add_option(
                current_user,
                ballot,
                name_ka=form.name_ka.data,
                name_en=form.name_en.data or "",
                description=form.description.data or "",
                category=form.category.data or "",
                cost=form.cost.data,
            )
        except Refused as refusal:
            _refused(form, refusal)
        else:
            return redirect(url_for("budgeting.admin_ballot", ballot_id=ballot.id))
    return form_page("budgeting/admin_ballot.html", form, ballot=ballot)


@bp.post("/admin/proposals/<int:proposal_id>/review")
@requires(can_manage_budget)
def review_proposal(proposal_id: int):
    proposal = load_or_404(Proposal, proposal_id)
    form = ReviewForm()
    if not form.validate():
        raise Refused(_("Please give a cost to accept or a reason to reject."), 422)
    services.review(current_user, proposal, form.cost.data, form.note.data or "")
    return redirect(url_for("budgeting.admin_cycle", cycle_id=proposal.cycle_id))


@bp.route("/cycles/<int:cycle_id>/propose", methods=["GET", "POST"])
@requires(can_vote)
def propose(cycle_id: int):
    cycle = load_or_404(Cycle, cycle_id)
    origin = links.origin(request.values.get("origin"), current_user, "proposal")
    form = ProposalForm()
    if form.validate_on_submit():
        try:
            services.propose(
                current_user, cycle, form.title.data, form.description.data, origin and origin.ref
            )
        except Refused as refusal:
            _refused(form, refusal)
            return form_page("budgeting/propose.html", form, cycle=cycle, origin=origin)
        flash_later(N_("Thank you: your proposal is sent for review."), "success")
        return redirect(url_for("budgeting.cycle", cycle_id=cycle.id))
    return form_page("budgeting/propose.html", form, cycle=cycle, origin=origin)
