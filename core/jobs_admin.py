"""Admin page for failed background jobs: what failed, and a button to run it again."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from core import audit, tasks
from core.i18n import N_, flash_later
from core.permissions import can_manage_jobs, requires

bp = Blueprint("jobs_admin", __name__)


@bp.get("/admin/jobs")
@requires(can_manage_jobs)
def failed():
    return render_template("core/jobs.html", jobs=tasks.failed_jobs())


@bp.post("/admin/jobs/<int:job_id>/retry")
@requires(can_manage_jobs)
def retry(job_id: int):
    if not tasks.retry(job_id):
        abort(404)
    audit.record(current_user, "job.retry", f"job:{job_id}")
    flash_later(N_("The job will run again shortly."), "success")
    return redirect(url_for("jobs_admin.failed"))
