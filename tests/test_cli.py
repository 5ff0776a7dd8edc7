"""The `flask` commands operators use (SPEC §9)."""

from core.db import db
from core.models import Role, User
from news.models import Post
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_makes_a_confirmed_staff_account(app):
    result = run(
        app,
        "users",
        "create",
        "staff@example.org",
        "--role",
        "district_staff",
        "--district",
        "vake",
        "--password",
        "a long enough password",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(db.select(User).filter_by(email="staff@example.org")).one()
    assert user.is_confirmed
    assert user.has_role(Role.DISTRICT_STAFF)
    assert len(user.staff_district_ids) == 1


def test_users_create_refuses_staff_without_district_and_unknown_districts(app):
    no_district = run(
        app,
        "users",
        "create",
        "s@example.org",
        "--role",
        "district_staff",
        "--password",
        "a long enough password",
    )
    assert no_district.exit_code != 0
    unknown = run(
        app,
        "users",
        "create",
        "s@example.org",
        "--role",
        "district_staff",
        "--district",
        "atlantis",
        "--password",
        "a long enough password",
    )
    assert unknown.exit_code != 0
    assert "atlantis" in unknown.output


def test_users_create_asks_for_the_password(app):
    result = run(
        app,
        "users",
        "create",
        "ed@example.org",
        "--role",
        "editor",
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "editor" in result.output


def test_districts_import_reports_and_fails_on_nothing_imported(app):
    good = run(app, "districts", "import", str(FIXTURES / "districts-small.geojson"))
    assert good.exit_code == 0
    assert "3 created" in good.output
    bad = run(app, "districts", "import", str(FIXTURES / "districts-not-geojson.txt"))
    assert bad.exit_code != 0


def test_demo_load_is_idempotent(app):
    first = run(app, "demo", "load")
    assert first.exit_code == 0, first.output
    count = db.session.scalar(db.select(db.func.count(Post.id)))
    second = run(app, "demo", "load")
    assert second.exit_code == 0, second.output
    assert count > 0
    assert db.session.scalar(db.select(db.func.count(Post.id))) == count


def test_mail_send_delivers_the_outbox(app, mailbox):
    run(app, "users", "create", "m@example.org", "--password", "a long enough password")
    from core import mail

    with app.test_request_context():
        mail.queue(
            "m@example.org",
            "signup_existing",
            "en",
            user=db.session.scalars(db.select(User)).first(),
            login="x",
            reset="y",
        )
        db.session.commit()
    result = run(app, "mail", "send")
    assert result.exit_code == 0
    assert "1 sent" in result.output
    assert mailbox[-1]["To"] == "m@example.org"


def test_census_import_from_the_shell(app, tmp_path):
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
    census = tmp_path / "census.csv"
    census.write_text("personal_number,district\n01001012345,vake\n")
    result = run(app, "census", "import", str(census), "--by", "root@example.org")
    assert result.exit_code == 0, result.output
    assert "census: 1 imported" in result.output
    refused = run(app, "census", "import", str(census), "--by", "nobody@example.org")
    assert refused.exit_code != 0


def test_users_create_refuses_common_passwords_and_names_on_two_lines(app):
    common = run(app, "users", "create", "c@example.org", "--password", "password123")
    assert common.exit_code != 0
    two_lines = run(
        app,
        "users",
        "create",
        "n@example.org",
        "--name",
        "Nino\nAdmin",
        "--password",
        "a long enough password",
    )
    assert two_lines.exit_code != 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_demo_load_gives_one_account_per_role_with_the_readme_password(app, client):
    from accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
    from tests.factories import log_in

    assert run(app, "demo", "load").exit_code == 0
    assert DEMO_PASSWORD in (ROOT / "README.md").read_text()
    with app.app_context():
        accounts = {
            email: db.session.scalar(db.select(User).filter_by(email=email))
            for email, *_ in DEMO_ACCOUNTS
        }
        assert {role for *_, role, _ in DEMO_ACCOUNTS} == set(Role)
        for email, _, role, _ in DEMO_ACCOUNTS:
            assert accounts[email].has_role(role), email
            assert email in (ROOT / "README.md").read_text()
        resident = accounts["resident@demo.example.org"]
        assert resident.verified_district.slug == "vake"
    log_in(client, resident, DEMO_PASSWORD)
    assert client.get("/accounts/profile").status_code == 200
