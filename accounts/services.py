"""Account rules: sign-up, confirmation, log-in, reset, profile and roles.

Answers never reveal whether an e-mail address has an account.
"""

from datetime import date

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from accounts import tokens
from core import audit, mail
from core.db import db, utcnow
from core.districts import by_slug
from core.errors import Refused
from core.forms import has_control_characters
from core.models import District, Role, RoleGrant, User
from core.registry import current_registry
from core.security import site_url

hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = hasher.hash("not a real password")
# The 30,000 most common passwords of real leaks, as zxcvbn ships them.
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])
MIN_PASSWORD_LENGTH = 10
NAME_LENGTH = 120
# The version of the terms and privacy notice a sign-up agrees to; change it with their text.
TERMS_VERSION = "2026-11-25"


def terms_date() -> date:
    return date.fromisoformat(TERMS_VERSION)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(num)s characters.", num=MIN_PASSWORD_LENGTH)
    if password.strip().lower() in COMMON_PASSWORDS:
        return _("This password is among the most common ones and easy to guess. Choose another.")
    return None


def _new_password_hash(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise Refused(problem, status=422, field="password")
    return hasher.hash(password)


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > NAME_LENGTH or has_control_characters(name):
        raise Refused(_("Please enter your name on one line."), status=422, field="name")
    return name


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == normalise_email(email))).first()


def send_confirmation(user: User) -> None:
    link = site_url("accounts.confirm", token=tokens.confirmation_token(user))
    hours = current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600
    mail.queue(user.email, "confirm_email", user.locale, user=user, link=link, hours=hours)


def sign_up(name: str, email: str, password: str, locale: str, accepted_terms: bool) -> User | None:
    """Create an unconfirmed account; for a known address, tell its owner instead.

    Signing up again with an address that is still unconfirmed starts over: the new name,
    password and consent replace the old ones (the older links and sessions stop working) and
    a fresh link goes out, so whoever can read the mailbox ends up owning the account.
    """
    if not accepted_terms:
        raise Refused(_("Please accept the terms to sign up."), status=422, field="accept_terms")
    name = clean_name(name)
    existing = find_user(email)
    password_hash = _new_password_hash(password)  # in every branch, so all take as long
    if existing and existing.is_active and not existing.is_confirmed:
        existing.name, existing.locale = name, locale
        existing.password_hash = password_hash
        existing.session_version += 1
        _record_consent(existing)
        send_confirmation(existing)
        return existing
    if existing:
        mail.queue(
            existing.email,
            "signup_existing",
            existing.locale,
            user=existing,
            login=site_url("accounts.login"),
            reset=site_url("accounts.reset_request"),
        )
        return None
    user = User(name=name, email=normalise_email(email), locale=locale, password_hash=password_hash)
    _record_consent(user)
    db.session.add(user)
    db.session.flush()
    send_confirmation(user)
    return user


def _record_consent(user: User) -> None:
    user.terms_accepted_at, user.terms_version = utcnow(), TERMS_VERSION


def _link_data(purpose: str, token: str, max_age_key: str, expired: str, invalid: str) -> dict:
    """What a mailed link carries; an expired link answers 410, a forged one 404."""
    try:
        return tokens.read(purpose, token, current_app.config[max_age_key])
    except tokens.TokenExpired as error:
        raise Refused(expired, status=410) from error
    except tokens.TokenInvalid as error:
        raise Refused(invalid, status=404) from error


def user_for_confirmation(token: str) -> User:
    """The account a confirmation link is for; the link dies when the password changes
    (a new sign-up of an unconfirmed address) or the address does."""
    data = _link_data(
        tokens.CONFIRM,
        token,
        "EMAIL_CONFIRM_MAX_AGE",
        _("This confirmation link has expired."),
        _("This confirmation link is not valid."),
    )
    user = db.session.get(User, data["id"])
    if user is None or user.email != data.get("email") or not tokens.matches_password(user, data):
        raise Refused(_("This confirmation link is not valid."), status=404)
    return user


def needs_password_to_confirm(user: User, viewer) -> bool:
    """Whoever confirms must know the account's password, unless they are logged in as it.

    A sign-up of an unconfirmed address replaces its password and mails a fresh link, so the
    newest link in a mailbox may carry someone else's password: pressing the button must not
    hand that person a confirmed account under the mailbox owner's address."""
    return not (viewer is not None and viewer.is_authenticated and viewer.id == user.id)


