from flask import Blueprint, render_template

bp = Blueprint("petitions", __name__, url_prefix="/petitions")


@bp.get("/")
def index():
    return render_template("petitions/index.html")
