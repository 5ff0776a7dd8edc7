"""Petition pages: list, detail (with its live count), create/edit, sponsor link, signing,
moderation queue and the official response."""

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import links
from core.db import db
from core.districts import all_districts
from core.errors import Refused
from core.extensions import limiter
from core.forms import form_page, prefilled
from core.i18n import N_, day, flash_later, number
from core.inputs import page_number
from core.permissions import authorize, require_confirmed, requires
from core.security import account_key, site_url
from petitions import invalidation, queries, services, settings
from petitions.forms import (
    InvalidateForm,
    PetitionForm,
    RejectForm,
    ResponseForm,
    SearchForm,
    SignForm,
)
from petitions.models import PUBLIC_STATUSES, STATUS_LABELS, TOPIC_LABELS, Petition, Status
from petitions.permissions import (
    can_edit_petition,
    can_invalidate_signatures,
    can_moderate_petitions,
    can_respond_to_petition,
    can_see_petition,
    can_sponsor_petition,
    can_start_petition,
    can_withdraw_petition,
)

bp = Blueprint("petitions", __name__, url_prefix="/petitions")

SIGN_ACCOUNT_LIMIT = "30 per minute;300 per day"
SIGN_ADDRESS_LIMIT = "600 per minute"


def _filters() -> dict:
    args = request.args
    status = args.get("status") if args.get("status") in PUBLIC_STATUSES else None
    topic = args.get("topic") if args.get("topic") in {t.value for t in TOPIC_LABELS} else None
    district = args.get("district", type=int)
    sort = args.get("sort") if args.get("sort") in queries.SORTS else "signatures"
    query = (SearchForm(args).q.data or "").strip()[:200] or None
    return {"status": status, "topic": topic, "district_id": district, "sort": sort, "query": query}


@bp.get("/")
def index():
    filters = _filters()
    page = queries.page_of_public(page_number(), **filters)
    return render_template(
        "petitions/index.html",
        page=page,
        filters=filters,
        form=SearchForm(request.args),
        statuses=[(s, STATUS_LABELS[s]) for s in Status if s in PUBLIC_STATUSES],
        topics=TOPIC_LABELS.items(),
        districts=all_districts(),
        threshold=settings.first_threshold(),
    )


def _timeline_rows(timeline: queries.Timeline) -> list:
    """The chart_table rows of the signatures over time."""
    return [(day(start), [(total, number(total))]) for start, total in timeline.points]


def _district_rows(shares: list[queries.DistrictShare]) -> list:
    return [
        (
            share.name or _("No district given"),
            number(share.signatures),
            format_percent(share.share, "#,##0.0%"),
        )
        for share in shares
    ]


def _map_values(shares: list[queries.DistrictShare]) -> dict:
    """What the district map colours each district by, and the text of its tooltip."""
    return {
        share.slug: {
            "value": share.signatures,
            "text": ngettext(
                "%(num)s signature (%(share)s)",
                "%(num)s signatures (%(share)s)",
                share.signatures,
                share=format_percent(share.share, "#,##0.0%"),
            ),
        }
        for share in shares
        if share.slug
    }


def _charts(petition: Petition) -> dict:
    timeline = queries.signatures_over_time(petition)
    shares = queries.district_shares(petition)
    return {
        "timeline": timeline,
        "timeline_rows": _timeline_rows(timeline),
        "district_rows": _district_rows(shares),
        "map_values": _map_values(shares),
        "removals": queries.invalidations(petition),
        "tile_url": current_app.config["TILE_URL"],
        "tile_attribution": current_app.config["TILE_ATTRIBUTION"],
    }


@bp.get("/<int:petition_id>")
@requires(can_see_petition, Petition, "petition_id", hide=True)
def detail(petition):
    own_signature = queries.own_signature(current_user, petition)
    return render_template(
        "petitions/detail.html",
        **_charts(petition),
        petition=petition,
        notices=_thanks(own_signature),
        threshold=settings.first_threshold(),
        own_signature=own_signature,
        public_signers=queries.public_signers(petition),
        form=SignForm(),
        related=links.related(petition.ref, current_user),
        sponsor_url=site_url("petitions.sponsor", key=petition.sponsor_key),
        sponsors=services.sponsor_count(petition),
        sponsors_needed=settings.sponsors_needed(),
        reason=settings.reason_label(petition.rejection_reason),
    )


