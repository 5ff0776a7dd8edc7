"""Uploaded files behind one interface, in step with the unit of work.

A file saved during a request, command or job that then fails is removed; a file deleted
during one goes only after its commit, so a rolled-back delete keeps it. Files reach users
through `serve`, never through a path built in a view. `UPLOAD_BACKEND` picks the backend:
`local` (a directory, `UPLOAD_DIR`) today; an S3-compatible one would implement `Storage`
the same way and be added to `BACKENDS`.
"""

import logging
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from flask import Flask, Response, current_app, send_file
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.exceptions import NotFound

from core.db import db

AREA = re.compile(r"[a-z0-9_-]{1,32}")
SUFFIX = re.compile(r"(\.[a-z0-9]{1,10})?")
# `area/random-name.suffix`: no dots but the suffix's, no slashes but one, so no traversal.
KEY = re.compile(r"[a-z0-9_-]{1,32}/[A-Za-z0-9_-]{16,64}(\.[a-z0-9]{1,10})?")
SAVED, DELETED = "ghia.storage.saved", "ghia.storage.deleted"
log = logging.getLogger(__name__)


class BadKey(ValueError):
    """A key this store never hands out (e.g. `../../etc/passwd`)."""


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise BadKey(f"not a storage key: {key!r}")
    return key


def new_key(area: str, suffix: str) -> str:
    if not AREA.fullmatch(area) or not SUFFIX.fullmatch(suffix):
        raise BadKey(f"bad area or suffix: {area!r}, {suffix!r}")
    return f"{area}/{secrets.token_urlsafe(18)}{suffix}"


class Storage(Protocol):
    """What a backend does, at once; `UnitOfWorkStorage` ties it to the transaction."""

    def save(self, area: str, content: bytes, suffix: str = "") -> str: ...

    def read(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def serve(self, key: str, download_name: str, mimetype: str) -> Response: ...

    def prune(self, area: str, older_than: timedelta) -> int: ...


class LocalStorage:
    """Files in a directory (a shared volume when several machines serve the site)."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise BadKey(f"outside the store: {key!r}")
        return path

    def save(self, area: str, content: bytes, suffix: str = "") -> str:
        key = new_key(area, suffix)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as file:  # a random name never overwrites another file
            file.write(content)
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def serve(self, key: str, download_name: str, mimetype: str) -> Response:
        path = self._path(key)
        if not path.is_file():
            raise NotFound()
        response = send_file(path, mimetype=mimetype, conditional=True)
        return download_headers(response, download_name)

    def prune(self, area: str, older_than: timedelta) -> int:
        """Delete the area's files older than `older_than`; returns how many."""
        folder = self.root / check_key(f"{area}/{'x' * 16}").split("/")[0]
        cutoff = time.time() - older_than.total_seconds()
        old = [f for f in folder.glob("*") if f.is_file() and f.stat().st_mtime < cutoff]
        for path in old:
            path.unlink(missing_ok=True)
        return len(old)


def download_headers(response: Response, download_name: str) -> Response:
    """Always a download, never rendered by the browser as a page of this site."""
    ascii_name = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r'["\\\x00-\x1f\x7f]', "", ascii_name).strip() or "download"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(download_name, safe='')}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class UnitOfWorkStorage:
    """The app's store: a backend whose saves and deletes follow the current transaction."""

    def __init__(self, backend: Storage):
        self.backend = backend

    def save(
        self, area: str, content: bytes, suffix: str = "", *, keep_on_rollback: bool = False
    ) -> str:
        """Store `content` and return its key; removed again if the unit of work fails.

        `keep_on_rollback=True` is for a file that must outlive a refused form (a pending
        upload offered again); whoever saves it that way also cleans it up.
        """
        key = self.backend.save(area, content, suffix)
        if not keep_on_rollback:
            _track(SAVED, self.backend, key)
        return key

    def delete(self, key: str) -> None:
        """Delete the file once the current transaction commits; a rollback keeps it."""
        _track(DELETED, self.backend, check_key(key))

    def read(self, key: str) -> bytes:
        return self.backend.read(key)

    def exists(self, key: str) -> bool:
        return self.backend.exists(key)

    def prune(self, area: str, older_than: timedelta) -> int:
        return self.backend.prune(area, older_than)

    def serve(self, key: str, download_name: str, mimetype: str) -> Response:
        try:
            return self.backend.serve(key, download_name, mimetype)
        except BadKey:
            raise NotFound() from None


def _track(kind: str, backend: Storage, key: str) -> None:
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so the end of this unit of work is an event we hear
    session.info.setdefault(kind, []).append((backend, key))


def _delete_each(files: list[tuple[Storage, str]]) -> None:
    for backend, key in files:
        try:
            backend.delete(key)
        except OSError:
            log.exception("could not delete stored file %s", key)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(SAVED, None)
    _delete_each(session.info.pop(DELETED, []))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended without a commit (or after one, with nothing left)."""
    if transaction.parent is not None:
        return
    session.info.pop(DELETED, None)
    _delete_each(session.info.pop(SAVED, []))


BACKENDS: dict[str, Callable[[dict], Storage]] = {
    "local": lambda config: LocalStorage(config["UPLOAD_DIR"]),
}


def init_storage(app: Flask) -> None:
    name = app.config["UPLOAD_BACKEND"]
    if name not in BACKENDS:
        raise RuntimeError(f"UPLOAD_BACKEND={name!r} is not one of {', '.join(BACKENDS)}.")
    app.extensions["ghia.storage"] = UnitOfWorkStorage(BACKENDS[name](app.config))


def storage() -> UnitOfWorkStorage:
    return current_app.extensions["ghia.storage"]


def safe_filename(filename: str, fallback: str = "file") -> str:
    """A display and download name: no path, no control characters; Georgian letters kept."""
    name = unicodedata.normalize("NFC", Path(filename or "").name)
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", "_", name).strip(" ._")
    return name[:150] or fallback
