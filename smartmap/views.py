from flask import Blueprint, current_app, render_template

from core.districts import all_districts

bp = Blueprint("smartmap", __name__, url_prefix="/map")


@bp.get("/")
def index():
    config = current_app.config
    return render_template(
        "smartmap/index.html",
        districts=all_districts(),
        tile_url=config["TILE_URL"],
        tile_attribution=config["TILE_ATTRIBUTION"],
    )
