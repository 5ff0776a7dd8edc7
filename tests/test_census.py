"""The census list: a file with any problem is reported line by line and replaces nothing,
on the admin page and in `flask census import` alike."""

import io
import re

import pytest

from accounts import census
from accounts.models import CensusEntry
from core.db import db
from core.imports import MAX_PROBLEMS
from core.models import Role
from tests.conftest import submit
from tests.factories import log_in, make_user
from tests.test_cli import run

GOOD = "personal_number,district\n01001012345,vake\n01001054321,gldani\n"
HEADER = "personal_number,district\n"
MALFORMED = {
    "unterminated quote": (
        HEADER + '01001012345,vake\n01001054321,"gldani\n01001011111,vake\n',
        "Line 3: a quotation mark is opened and never closed.",
    ),
    "huge field": (
        HEADER + "01001012345,vake\n01001054321," + "x" * 200_000 + "\n",
        "Line 3: a field is far too long.",
    ),
    "long field": (
        HEADER + "01001012345,vake\n01001054321," + "x" * 500 + "\n",
        "Line 3: a field is far too long.",
    ),
    "one number, two districts": (
        HEADER + "01001012345,vake\n01001054321,gldani\n01001012345,gldani\n",
        "Line 4: this personal number is already listed on line 2 with another district.",
    ),
    "bad number and unknown district": (
        HEADER + "123,vake\n01001099999,atlantis\n",
        "Line 2: the personal number must have 11 digits.",
    ),
}


def upload(client, text: str, lang="en"):
    data = {"file": (io.BytesIO(text.encode()), "census.csv")}
    return submit(
        client, f"/accounts/admin/census?lang={lang}", data, content_type="multipart/form-data"
    )


def stored() -> int:
    return db.session.scalar(db.select(db.func.count(CensusEntry.id)))


def test_admin_uploads_a_good_list_that_keeps_only_fingerprints(app, client):
    log_in(client, make_user(Role.ADMIN))
    response = upload(client, GOOD)
    assert response.status_code == 200
    assert "2 people imported." in response.get_data(as_text=True)
    hashes = db.session.scalars(db.select(CensusEntry.personal_number_hmac)).all()
    assert "01001012345" not in hashes
    with app.app_context():
        assert census.personal_number_hmac("01001012345") in hashes


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_upload_is_reported_by_line_and_replaces_nothing(client, case):
    text, problem = MALFORMED[case]
    log_in(client, make_user(Role.ADMIN))
    upload(client, GOOD)
    response = upload(client, text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert problem in html
    assert "the list was not replaced" in html
    assert len(html) < 50_000  # a huge field is not echoed back
    assert stored() == 2  # the good list is still there


def test_the_problem_list_is_capped(client):
    log_in(client, make_user(Role.ADMIN))
    text = HEADER + "".join(f"{n},vake\n" for n in range(MAX_PROBLEMS + 30))
    html = upload(client, text).get_data(as_text=True)
    assert html.count("the personal number must have 11 digits") == MAX_PROBLEMS
    assert "… and 30 more problems." in html


def test_census_upload_is_for_admins_only(client):
    log_in(client, make_user(Role.EDITOR))
    assert client.get("/accounts/admin/census").status_code == 403


def test_census_upload_refuses_a_file_without_the_columns(client):
    log_in(client, make_user(Role.ADMIN))
    response = upload(client, "a,b\n1,2\n")
    assert response.status_code == 422
    assert "personal_number and district" in response.get_data(as_text=True)


@pytest.mark.parametrize("case", MALFORMED)
def test_the_shell_import_refuses_a_malformed_file_the_same_way(app, tmp_path, case):
    text, problem = MALFORMED[case]
    run(
        app,
        "users",
        "create",
        "root@example.org",
        "--role",
        "admin",
        "--password",
        "a long enough password",
    )
    path = tmp_path / "census.csv"
    path.write_text(GOOD)
    assert run(app, "census", "import", str(path), "--by", "root@example.org").exit_code == 0
    path.write_text(text)
    result = run(app, "census", "import", str(path), "--by", "root@example.org")
    assert result.exit_code != 0
    line = problem.split(":")[0].removeprefix("Line ")
    assert re.search(rf"\b{line}:", result.output)  # the command speaks Georgian
    assert "not replaced" in result.output
    assert stored() == 2
