"""Budget administration: cycles and their phases, district ballots, options, survey questions,
proposal review; and the residents' proposal form."""

import csv
import io

from flask import Response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from budgeting import services, survey
from budgeting.forms import (
    BallotForm,
    CycleForm,
    OptionForm,
    ProposalForm,
    QuestionForm,
    ReviewForm,
)
from budgeting.models import Ballot, Cycle, Phase, Proposal, Question
from budgeting.permissions import can_manage_budget, can_vote
from budgeting.views import bp
from core import links
from core.db import db
from core.districts import all_districts
from core.errors import Refused
from core.forms import form_page, prefilled
from core.i18n import N_, flash_later
from core.inputs import csv_row
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
    return form_page(
        "budgeting/admin_ballot.html",
        form,
        ballot=ballot,
        kind_label=survey.kind_label,
        answers_public=survey.answers_public(ballot),
    )


def _question_input(form: QuestionForm) -> survey.QuestionInput:
    return survey.QuestionInput(
        kind=form.kind.data,
        prompt_ka=form.prompt_ka.data,
        prompt_en=form.prompt_en.data or "",
        required=form.required.data,
        choices=survey.choice_lines(form.choices_ka.data, form.choices_en.data),
        min_choices=form.min_choices.data or 0,
        max_choices=form.max_choices.data,
        max_length=form.max_length.data,
    )


def _questions_of(ballot: Ballot):
    return redirect(url_for("budgeting.admin_ballot", ballot_id=ballot.id, _anchor="questions"))


@bp.route("/admin/ballots/<int:ballot_id>/questions/new", methods=["GET", "POST"])
@requires(can_manage_budget)
def new_question(ballot_id: int):
    ballot = load_or_404(Ballot, ballot_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            survey.add_question(current_user, ballot, _question_input(form))
        except Refused as refusal:
            _refused(form, refusal)
        else:
            flash_later(N_("The question is added to the ballot."), "success")
            return _questions_of(ballot)
    return form_page("budgeting/admin_question.html", form, ballot=ballot, question=None)


@bp.route("/admin/questions/<int:question_id>", methods=["GET", "POST"])
@requires(can_manage_budget)
def edit_question(question_id: int):
    question = load_or_404(Question, question_id)
    form = prefilled(
        QuestionForm,
        question,
        choices_ka="\n".join(choice.label_ka for choice in question.choices),
        choices_en="\n".join(choice.label_en for choice in question.choices).strip(),
    )
    if form.validate_on_submit():
        try:
            survey.edit_question(current_user, question, _question_input(form))
        except Refused as refusal:
            _refused(form, refusal)
        else:
            flash_later(N_("The question is saved."), "success")
            return _questions_of(question.ballot)
    return form_page(
        "budgeting/admin_question.html", form, ballot=question.ballot, question=question
    )


@bp.post("/admin/questions/<int:question_id>/move")
@requires(can_manage_budget)
def move_question(question_id: int):
    question = load_or_404(Question, question_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        raise Refused(_("Please choose whether to move the question up or down."), 422)
    survey.move_question(current_user, question, step)
    return _questions_of(question.ballot)


@bp.post("/admin/questions/<int:question_id>/delete")
@requires(can_manage_budget)
def delete_question(question_id: int):
    question = load_or_404(Question, question_id)
    ballot = question.ballot
    survey.delete_question(current_user, question)
    flash_later(N_("The question is deleted."), "success")
    return _questions_of(ballot)


@bp.get("/admin/ballots/<int:ballot_id>/answers.csv")
@requires(can_manage_budget)
def answers_csv(ballot_id: int):
    """The free-text answers: budget admins only, as they may hold personal data."""
    ballot = load_or_404(Ballot, ballot_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(survey.TEXT_ANSWER_COLUMNS)
    writer.writerows(csv_row(row) for row in survey.download_text_answers(current_user, ballot))
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="ballot-{ballot.id}-answers.csv"'},
    )


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
