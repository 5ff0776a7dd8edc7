"""A district's public page (`/districts/<slug>`): its name, its border on a map and the panels
modules add for it (`registry.add_district_panel`): news now; petitions, budget, reports later."""

from flask import Blueprint, abort, current_app, render_template

from core import districts
from core.registry import current_registry

bp = Blueprint("districts", __name__, url_prefix="/districts")


@bp.get("/<slug>")
def page(slug: str):
    district = districts.by_slug(slug)
    if district is None:
        abort(404)
    panels = [
        (panel.template, panel.context(district)) for panel in current_registry().district_panels()
    ]
    return render_template(
        "core/district.html",
        district=district,
        outline=districts.outline(district),
        feature=districts.district_geojson(district),
        panels=panels,
        tile_url=current_app.config["TILE_URL"],
        tile_attribution=current_app.config["TILE_ATTRIBUTION"],
    )
