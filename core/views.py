"""Core pages: home, the audit log, linking objects."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core import audit, links
from core.db import db
from core.errors import Refused
from core.i18n import N_, flash_later
from core.inputs import page_number
from core.permissions import authorize, can_link, can_read_audit_log, can_unlink, requires
from core.registry import current_registry

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    panels = [(panel.template, panel.context()) for panel in current_registry().home_panels()]
    return render_template("core/home.html", panels=panels)


def _back(ref: str):
    """Back to the page of the object being linked (never to an address from the form)."""
    target = links.resolve(ref, current_user)
    return redirect(target.url if target else url_for("core.home"))


@bp.get("/admin/audit")
@requires(can_read_audit_log)
def audit_log():
    action, ref = request.args.get("action") or None, request.args.get("ref") or None
    page = db.paginate(audit.entries(action, ref), page=page_number(), per_page=50, error_out=False)
    return render_template("core/audit.html", page=page, action=action, ref=ref)


@bp.post("/links")
def add_link():
    source, other = request.form.get("source", ""), request.form.get("ref", "")
    authorize(can_link, source)
    if other.strip() and not links.looks_like_ref(other):
        # Words, not a reference: show the objects whose titles match, to pick one.
        return redirect(url_for("core.find_link", ref=source, q=other.strip()))
    try:
        links.link(source, other, current_user)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(source)
    flash_later(N_("Linked."), "success")
    return _back(source)


@bp.post("/links/remove")
def remove_link():
    source, other = request.form.get("source", ""), request.form.get("ref", "")
    authorize(can_unlink, source)
    links.parse_ref(source)
    links.unlink(source, other, current_user)
    flash_later(N_("Link removed."), "success")
    return _back(source)


def _well_formed_or_404(*refs: str) -> None:
    """A nonsense reference in the address is a missing page, whoever asks."""
    if not all(links.looks_like_ref(ref) for ref in refs):
        abort(404)


def _visible_or_404(ref: str):
    target = links.resolve(ref, current_user) if links.looks_like_ref(ref) else None
    if target is None:
        abort(404)
    return target


@bp.get("/links/<ref>/find")
def find_link(ref: str):
    """The objects whose titles match `?q=`, each with a "Link this" button (no JavaScript)."""
    _well_formed_or_404(ref)
    authorize(can_link, ref)
    source = _visible_or_404(ref)
    words = (request.args.get("q") or "").strip()[:200]
    found = links.search(words, current_user, exclude=ref) if words else []
    return render_template("core/link_find.html", source=source, words=words, found=found)


@bp.get("/links/<ref>/unlink/<other>")
def confirm_unlink(ref: str, other: str):
    """The second step of unlinking: what will be unlinked, with Unlink and Cancel."""
    _well_formed_or_404(ref, other)
    authorize(can_unlink, ref)
    source, target = _visible_or_404(ref), _visible_or_404(other)
    return render_template("core/unlink.html", source=source, target=target)
