"""The upload store: files under UPLOAD_DIR with random names; originals' names kept in rows."""

import re
import secrets
import unicodedata
from pathlib import Path

from flask import current_app


def _folder(area: str) -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / area
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store(area: str, content: bytes, suffix: str) -> str:
    """Write `content` and return the name it is stored under."""
    name = secrets.token_urlsafe(18) + suffix
    (_folder(area) / name).write_bytes(content)
    return name


def path_of(area: str, stored_name: str) -> Path:
    return _folder(area) / stored_name


def remove(area: str, stored_name: str) -> None:
    path_of(area, stored_name).unlink(missing_ok=True)


def safe_filename(filename: str, fallback: str = "file") -> str:
    """A display and download name: no path, no control characters; Georgian letters kept."""
    name = unicodedata.normalize("NFC", Path(filename or "").name)
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", "_", name).strip(" ._")
    return name[:150] or fallback
