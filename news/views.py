from flask import Blueprint, render_template

bp = Blueprint("news", __name__, url_prefix="/news")


@bp.get("/")
def index():
    return render_template("news/index.html")


@bp.get("/feed.atom")
def feed():
    return ""
