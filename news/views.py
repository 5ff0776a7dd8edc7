"""News pages: list, detail, Atom feed, attachments, and the editor's pages."""

from flask import (
    Blueprint,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core import links
from core.errors import Refused
from core.forms import form_page, prefilled
from core.i18n import N_, flash_later
from core.inputs import page_number
from core.permissions import requires
from core.storage import storage
from news import queries, services
from news.forms import PostForm, SearchForm
from news.models import Attachment, Post
from news.permissions import (
    can_delete_attachment,
    can_download_attachment,
    can_edit_post,
    can_publish_post,
    can_read_drafts,
    can_see_post,
    can_write_posts,
)

bp = Blueprint("news", __name__, url_prefix="/news")


@bp.get("/")
def index():
    form = SearchForm(request.args)
    filters = {
        "kind": form.kind.data or None,
        "tag": request.args.get("tag") or None,
        "query": (form.q.data or "").strip() or None,
    }
    page = queries.page_of_published(page_number(), **filters)
    return render_template("news/index.html", form=form, page=page, filters=filters)


@bp.get("/<int:post_id>")
@requires(can_see_post, Post, "post_id", hide=True)
def detail(post):
    related = links.related(post.ref, current_user)
    return render_template("news/detail.html", post=post, related=related)


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
@requires(can_download_attachment, Attachment, "attachment_id", hide=True)
def attachment(attachment, filename):
    return storage().serve(attachment.storage_key, attachment.filename, "application/pdf")


@bp.get("/drafts")
@requires(can_read_drafts)
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
        published_at=form.published_at.moment,
    )
    upload = form.attachment.data
    pdf = services.PdfChoice(
        filename=upload.filename if upload else "",
        content=upload.read() if upload and upload.filename else b"",
        kept_token=form.kept_attachment.data or "",
    )
    post = services.save_as(post, data, current_user, bool(form.publish.data), pdf)
    flash_later(
        N_("The post is published.") if post.status == "published" else N_("Draft saved."),
        "success",
    )
    return redirect(url_for(".detail", post_id=post.id))


def _keep_chosen_pdf(form: PostForm) -> None:
    """A form that failed keeps the PDF chosen on it, and says so under the file field."""
    upload = form.attachment.data
    if upload and upload.filename:
        upload.stream.seek(0)
        form.kept_attachment.data = services.keep_pdf(upload.filename, upload.read()) or ""
    name = services.kept_pdf_name(form.kept_attachment.data)
    if name:
        form.attachment.description = _(
            "%(name)s is kept from your last try and is attached when you save;"
            " choose another file to replace it.",
            name=name,
        )


def _edit_page(form: PostForm, post: Post | None):
    status = 200
    if form.validate_on_submit():
        try:
            return _save(form, post)
        except Refused as error:  # the unit of work rolls back whatever was flushed
            getattr(form, error.field or "title_ka").errors.append(error.message)
            status = error.status
    _keep_chosen_pdf(form)
    if status != 200:
        return render_template("news/form.html", form=form, post=post), status
    return form_page("news/form.html", form, post=post)


@bp.route("/new", methods=["GET", "POST"])
@requires(can_write_posts)
def new():
    return _edit_page(PostForm(), None)


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@requires(can_edit_post, Post, "post_id")
def edit(post):
    # LocalDateField shows the UTC moment as the city's day; `prefilled` lets these win over obj.
    form = prefilled(PostForm, post, tags=", ".join(post.tags), published_at=post.published_at)
    return _edit_page(form, post)


def _change_status(post: Post, change, message: str):
    change(post, current_user)
    flash_later(message, "success")
    return redirect(url_for(".detail", post_id=post.id))


@bp.post("/<int:post_id>/publish")
@requires(can_publish_post, Post, "post_id")
def publish(post):
    return _change_status(post, services.publish, N_("The post is published."))


@bp.post("/<int:post_id>/unpublish")
@requires(can_publish_post, Post, "post_id")
def unpublish(post):
    return _change_status(post, services.unpublish, N_("The post is a draft again."))


@bp.post("/attachments/<int:attachment_id>/delete")
@requires(can_delete_attachment, Attachment, "attachment_id")
def delete_attachment(attachment):
    post = services.remove_attachment(attachment, current_user)
    flash_later(N_("The attachment is removed."), "success")
    return redirect(url_for(".edit", post_id=post.id))