def _thanks(own_signature) -> list[tuple[str, str]]:
    """The thank-you after signing (`?signed=1`), shown only to someone whose signature
    counts: whoever opens the address without having signed is not thanked."""
    if request.args.get("signed") == "1" and own_signature and own_signature.counts:
        return [("success", _("Thank you: you have signed this petition."))]
    return []


@bp.get("/<int:petition_id>/count.json")
@requires(can_see_petition, Petition, "petition_id", hide=True)
def count(petition):
    """The shown count for the detail page's live refresh."""
    threshold = settings.first_threshold()
    return jsonify(
        count=petition.shown_count,
        threshold=threshold,
        percent=min(100, petition.shown_count * 100 // threshold),
        status=petition.status,
    )


@bp.get("/similar.json")
def similar():
    """Public petitions whose title resembles `?title=`, for suggestions while typing."""
    title = (request.args.get("title") or "")[:200]
    found = queries.similar_titles(title)
    return jsonify(
        similar=[
            {
                "title": p.title,
                "url": url_for(".detail", petition_id=p.id),
                "status": p.status_label,
            }
            for p in found
        ]
    )


@bp.post("/<int:petition_id>/sign")
@limiter.limit(SIGN_ADDRESS_LIMIT)
@limiter.limit(SIGN_ACCOUNT_LIMIT, key_func=account_key)
@require_confirmed
def sign(petition_id):
    # CSRFProtect has checked this post's token before the view: checking it again here would
    # cost the busiest request of the site a second signature check for nothing.
    form = SignForm(meta={"csrf": False})
    if not form.validate_on_submit():
        abort(400)
    choices = (bool(form.show_name.data), bool(form.notify.data))
    if services.sign_if_open(current_user, petition_id, *choices) is None:
        # A petition not open or not there: the checks that say which.
        petition = db.get_or_404(Petition, petition_id)
        authorize(can_see_petition, petition, hide=True)
        services.sign(current_user, petition, *choices)
    # The same answer for a first and a repeated signature: nothing tells them apart. The
    # thank-you rides in the address, not in a flash: no session cookie to write back.
    return redirect(url_for(".detail", petition_id=petition_id, signed=1))


def _data(form: PetitionForm) -> services.PetitionInput:
    return services.PetitionInput(
        title=form.title.data or "",
        summary=form.summary.data or "",
        details=form.details.data or "",
        topic=form.topic.data,
        language=form.language.data,
    )


def _edit_page(form: PetitionForm, petition: Petition | None, origin=None):
    """Save; or, with "look for similar", show similar petitions first (the no-script step).
    A new petition started from another object (`origin`) is linked with it."""
    similar = None
    if form.is_submitted() and form.check.data:
        similar = queries.similar_titles(form.title.data, petition and petition.id)
    elif form.validate_on_submit():
        try:
            if petition is None:
                petition = services.create_petition(
                    current_user, _data(form), origin_ref=origin and origin.ref
                )
            else:
                services.update_petition(current_user, petition, _data(form))
        except Refused as error:
            if error.status != 422:
                raise
            getattr(form, error.field or "title").errors.append(error.message)
        else:
            flash_later(N_("Draft saved."), "success")
            return redirect(url_for(".detail", petition_id=petition.id))
    return form_page("petitions/form.html", form, petition=petition, similar=similar, origin=origin)


@bp.route("/new", methods=["GET", "POST"])
@requires(can_start_petition, refusal=_l("Please confirm your e-mail address first."))
def new():
    origin = links.origin(request.values.get("origin"), current_user, "petition")
    return _edit_page(PetitionForm(), None, origin)


@bp.route("/<int:petition_id>/edit", methods=["GET", "POST"])
@requires(can_edit_petition, Petition, "petition_id")
def edit(petition):
    if petition.status != Status.DRAFT:
        raise Refused(_("Only a draft can be changed."), status=409)
    return _edit_page(prefilled(PetitionForm, petition), petition)


@bp.post("/<int:petition_id>/submit")
@requires(can_edit_petition, Petition, "petition_id")
def submit(petition):
    services.ask_for_sponsors(current_user, petition)
    flash_later(N_("Now share the supporters' link."), "success")
    return redirect(url_for(".detail", petition_id=petition.id))


@bp.post("/<int:petition_id>/withdraw")
@requires(can_withdraw_petition, Petition, "petition_id")
def withdraw(petition):
    services.withdraw(current_user, petition)
    flash_later(N_("The petition is withdrawn."), "success")
    return redirect(url_for(".detail", petition_id=petition.id))


def _by_key(key: str) -> Petition:
    petition = queries.find_by_sponsor_key(key[:32])
    if petition is None:
        abort(404)
    return petition


@bp.get("/support/<key>")
def sponsor(key):
    petition = _by_key(key)
    return render_template(
        "petitions/sponsor.html",
        petition=petition,
        sponsors=services.sponsor_count(petition),
        sponsors_needed=settings.sponsors_needed(),
    )


@bp.post("/support/<key>")
@limiter.limit("30 per hour", key_func=account_key)
def sponsor_post(key):
    petition = _by_key(key)
    authorize(can_sponsor_petition, petition)
    services.add_sponsor(current_user, petition)
    flash_later(N_("Thank you for supporting this petition."), "success")
    return redirect(url_for(".sponsor", key=key))


@bp.get("/moderation")
@requires(can_moderate_petitions)
def moderation():
    return render_template("petitions/moderation.html", petitions=queries.moderation_queue())


@bp.post("/<int:petition_id>/approve")
@requires(can_moderate_petitions)
def approve(petition_id):
    petition = db.get_or_404(Petition, petition_id)
    services.approve(current_user, petition)
    flash_later(N_("The petition is open for signatures."), "success")
    return redirect(url_for(".moderation"))


def _reject_form() -> RejectForm:
    form = RejectForm()
    form.reason.choices = [(r, settings.reason_label(r)) for r in settings.rejection_reasons()]
    return form


@bp.route("/<int:petition_id>/reject", methods=["GET", "POST"])
@requires(can_moderate_petitions)
def reject(petition_id):
    petition = db.get_or_404(Petition, petition_id)
    form = _reject_form()
    if form.validate_on_submit():
        services.reject(current_user, petition, form.reason.data, form.explanation.data)
        flash_later(N_("The petition is rejected; the reason is public."), "success")
        return redirect(url_for(".moderation"))
    return form_page("petitions/reject.html", form, petition=petition)


@bp.route("/<int:petition_id>/respond", methods=["GET", "POST"])
@requires(can_respond_to_petition, Petition, "petition_id")
def respond(petition):
    form = ResponseForm()
    if form.validate_on_submit():
        services.respond(current_user, petition, form.response.data)
        flash_later(N_("The response is published."), "success")
        return redirect(url_for(".detail", petition_id=petition.id))
    return form_page("petitions/respond.html", form, petition=petition)


def _signature_filter(form: InvalidateForm) -> invalidation.SignatureFilter:
    return invalidation.SignatureFilter(
        domain=form.domain.data or "",
        since=form.since.moment,
        until=form.until.moment,
    )


def _remove(form: InvalidateForm, petition: Petition):
    removal = invalidation.invalidate_signatures(
        current_user, petition, _signature_filter(form), form.reason.data
    )
    flash_later(N_("Signatures removed: %(num)s."), "success", num=removal.removed)
    return redirect(url_for(".detail", petition_id=petition.id))


def _show_on_form(form, error: Refused) -> None:
    """A refusal of what was typed goes next to its field; any other is raised."""
    if error.status != 422:
        raise error
    getattr(form, error.field or "domain").errors.append(error.message)


@bp.route("/<int:petition_id>/signatures/remove", methods=["GET", "POST"])
@requires(can_invalidate_signatures, Petition, "petition_id")
def invalidate(petition):
    """Moderators: count the signatures a filter selects, then remove them with a reason."""
    form, matching = InvalidateForm(), None
    if form.validate_on_submit():
        try:
            if form.confirm.data:
                return _remove(form, petition)
            given = _signature_filter(form)
            matching = invalidation.preview_invalidation(current_user, petition, given)
        except Refused as error:
            _show_on_form(form, error)
    return form_page(
        "petitions/invalidate.html",
        form,
        petition=petition,
        matching=matching,
        removals=queries.invalidations(petition),
    )


@bp.get("/mine")
@requires(can_start_petition)
def mine():
    return render_template("petitions/mine.html", petitions=queries.mine(current_user))
