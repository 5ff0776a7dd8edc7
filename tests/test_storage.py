"""Uploads: files follow the unit of work, are served through the store, never by a raw path."""

import io
import os
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Response
from werkzeug.exceptions import NotFound

from core import audit
from core.app import create_app
from core.db import db
from core.errors import Refused
from core.models import Role
from core.storage import (
    BadKey,
    LocalStorage,
    UnitOfWorkStorage,
    check_key,
    download_headers,
    new_key,
    storage,
)
from news import services
from news.models import Attachment, Post
from tests.conftest import submit
from tests.factories import log_in, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BAD_KEYS = [
    "../secret.pdf",
    "news/../../secret.pdf",
    "/etc/passwd",
    "news/sub/aaaaaaaaaaaaaaaaaaaaaaaa.pdf",
    "news/..aaaaaaaaaaaaaaaaaaaaaa",
    "news\\..\\..\\aaaaaaaaaaaaaaaaaaaaaa",
    "news/aaaaaaaaaaaaaaaaaaaaaaaa.pdf\x00.txt",
    "",
]


def stored_files(app) -> set[Path]:
    return {path for path in Path(app.config["UPLOAD_DIR"]).rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def unit_app(app):
    """An app whose routes store a file, then succeed or fail."""
    unit = create_app({key: app.config[key] for key in app.config if key.isupper()})

    @unit.post("/_files/<outcome>")
    def save_then(outcome):
        storage().save("unit", b"a file", ".txt")
        if outcome == "raises":
            raise RuntimeError("a bug after the file was written")
        if outcome == "refused":
            raise Refused("no")
        return ("invalid", 422) if outcome == "answers-4xx" else "done"

    unit.config["WTF_CSRF_ENABLED"] = False  # these routes exist only here, without forms
    return unit


@pytest.mark.parametrize(
    ("outcome", "status"), [("raises", 500), ("refused", 400), ("answers-4xx", 422)]
)
def test_a_request_that_fails_after_storing_a_file_leaves_no_file(unit_app, outcome, status):
    before = stored_files(unit_app)
    unit_app.testing = False  # a bug answers 500 as in production instead of raising
    try:
        assert unit_app.test_client().post(f"/_files/{outcome}").status_code == status
    finally:
        unit_app.testing = True
    assert stored_files(unit_app) == before


def test_a_request_that_succeeds_keeps_its_file(unit_app):
    before = stored_files(unit_app)
    assert unit_app.test_client().post("/_files/ok").status_code == 200
    [new] = stored_files(unit_app) - before
    assert new.read_bytes() == b"a file"


def post_form(**changes) -> dict:
    form = {
        "title_ka": "სხდომის ოქმი",
        "body_ka": "ოქმი თან ერთვის.",
        "kind": "minutes",
        "publish": "1",
        "attachment": (io.BytesIO(PDF), "ოქმი.pdf"),
    }
    return form | changes


def test_an_editor_whose_post_is_refused_after_the_pdf_was_stored_leaves_no_file(
    app, client, monkeypatch
):
    def refuse(post, actor):
        raise Refused("The post cannot be published now.")

    monkeypatch.setattr(services, "publish", refuse)
    log_in(client, make_user(Role.EDITOR))
    before = stored_files(app)
    response = submit(client, "/news/new", post_form(), content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.scalars(db.select(Post).filter_by(title_ka="სხდომის ოქმი")).all() == []
    # No attachment file is left; the chosen PDF is only kept for the form's next try.
    left = stored_files(app) - before
    assert [path.parent.name for path in left] == [services.KEPT_AREA]
    assert 'name="kept_attachment"' in response.get_data(as_text=True)


def attached(app) -> Attachment:
    with app.test_request_context():
        post = services.save_post(None, services.PostInput("ოქმი", "ტექსტი"), None)
        services.publish(post, None)
        attachment = services.attach_pdf(post, "ოქმი.pdf", PDF, None)
        db.session.commit()
    return attachment


def file_of(app, attachment: Attachment) -> Path:
    return Path(app.config["UPLOAD_DIR"], attachment.storage_key)


def test_a_deletion_that_fails_keeps_the_file_and_the_row(app, client, monkeypatch):
    attachment = attached(app)
    log_in(client, make_user(Role.EDITOR))
    edit_page = f"/news/{attachment.post_id}/edit"

    def refuse(*args, **kwargs):
        raise Refused("The audit log is unavailable.")

    monkeypatch.setattr(audit, "record", refuse)
    response = submit(client, f"/news/attachments/{attachment.id}/delete", {}, form_url=edit_page)
    assert response.status_code == 400
    assert file_of(app, attachment).read_bytes() == PDF
    assert db.session.get(Attachment, attachment.id) is not None


def test_a_deletion_that_succeeds_removes_the_file(app, client):
    attachment = attached(app)
    log_in(client, make_user(Role.EDITOR))
    edit_page = f"/news/{attachment.post_id}/edit"
    response = submit(client, f"/news/attachments/{attachment.id}/delete", {}, form_url=edit_page)
    assert response.status_code == 302
    assert not file_of(app, attachment).exists()
    assert client.get(f"/news/attachments/{attachment.id}/x.pdf").status_code == 404


def test_the_file_goes_only_when_the_deletion_commits(app, ctx):
    attachment = services.attach_pdf(
        services.save_post(None, services.PostInput("ოქმი", "ტექსტი"), None), "a.pdf", PDF, None
    )
    db.session.commit()
    services.remove_attachment(attachment, None)
    assert file_of(app, attachment).exists()
    db.session.commit()
    assert not file_of(app, attachment).exists()


def test_a_download_is_an_attachment_with_its_georgian_name_and_safe_headers(app, client):
    attachment = attached(app)
    response = client.get(f"/news/attachments/{attachment.id}/x.pdf")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('ოქმი.pdf')}" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


class MemoryStorage:
    """A backend without a directory: if the download works, it went through the store."""

    def __init__(self):
        self.files: dict[str, bytes] = {}

    def save(self, area: str, content: bytes, suffix: str = "") -> str:
        key = new_key(area, suffix)
        self.files[key] = content
        return key

    def read(self, key: str) -> bytes:
        return self.files[check_key(key)]

    def exists(self, key: str) -> bool:
        return check_key(key) in self.files

    def delete(self, key: str) -> None:
        self.files.pop(check_key(key), None)

    def serve(self, key: str, download_name: str, mimetype: str) -> Response:
        if not self.exists(key):
            raise NotFound()
        return download_headers(Response(self.files[key], mimetype=mimetype), download_name)


def test_downloads_are_served_by_the_configured_backend(app, client, monkeypatch):
    memory = MemoryStorage()
    monkeypatch.setitem(app.extensions, "ghia.storage", UnitOfWorkStorage(memory))
    before = stored_files(app)
    attachment = attached(app)
    assert stored_files(app) == before
    assert list(memory.files.values()) == [PDF]
    assert client.get(f"/news/attachments/{attachment.id}/x.pdf").data == PDF


@pytest.mark.parametrize("key", BAD_KEYS)
def test_keys_that_leave_the_store_are_refused(app, key):
    (Path(app.config["UPLOAD_DIR"]).parent / "secret.pdf").write_bytes(b"secret")
    local = LocalStorage(app.config["UPLOAD_DIR"])
    for use in (local.read, local.exists, local.delete):
        with pytest.raises(BadKey):
            use(key)
    with app.test_request_context(), pytest.raises(NotFound):
        storage().serve(key, "secret.pdf", "application/pdf")


def test_a_row_pointing_outside_the_store_is_not_found(app, client):
    (Path(app.config["UPLOAD_DIR"]).parent / "secret.pdf").write_bytes(b"secret")
    attachment = attached(app)
    with app.app_context():
        db.session.get(Attachment, attachment.id).storage_key = "news/../../secret.pdf"
        db.session.commit()
    assert client.get(f"/news/attachments/{attachment.id}/x.pdf").status_code == 404


def test_an_unknown_upload_backend_stops_the_start(app):
    config = {key: app.config[key] for key in app.config if key.isupper()}
    with pytest.raises(RuntimeError, match="UPLOAD_BACKEND"):
        create_app(config | {"UPLOAD_BACKEND": "floppy"})


def test_prune_drops_only_old_files_of_one_area(app):
    with app.test_request_context():
        old = storage().save("news-kept", b"%PDF-old", ".pdf", keep_on_rollback=True)
        fresh = storage().save("news-kept", b"%PDF-new", ".pdf", keep_on_rollback=True)
        other = storage().save("news", b"%PDF-other", ".pdf", keep_on_rollback=True)
        two_days_ago = time.time() - 2 * 86400
        for key in (old, other):
            os.utime(Path(app.config["UPLOAD_DIR"]) / key, (two_days_ago, two_days_ago))
        assert storage().prune("news-kept", timedelta(days=1)) == 1
        assert (storage().exists(old), storage().exists(fresh), storage().exists(other)) == (
            False,
            True,
            True,
        )
