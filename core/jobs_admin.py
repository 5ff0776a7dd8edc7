"""Admin page for failed background jobs: what failed, and a button to run it again."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import audit, tasks
from core.models import Role
from core.permissions import require_role

bp = Blueprint("jobs_admin", __name__)


@bp.get("/admin/jobs")
@require_role(Role.ADMIN)
def failed():
    return render_template("core/jobs.html", jobs=tasks.failed_jobs())


@bp.post("/admin/jobs/<int:job_id>/retry")
@require_role(Role.ADMIN)
def retry(job_id: int):
    if not tasks.retry(job_id):
        abort(404)
    audit.record(current_user, "job.retry", f"job:{job_id}")
    flash(_("The job will run again shortly."), "success")
    return redirect(url_for("jobs_admin.failed"))
