"""One test per permission function (CKAN's auth tests): who is allowed, role by role, and
object by object where the function takes one. Deny by default: whatever an anonymous
visitor may not do, nobody (None), a deactivated account or an unknown kind of user may not
do either.

A new `can_*` function in any module's `permissions.py` needs its rows in CASES
(test_every_permission_function_has_a_case fails until it has them).
"""

import importlib
import importlib.util
import inspect
import re

import pytest

from accounts.permissions import can_review_residency, can_upload_census
from budgeting.models import Proposal
from budgeting.permissions import (
    can_manage_budget,
    can_publish_spending,
    can_see_proposal,
    can_vote,
)
from core.models import Role
from core.permissions import (
    can_link,
    can_manage_jobs,
    can_read_audit_log,
    can_take_part,
    can_unlink,
    signed_in,
)
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
from petitions.models import Petition
from petitions.permissions import (
    can_edit_petition,
    can_invalidate_signatures,
    can_moderate_petitions,
    can_respond_to_petition,
    can_see_petition,
    can_sign_petitions,
    can_sponsor_petition,
    can_start_petition,
    can_withdraw_petition,
)
from smartmap.models import Report
from smartmap.permissions import (
    can_follow,
    can_manage_categories,
    can_open_report_form,
    can_reopen,
    can_report,
    can_triage,
    can_use_triage_desk,
)
from tests.conftest import ROOT
from tests.factories import ANONYMOUS, ROLES, user_in_memory

EVERYONE = set(ROLES)
SIGNED_IN = set(Role)
EDITORS = {Role.EDITOR, Role.ADMIN}
ADMINS = {Role.ADMIN}
NOBODY: set = set()

PUBLISHED = Post(kind="news", status="published")
DRAFT = Post(kind="news", status="draft")
AUTOMATIC = Post(kind="automatic", status="published")
# petitions: by an author who is none of the users below (the author's own rights: see
# test_the_author_may_edit_and_withdraw_their_own_petition)
MODERATORS = {Role.MODERATOR, Role.ADMIN}
OPEN_PETITION = Petition(status="open", author_id=10**6)
DRAFT_PETITION = Petition(status="draft", author_id=10**6)
# smartmap: user_in_memory's district staff serve district 1; nobody in memory has an id.
IN_DISTRICT = Report(district_id=1, status="new")
ELSEWHERE = Report(district_id=2, status="new")

CASES = [
    # permission             object(s)                          who may
    (signed_in, (), SIGNED_IN),
    (can_take_part, (), SIGNED_IN),
    (can_read_audit_log, (), ADMINS),
    (can_manage_jobs, (), ADMINS),
    (can_link, ("news:1",), EDITORS),
    (can_unlink, ("news:1",), EDITORS),
    (can_upload_census, (), ADMINS),
    (can_review_residency, (), ADMINS),
    (can_write_posts, (), EDITORS),
    (can_read_drafts, (), EDITORS),
    (can_see_post, (PUBLISHED,), EVERYONE),
    (can_see_post, (DRAFT,), EDITORS),
    (can_edit_post, (PUBLISHED,), EDITORS),
    (can_edit_post, (DRAFT,), EDITORS),
    (can_edit_post, (AUTOMATIC,), NOBODY),
    (can_publish_post, (DRAFT,), EDITORS),
    (can_publish_post, (AUTOMATIC,), EDITORS),
    (can_download_attachment, (Attachment(post=PUBLISHED),), EVERYONE),
    (can_download_attachment, (Attachment(post=DRAFT),), EDITORS),
    (can_delete_attachment, (Attachment(post=DRAFT),), EDITORS),
    (can_delete_attachment, (Attachment(post=AUTOMATIC),), NOBODY),
    # petitions
    (can_start_petition, (), SIGNED_IN),
    (can_sign_petitions, (), SIGNED_IN),
    (can_sponsor_petition, (DRAFT_PETITION,), SIGNED_IN),
    (can_edit_petition, (DRAFT_PETITION,), NOBODY),
    (can_withdraw_petition, (OPEN_PETITION,), NOBODY),
    (can_moderate_petitions, (), MODERATORS),
    (can_respond_to_petition, (OPEN_PETITION,), MODERATORS),
    (can_invalidate_signatures, (OPEN_PETITION,), MODERATORS),
    (can_see_petition, (OPEN_PETITION,), EVERYONE),
    (can_see_petition, (DRAFT_PETITION,), MODERATORS),
    # budgeting
    (can_manage_budget, (), {Role.BUDGET_ADMIN, Role.ADMIN}),
    (can_publish_spending, (), {Role.BUDGET_ADMIN, Role.ADMIN}),
    (can_vote, (), SIGNED_IN),
    (can_see_proposal, (Proposal(author_id=10**6),), {Role.BUDGET_ADMIN, Role.ADMIN}),
    # smartmap
    (can_report, (), SIGNED_IN),
    (can_use_triage_desk, (), {Role.DISTRICT_STAFF, Role.ADMIN}),
    (can_triage, (IN_DISTRICT,), {Role.DISTRICT_STAFF, Role.ADMIN}),
    (can_triage, (ELSEWHERE,), ADMINS),
    (can_reopen, (IN_DISTRICT,), NOBODY),  # no reporter; the reporter's case is below
    # Visitors report too (held until their e-mail link is confirmed).
    (can_open_report_form, (), EVERYONE),
    (can_manage_categories, (), ADMINS),
    (can_follow, (IN_DISTRICT,), SIGNED_IN),
]


