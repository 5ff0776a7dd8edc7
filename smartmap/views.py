from flask import Blueprint, current_app, render_template

from core.districts import district_places

bp = Blueprint("smartmap", __name__, url_prefix="/map")


@bp.get("/")
def index():
    config = current_app.config
    return render_template(
        "smartmap/index.html",
        districts=district_places(),
        tile_url=config["TILE_URL"],
        tile_attribution=config["TILE_ATTRIBUTION"],
    )