def confirm_email(token: str, viewer, password: str | None) -> User:
    user = user_for_confirmation(token)
    if user.is_confirmed:
        return user
    if needs_password_to_confirm(user, viewer):
        try:
            hasher.verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError) as error:
            raise Refused(
                _("This is not the password chosen at sign-up."), status=422, field="password"
            ) from error
    user.email_confirmed_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    try:
        hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def request_password_reset(email: str) -> None:
    user = find_user(email)
    if user is None or not user.is_active:
        return
    link = site_url("accounts.reset_password", token=tokens.reset_token(user))
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600
    mail.queue(user.email, "reset_password", user.locale, user=user, link=link, hours=hours)


def user_for_reset(token: str) -> User:
    data = _link_data(
        tokens.RESET,
        token,
        "PASSWORD_RESET_MAX_AGE",
        _("This reset link has expired."),
        _("This reset link is not valid."),
    )
    user = db.session.get(User, data["id"])
    if user is None or not tokens.matches_password(user, data):
        raise Refused(_("This reset link has already been used or is not valid."), status=404)
    return user


def _set_password(user: User, password: str) -> None:
    """A new password also ends every session of the account (the cookie's id changes)."""
    user.password_hash = _new_password_hash(password)
    user.session_version += 1


def log_out(user: User) -> None:
    """Logging out ends every session of the account, on every device: with signed-cookie
    sessions there is no per-device record to end alone, and a copied session or remember-me
    cookie must stop working. It also lets someone who forgot to log out on a shared computer
    end that session from home."""
    user.session_version += 1
    audit.record(user, "account.logout", f"user:{user.id}")


def check_password(user: User, password: str) -> None:
    """Refuses a wrong password of a logged-in account (changing it, deleting the account)."""
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as error:
        raise Refused(
            _("The current password is not right."), status=422, field="current_password"
        ) from error


def change_password(user: User, current: str, new: str) -> None:
    check_password(user, current)
    _set_password(user, new)
    audit.record(user, "account.password", f"user:{user.id}")


def reset_password(token: str, password: str) -> User:
    user = user_for_reset(token)
    _set_password(user, password)
    # Receiving the link proves the address, too.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    return user


def update_profile(user: User, name: str, district_id: int | None, locale: str) -> None:
    if district_id is not None and db.session.get(District, district_id) is None:
        raise Refused(_("Please choose a district from the list."), field="district")
    user.name, user.district_id, user.locale = clean_name(name), district_id, locale


def mail_wishes(user: User) -> dict[str, bool]:
    """Which of the mail the modules offer (core registry) the user asked for, by name."""
    return {choice.name: choice.wanted(user) for choice in current_registry().mail_choices()}


def choose_mail(user: User, wishes: dict[str, bool]) -> None:
    for choice in current_registry().mail_choices():
        if choice.name in wishes:
            choice.choose(user, wishes[choice.name])


def create_user(email: str, name: str, password: str, role: Role, district_slugs=()) -> User:
    """An account made by an administrator: confirmed, with its role."""
    if find_user(email):
        raise Refused(_("An account with this e-mail address already exists."))
    user = User(
        email=normalise_email(email),
        name=clean_name(name),
        password_hash=_new_password_hash(password),
        email_confirmed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    grant_role(user, role, district_slugs)
    return user


def grant_role(user: User, role: Role, district_slugs=(), actor: User | None = None) -> None:
    if role == Role.RESIDENT:
        return
    if role == Role.DISTRICT_STAFF and not district_slugs:
        raise Refused(_("District staff need at least one district."))
    if role != Role.DISTRICT_STAFF and district_slugs:
        raise Refused(_("Only district staff are scoped to districts."))
    districts = []
    for slug in district_slugs:
        district = by_slug(slug)
        if district is None:
            raise Refused(_("Unknown district “%(slug)s”.", slug=slug))
        districts.append(district)
    existing = {(g.role, g.district_id) for g in user.grants}
    for district in districts or [None]:
        key = (role.value, district.id if district else None)
        if key not in existing:
            user.grants.append(RoleGrant(role=key[0], district_id=key[1]))
    db.session.flush()
    audit.record(
        actor, "role.grant", f"user:{user.id}", role=role.value, districts=list(district_slugs)
    )
