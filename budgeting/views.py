from flask import Blueprint, render_template

bp = Blueprint("budgeting", __name__, url_prefix="/budget")


@bp.get("/")
def index():
    return render_template("budgeting/index.html")
