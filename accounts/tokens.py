"""Signed, expiring links for e-mail confirmation and password reset."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core.models import User

CONFIRM = "confirm-email"
RESET = "reset-password"


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _password_fingerprint(user: User) -> str:
    """Changes when the password changes, so a reset link works once."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def confirmation_token(user: User) -> str:
    """Bound to the address and the password, so a new sign-up of an unconfirmed address
    ends the links sent before it."""
    return _serializer(CONFIRM).dumps(
        {"id": user.id, "email": user.email, "pw": _password_fingerprint(user)}
    )


def reset_token(user: User) -> str:
    return _serializer(RESET).dumps({"id": user.id, "pw": _password_fingerprint(user)})


def read(purpose: str, token: str, max_age: int) -> dict:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
    if not isinstance(data, dict) or "id" not in data:
        raise TokenInvalid
    return data


def matches_password(user: User, data: dict) -> bool:
    return data.get("pw") == _password_fingerprint(user)
