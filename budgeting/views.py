"""Budget pages: cycles, a district ballot with its voting form, results and ballot downloads."""

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from budgeting import answers, elections, notices, pabulib, queries, services, survey
from budgeting.models import Ballot, BallotKind, Cycle, Phase
from budgeting.permissions import can_vote
from budgeting.results import results
from core import links
from core.db import db
from core.errors import Refused
from core.i18n import N_, flash_later, when
from core.permissions import load_or_404, requires

bp = Blueprint("budgeting", __name__, url_prefix="/budget")


@bp.get("/")
def index():
    cycles = queries.current_cycles(20)
    imported = db.session.scalars(
        select(Ballot).where(Ballot.cycle_id.is_(None)).order_by(Ballot.id.desc()).limit(20)
    ).all()
    wants_mail = notices.wants_mail(current_user)
    return render_template(
        "budgeting/index.html", cycles=cycles, imported=imported, wants_mail=wants_mail
    )


@bp.post("/mail")
@requires(can_vote, refusal=N_("Please confirm your e-mail address first."))
def mail():
    wanted = request.form.get("wanted") == "yes"
    notices.set_mail(current_user, wanted)
    if wanted:
        flash_later(N_("We will mail you when voting opens and when results are out."), "success")
    else:
        flash_later(N_("You will get no more budget mail."), "success")
    return redirect(url_for("budgeting.index"))


@bp.get("/cycles/<int:cycle_id>")
def cycle(cycle_id: int):
    found = load_or_404(Cycle, cycle_id)
    if found.phase == Phase.DRAFT:
        abort(404)
    related = links.related(found.ref, current_user)
    return render_template("budgeting/cycle.html", cycle=found, related=related)


def _public_ballot(ballot_id: int) -> Ballot:
    ballot = load_or_404(Ballot, ballot_id)
    if ballot.cycle is not None and ballot.cycle.phase == Phase.DRAFT:
        abort(404)
    return ballot


def _results_public(ballot: Ballot) -> bool:
    return ballot.closed or (ballot.cycle is not None and ballot.cycle.phase == Phase.RESULTS)


def _ballot_page(
    ballot: Ballot,
    entered=None,
    error: str | None = None,
    status: int = 200,
    said: answers.Entered | None = None,
    answer_errors: dict[int, str] | None = None,
):
    vote = services.my_vote(current_user, ballot)
    chosen = entered if entered is not None else (vote.choices if vote else None)
    if said is None:
        said = answers.as_entered(vote.answers) if vote else {}
    total = None
    if ballot.kind == BallotKind.KNAPSACK and isinstance(chosen, list):
        total = sum(o.cost or 0 for o in ballot.options if o.code in chosen)
    page = render_template(
        "budgeting/ballot.html",
        ballot=ballot,
        vote=vote,
        chosen=chosen or ([] if ballot.kind != BallotKind.POINTS else {}),
        total=total,
        error=error,
        open=services.voting_open(ballot),
        cannot_vote=services.why_cannot_vote(current_user, ballot),
        results_public=_results_public(ballot),
        answers=said,
        answer_errors=answer_errors or {},
        limits_hint=survey.limits_hint,
    )
    return page, status


@bp.get("/ballots/<int:ballot_id>")
def ballot(ballot_id: int):
    return _ballot_page(_public_ballot(ballot_id))


def _whole_number(text: str) -> int:
    text = (text or "").strip()
    if not text:
        return 0
    if not text.isdigit() or len(text) > 6:
        raise Refused(_("Please give each priority a whole number of GEL, 0 or more."), 422)
    return int(text)


def submitted_choices(ballot: Ballot, form) -> list[str] | dict[str, int]:
    """The form's fields as the service reads them (a list of codes, or points per code)."""
    codes = [option.code for option in ballot.options]
    if ballot.kind == BallotKind.POINTS:
        return {code: _whole_number(form.get(f"points-{code}", "")) for code in codes}
    if ballot.kind == BallotKind.RANKING:
        ranks = {code: _whole_number(form.get(f"rank-{code}", "")) for code in codes}
        ranked = sorted((rank, code) for code, rank in ranks.items() if rank)
        if len({rank for rank, _ in ranked}) != len(ranked):
            raise Refused(_("Please give each option a different place."), 422)
        return [code for _, code in ranked]
    return form.getlist("option")


@bp.post("/ballots/<int:ballot_id>/vote")
@requires(can_vote, refusal=N_("Please confirm your e-mail address first."))
def vote(ballot_id: int):
    ballot = _public_ballot(ballot_id)
    choices, said = None, answers.read(ballot, request.form)
    try:
        choices = submitted_choices(ballot, request.form)
        if "check" in request.form:  # the knapsack's running total without JavaScript
            return _ballot_page(ballot, entered=choices, said=said)
        services.cast_vote(current_user, ballot, choices, said)
    except Refused as refusal:
        return _ballot_page(
            ballot, choices, refusal.message, refusal.status, said, getattr(refusal, "errors", None)
        )
    flash_later(
        N_("Your ballot is saved. You can change it until %(date)s."),
        "success",
        date=when(ballot.cycle.results_at),
    )
    return redirect(url_for("budgeting.ballot", ballot_id=ballot.id))


@bp.get("/ballots/<int:ballot_id>/results")
def ballot_results(ballot_id: int):
    ballot = _public_ballot(ballot_id)
    if not _results_public(ballot):
        abort(404)
    return render_template(
        "budgeting/results.html", results=results(ballot), survey=survey.counts(ballot)
    )


@bp.get("/ballots/<int:ballot_id>/ballots.pb")
def download(ballot_id: int):
    ballot = _public_ballot(ballot_id)
    if not _results_public(ballot):
        abort(404)
    text = pabulib.write(elections.export_pb(ballot))
    return Response(
        text,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="ballot-{ballot.id}.pb"'},
    )
