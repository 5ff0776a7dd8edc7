"""Core pages: home, health check, district GeoJSON, linking objects."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core import audit, links, openapi
from core.db import db
from core.districts import districts_geojson
from core.errors import Refused
from core.inputs import page_number
from core.models import Role
from core.permissions import require_role
from core.registry import home_panels

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    panels = [(panel.template, panel.context()) for panel in home_panels()]
    return render_template("core/home.html", panels=panels)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="database unreachable"), 503
    return jsonify(status="ok")


@bp.get("/api/v1/districts.geojson")
def districts():
    response = jsonify(districts_geojson())
    response.mimetype = "application/geo+json"
    return response


@bp.get("/api/v1/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


def _back(ref: str):
    """Back to the page of the object being linked (never to an address from the form)."""
    target = links.resolve(ref)
    return redirect(target.url if target else url_for("core.home"))


@bp.get("/admin/audit")
@require_role(Role.ADMIN)
def audit_log():
    action, ref = request.args.get("action") or None, request.args.get("ref") or None
    page = db.paginate(audit.entries(action, ref), page=page_number(), per_page=50, error_out=False)
    return render_template("core/audit.html", page=page, action=action, ref=ref)


@bp.post("/links")
@require_role(Role.EDITOR)
def add_link():
    source, other = request.form.get("source", ""), request.form.get("ref", "")
    try:
        links.link(source, other, current_user)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(source)
    flash(_("Linked."), "success")
    return _back(source)


@bp.post("/links/remove")
@require_role(Role.EDITOR)
def remove_link():
    source, other = request.form.get("source", ""), request.form.get("ref", "")
    links.parse_ref(source)
    links.unlink(source, other, current_user)
    flash(_("Link removed."), "success")
    return _back(source)
