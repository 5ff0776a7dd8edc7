"""News pages: list, detail, Atom feed, attachments, and the editor's pages."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user

from core import links, uploads
from core.db import db
from core.errors import Refused
from core.forms import form_page, prefilled
from core.i18n import local_midnight
from core.models import Role
from core.permissions import require_role
from news import feed, queries, services
from news.forms import PostForm, SearchForm
from news.models import Attachment, Post
from news.permissions import can_edit_news

bp = Blueprint("news", __name__, url_prefix="/news")


@bp.get("/")
def index():
    form = SearchForm(request.args)
    filters = {
        "kind": form.kind.data or None,
        "tag": request.args.get("tag") or None,
        "query": (form.q.data or "").strip() or None,
    }
    page = queries.page_of_published(request.args.get("page", 1, type=int), **filters)
    return render_template(
        "news/index.html",
        form=form,
        page=page,
        filters=filters,
        can_edit=can_edit_news(current_user),
    )


@bp.get("/<int:post_id>")
def detail(post_id):
    post = queries.visible_post(post_id, current_user)
    return render_template(
        "news/detail.html",
        post=post,
        related=links.related(post.ref),
        can_edit=can_edit_news(current_user),
    )


@bp.get("/feed.atom", endpoint="feed")
def feed_atom():
    statement = queries.published(kind=request.args.get("kind"), tag=request.args.get("tag"))
    posts = list(db.session.scalars(statement.limit(30)))
    return Response(feed.atom(posts), mimetype="application/atom+xml")


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
def attachment(attachment_id, filename):
    item = db.get_or_404(Attachment, attachment_id)
    queries.visible_post(item.post_id, current_user)
    path = uploads.path_of(services.UPLOAD_AREA, item.stored_name)
    if not path.exists():
        abort(404)
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=item.filename
    )


@bp.get("/drafts")
@require_role(Role.EDITOR)
def drafts():
    return render_template("news/drafts.html", posts=queries.drafts())


def _save(form: PostForm, post: Post | None):
    """Save the form, attach its PDF, publish if asked; refusals go back to the form."""
    data = services.PostInput(
        title_ka=form.title_ka.data,
        body_ka=form.body_ka.data,
        kind=form.kind.data,
        title_en=form.title_en.data or "",
        body_en=form.body_en.data or "",
        tags=form.tags.data or "",
        published_at=local_midnight(form.published_at.data),
    )
    post = services.save_post(post, data, current_user)
    upload = form.attachment.data
    if upload and upload.filename:
        services.attach_pdf(post, upload.filename, upload.read(), current_user)
    if form.publish.data:
        services.publish(post, current_user)
    flash(
        _("The post is published.") if post.status == "published" else _("Draft saved."), "success"
    )
    return redirect(url_for(".detail", post_id=post.id))


def _edit_page(form: PostForm, post: Post | None):
    if form.validate_on_submit():
        try:
            return _save(form, post)
        except Refused as error:
            db.session.rollback()
            getattr(form, error.field or "title_ka").errors.append(error.message)
            return render_template("news/form.html", form=form, post=post), error.status
    return form_page("news/form.html", form, post=post)


@bp.route("/new", methods=["GET", "POST"])
@require_role(Role.EDITOR)
def new():
    return _edit_page(PostForm(), None)


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@require_role(Role.EDITOR)
def edit(post_id):
    post = db.get_or_404(Post, post_id)
    published = post.published_at and to_user_timezone(post.published_at).date()
    form = prefilled(PostForm, post, tags=", ".join(post.tags), published_at=published)
    return _edit_page(form, post)


def _change_status(post_id: int, change, message: str):
    change(db.get_or_404(Post, post_id), current_user)
    flash(message, "success")
    return redirect(url_for(".detail", post_id=post_id))


@bp.post("/<int:post_id>/publish")
@require_role(Role.EDITOR)
def publish(post_id):
    return _change_status(post_id, services.publish, _("The post is published."))


@bp.post("/<int:post_id>/unpublish")
@require_role(Role.EDITOR)
def unpublish(post_id):
    return _change_status(post_id, services.unpublish, _("The post is a draft again."))


@bp.post("/attachments/<int:attachment_id>/delete")
@require_role(Role.EDITOR)
def delete_attachment(attachment_id):
    post = services.remove_attachment(db.get_or_404(Attachment, attachment_id), current_user)
    flash(_("The attachment is removed."), "success")
    return redirect(url_for(".edit", post_id=post.id))