def case_id(case) -> str:
    permission, objects, _ = case
    shown = [
        f"{type(o).__name__.lower()}:{getattr(o, 'status', '')}{getattr(o, 'district_id', '')}"
        for o in objects
    ]
    return "-".join([permission.__name__, *shown])


@pytest.mark.parametrize(("permission", "objects", "allowed"), CASES, ids=map(case_id, CASES))
def test_permission_grants_exactly_the_listed_roles(permission, objects, allowed):
    granted = {role for role in ROLES if permission(user_in_memory(role), *objects)}
    assert granted == allowed


@pytest.mark.parametrize(("permission", "objects", "allowed"), CASES, ids=map(case_id, CASES))
def test_nobody_gets_more_than_an_anonymous_visitor(permission, objects, allowed):
    anonymous_may = ANONYMOUS in allowed
    deactivated_admin = user_in_memory(Role.ADMIN, active=False)
    for nobody in (None, object(), deactivated_admin):
        assert permission(nobody, *objects) is anonymous_may, nobody


def test_taking_part_needs_a_confirmed_address():
    assert not can_take_part(user_in_memory(Role.ADMIN, confirmed=False))
    assert can_take_part(user_in_memory(Role.RESIDENT, confirmed=True))


def test_an_unconfirmed_account_may_not_open_the_report_form():
    assert not can_open_report_form(user_in_memory(Role.RESIDENT, confirmed=False))


def test_only_the_reporter_may_reopen_without_following():
    reporter, other = user_in_memory(Role.RESIDENT), user_in_memory(Role.ADMIN)
    reporter.id, other.id = 7, 8
    report = Report(district_id=1, status="fixed", reporter_id=7)
    assert can_reopen(reporter, report)
    assert not can_reopen(other, report)


def test_the_author_sees_their_own_proposal():
    author, other = user_in_memory(Role.RESIDENT), user_in_memory(Role.RESIDENT)
    author.id, other.id = 7, 8
    assert can_see_proposal(author, Proposal(author_id=7))
    assert not can_see_proposal(other, Proposal(author_id=7))
    assert not can_see_proposal(other, Proposal(author_id=None))


def permission_modules(app):
    yield importlib.import_module("core.permissions")
    for name in app.config["GHIA_MODULES"]:
        if importlib.util.find_spec(f"{name}.permissions"):
            yield importlib.import_module(f"{name}.permissions")


def test_every_permission_function_has_a_case(app):
    tested = {case[0] for case in CASES}
    untested = [
        f"{module.__name__}.{name}"
        for module in permission_modules(app)
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if name.startswith("can_") and function.__module__ == module.__name__
        if function not in tested
    ]
    assert not untested, f"add rows to CASES in tests/test_permissions.py for: {untested}"


ROLE_CHECK = re.compile(r"has_role\(|\bRole\.")


def test_views_and_templates_ask_permission_functions_not_roles():
    """Role checks live in permissions.py; a view or template that asks for a role directly
    would drift from what the API and the queries allow."""
    sources = [*ROOT.glob("*/views.py"), *ROOT.glob("*/api.py"), *ROOT.glob("templates/**/*.html")]
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_CHECK.search(line)
    ]
    assert len(sources) > 20
    assert not offenders, f"use a permission function instead of a role check: {offenders}"


def test_the_author_may_edit_and_withdraw_their_own_petition():
    author = user_in_memory(Role.RESIDENT)
    author.id = 7
    own = Petition(status="draft", author_id=7)
    assert can_edit_petition(author, own)
    assert can_withdraw_petition(author, own)
    assert can_see_petition(author, own)
    assert not can_sponsor_petition(author, own)
