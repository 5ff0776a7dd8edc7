"""Budget spending publication: the CSV import (all or nothing), its command and upload page,
the public page with its charts, the CSV download and the JSON API."""

import csv
import io
import re
from decimal import Decimal

import pytest
import schemathesis
from schemathesis import GenerationMode

from budgeting import services
from budgeting.models import BallotKind, Phase
from budgeting.spending import demo, importer
from budgeting.spending.models import SpendingLine
from core.db import db
from core.districts import by_slug
from core.models import AuditEntry, Role
from tests.budget_factories import make_ballot, resident
from tests.conftest import ROOT, submit
from tests.factories import log_in, make_user
from tests.test_api import check_operation

SAMPLE = ROOT / "budgeting" / "spending" / "sample.csv"
HEADER = "year,district,category,planned,actual\n"
GOOD = HEADER + "2025,vake,Roads,1000.50,900\n2025,city,Metro,5000,\n"


def lines() -> list[SpendingLine]:
    return db.session.scalars(db.select(SpendingLine).order_by(SpendingLine.id)).all()


def test_a_good_file_is_imported_with_exact_amounts_and_city_wide_lines(ctx):
    result = importer.import_spending(GOOD)
    assert (result.read, result.created, result.refused) == (2, 2, False)
    roads, metro = lines()
    assert roads.district_id == by_slug("vake").id
    assert roads.planned == Decimal("1000.50")
    assert roads.actual == Decimal("900.00")
    assert metro.district_id is None
    assert metro.actual is None  # not reported yet


def test_the_sample_file_reads_slugs_names_and_decimal_commas(ctx):
    result = importer.import_spending(SAMPLE.read_text(encoding="utf-8"))
    assert result.problems == []
    assert result.created == 6
    saburtalo = by_slug("saburtalo")
    named = db.session.scalars(
        db.select(SpendingLine).where(SpendingLine.category == "სათამაშო მოედნები")
    ).one()
    assert named.district_id == saburtalo.id  # "Saburtalo", by its English name
    metro = db.session.scalars(
        db.select(SpendingLine).where(SpendingLine.category_en == "Metro")
    ).one()
    assert metro.planned == Decimal("12500000.00")


def test_importing_twice_changes_nothing_and_a_new_figure_updates_in_place(ctx):
    importer.import_spending(GOOD)
    again = importer.import_spending(GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = importer.import_spending(HEADER + "2025,vake,Roads,1000.50,1000.50\n")
    assert (changed.created, changed.updated) == (0, 1)
    assert len(lines()) == 2
    assert lines()[0].actual == Decimal("1000.50")


def test_a_district_is_found_by_its_osm_relation_id(ctx):
    vake = by_slug("vake")
    vake.osm_relation_id = 987654321
    db.session.flush()
    importer.import_spending(HEADER + "2025,987654321,Roads,1,1\n")
    assert lines()[0].district_id == vake.id


REFUSALS = {
    "unknown district": ("2025,atlantis,Roads,1,1", "Line 2: unknown district “atlantis”."),
    "bad number": ("2025,vake,Roads,a lot,1", "Line 2: planned “alot” is not an amount in GEL."),
    "negative": ("2025,vake,Roads,1,-5", "Line 2: actual must not be negative."),
    "too many decimals": ("2025,vake,Roads,1.005,1", "is not an amount in GEL"),
    "too large": ("2025,vake,Roads,100000000000000,1", "Line 2: planned is too large."),
    "year": ("1889,vake,Roads,1,1", "Line 2: the year must be a whole number from 1990 to 2099."),
    "no category": ("2025,vake,,1,1", "Line 2: the category is empty."),
    "huge text": (f"2025,vake,{'x' * 5000},1,1", "Line 2: a field is far too long."),
    "long category": (f"2025,vake,{'x' * 101},1,1", "category is longer than 100 characters"),
    "control": ("2025,vake,Ro\x07ads,1,1", "category contains control characters"),
    "duplicate": (
        "2025,vake,Roads,1,1\n2025,Vake,Roads,2,2",
        "Line 3: the same year, district and category as line 2.",
    ),
    "open quote": ('2025,vake,"Roads,1,1', "Line 2: a quotation mark is opened and never closed."),
}


@pytest.mark.parametrize(("body", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_each_refused_line_is_reported_and_nothing_is_imported(app, body, message):
    text = HEADER + body + "\n2025,gldani,Parks,1,1\n"
    with app.test_request_context("/?lang=en"):
        result = importer.import_spending(text)
        assert result.refused
        assert any(message in problem for problem in result.problems), result.problems
    assert lines() == []
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 0


def test_a_file_without_the_columns_or_with_nul_bytes_is_refused_whole(ctx):
    from core.errors import Refused

    with pytest.raises(Refused, match="planned"):
        importer.import_spending("year,district,category\n2025,vake,Roads\n")
    with pytest.raises(Refused):
        importer.import_spending(GOOD.replace("Roads", "Ro\x00ads"))


def test_the_command_imports_with_a_summary_and_refuses_a_broken_file(app, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(HEADER + "2025,atlantis,Roads,1,1\n2025,vake,Parks,-1,0\n", encoding="utf-8")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["budgeting", "import-spending", str(bad)])
    assert refused.exit_code == 1
    # The command speaks the site's default language, Georgian, like the census import.
    assert "სტრიქონი 2: უცნობი რაიონი „atlantis“." in refused.output
    assert "სტრიქონი 3: planned არ შეიძლება იყოს უარყოფითი." in refused.output
    assert "2 of 2 lines refused, nothing imported" in refused.output
    assert lines() == []
    done = runner.invoke(args=["budgeting", "import-spending", str(good)])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip().splitlines()[-1] == (
        "imported good.csv: 2 lines read, 2 new, 0 updated, 0 unchanged"
    )


def test_demo_data_covers_every_district_and_loads_once(ctx):
    assert "lines made" in demo.load()
    count = len(lines())
    districts = {line.district_id for line in lines()}
    assert len(districts - {None}) == 10
    assert count == len(demo.YEARS) * (10 * 6 + len(demo.CITY_WIDE))
    assert demo.load().startswith("budget spending: 0 lines made")
    assert len(lines()) == count


def upload(client, text: str | bytes):
    body = text.encode() if isinstance(text, str) else text
    data = {"file": (io.BytesIO(body), "spending.csv")}
    return submit(
        client, "/budget/admin/spending?lang=en", data, content_type="multipart/form-data"
    )


def test_staff_upload_reports_what_was_read_and_refused(client):
    log_in(client, make_user(Role.BUDGET_ADMIN))
    refused = upload(client, HEADER + "2025,vake,Roads,1,1\n2025,atlantis,Roads,1,1\n")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "2 lines were read." in page
    assert "Line 3: unknown district “atlantis”." in page
    assert lines() == []
    done = upload(client, GOOD)
    assert done.status_code == 200
    assert "New: 2, updated: 0, unchanged: 0." in done.get_data(as_text=True)
    assert len(lines()) == 2


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe not utf-8", b"year,district\x00,category\n", b"no,columns\n1,2\n"],
    ids=["not utf-8", "nul", "no columns"],
)
def test_staff_upload_refuses_bad_files_with_a_message(client, body):
    log_in(client, make_user(Role.BUDGET_ADMIN))
    response = upload(client, body)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error"' in page  # said at the file field of the form shown again
    assert 'name="file"' in page
    assert lines() == []


def test_the_upload_is_for_budget_admins_only(client):
    log_in(client, make_user(Role.EDITOR))
    assert client.get("/budget/admin/spending").status_code == 403


@pytest.fixture
def published(app):
    with app.test_request_context():  # only for the import: each page is a request of its own
        importer.import_spending(
            HEADER
            + "2024,vake,Roads,1000,950\n2025,vake,Roads,2000,1000\n2025,gldani,Parks,500,\n"
            + "2025,city,Metro,10000,9000\n"
        )
        db.session.commit()  # the test's savepoint; rolled back after the test


@pytest.mark.usefixtures("published")
def test_the_page_shows_totals_by_locale_and_charts_with_tables(client):
    page = client.get("/budget/spending?lang=en&year=2025").get_data(as_text=True)
    assert "Planned: 12,500.00" in page
    assert "Spent: 10,000.00" in page
    assert page.count('data-chart="bar"') == 3  # by year, by district, by category
    assert "not reported yet" in page
    answer = client.get("/budget/spending?year=2025&lang=ka")
    georgian = answer.get_data(as_text=True)
    assert answer.status_code == 200, georgian[-3000:]
    assert "12 500,00" in georgian.replace("\xa0", " ")


@pytest.mark.usefixtures("published")
def test_filters_narrow_the_lines_and_the_csv_has_exactly_them(client):
    page = client.get("/budget/spending?lang=en&district=vake").get_data(as_text=True)
    assert "Planned: 3,000.00" in page
    answer = client.get("/api/v1/budget/spending.csv?district=vake")
    assert answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == list(importer.COLUMNS)
    assert sorted(r[0] for r in rows[1:]) == ["2024", "2025"]
    city = list(
        csv.reader(
            io.StringIO(
                client.get("/api/v1/budget/spending.csv?district=city").get_data(as_text=True)
            )
        )
    )
    assert [r[2] for r in city[1:]] == ["Metro"]


@pytest.mark.usefixtures("published")
def test_the_csv_download_imports_again_unchanged(app, client):
    text = client.get("/api/v1/budget/spending.csv").get_data(as_text=True)
    with app.test_request_context():
        result = importer.import_spending(text)
        assert (result.refused, result.unchanged, result.created) == (False, 4, 0)


@pytest.mark.usefixtures("published")
def test_the_api_answers_lines_and_totals_as_exact_strings(client):
    answer = client.get("/api/v1/budget/spending?year=2025&district=gldani").get_json()
    assert answer["count"] == 1
    assert answer["planned"] == "500.00"
    assert answer["lines"][0] == {
        "year": 2025,
        "district": "gldani",
        "category": "Parks",
        "category_en": "",
        "planned": "500.00",
        "actual": None,
        "description": "",
        "source": "",
    }


@pytest.mark.parametrize(
    "query",
    [
        "district=atlantis",
        "year=1800",
        "year=abc",
        "year=99999999999",
        "district=%00",
        "district=" + "x" * 5000,
    ],
)
def test_bad_filters_are_refused_with_a_message_not_a_crash(client, query):
    page = client.get(f"/budget/spending?lang=en&{query}")
    assert page.status_code in (400, 404, 422)
    api = client.get(f"/api/v1/budget/spending?lang=en&{query}")
    assert api.status_code in (400, 404, 422)
    assert api.get_json()["error"]["message"]


def test_a_page_past_the_last_and_past_int4_is_refused_or_empty(client):
    assert client.get("/api/v1/budget/spending?page=2147483648").status_code == 422
    assert client.get("/api/v1/budget/spending?page=9999").get_json()["lines"] == []


def test_spending_operations_answer_as_documented(app):
    with app.test_request_context():
        importer.import_spending(GOOD)
        db.session.commit()  # the test's own savepoint: rolled back after it
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    spending = [op for op in operations if "/budget/spending" in op.path]
    assert len(spending) == 2
    for operation in spending:
        check_operation(operation, GenerationMode.POSITIVE)
        check_operation(operation, GenerationMode.NEGATIVE)


# The results page's charts and the district page's budget panel


def decided(app, kind=BallotKind.KNAPSACK, votes=(["1", "2"], ["1"], ["2", "3"])):
    ballot = make_ballot(kind)
    for choice in votes:
        services.cast_vote(resident(), ballot, choice)
    with app.app_context():  # events need the app; commit before its teardown rolls back
        services.move_phase(ballot.cycle, Phase.RESULTS)
        db.session.commit()
    return ballot


def chart_rows(page: str, caption: str) -> list[tuple[str, list[str]]]:
    """The (label, data-values) rows of the chart table with this caption."""
    figure = page.split(f"<figcaption>{caption}</figcaption>")[1].split("</figure>")[0]
    body = figure.split("<tbody>")[1]
    rows = re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', body, flags=re.S)
    return [(label, re.findall(r'data-value="([^"]+)"', cells)) for label, cells in rows]


def test_results_chart_support_and_how_the_budget_is_used(app, client):
    ballot = decided(app)
    page = client.get(f"/budget/ballots/{ballot.id}/results?lang=en").get_data(as_text=True)
    assert chart_rows(page, "Support per project") == [
        ("Square", ["2.0"]),
        ("Benches", ["2.0"]),
        ("Lights", ["1.0"]),
    ]
    assert chart_rows(page, "How the budget is used") == [
        ("Square", ["60000.0"]),
        ("Benches", ["30000.0"]),
        ("Left unspent", ["10000.0"]),
    ]
    assert page.count("<table") == 3  # two charts' tables and the reasons, no copy of either


def test_points_results_chart_each_priority_s_share(app, client):
    ballot = decided(app, BallotKind.POINTS, votes=({"1": 60, "2": 40}, {"1": 100}))
    page = client.get(f"/budget/ballots/{ballot.id}/results?lang=en").get_data(as_text=True)
    rows = chart_rows(page, "Share of the budget per priority")
    assert rows[0] == ("Square", ["80000.0", "80.0"])
    assert rows[1] == ("Benches", ["20000.0", "20.0"])


def test_district_page_shows_its_ballot_results_and_spending(app, client):
    running = make_ballot(district="vake")
    finished = decided(app)
    with app.test_request_context():
        importer.import_spending(HEADER + "2025,vake,Roads,1000,400\n2026,vake,Roads,2000,\n")
        db.session.commit()
    page = client.get("/districts/vake?lang=en").get_data(as_text=True)
    panel = page.split('id="panel-budget"')[1].split("</section>")[0]
    assert f"/budget/ballots/{running.id}" in panel
    assert "Voting is open until" in panel
    assert f"/budget/ballots/{finished.id}/results" in panel
    assert "Square: Funded" in panel
    assert "Spending in 2026" in panel
    assert "Planned 2,000 GEL, spent 0 GEL." in panel.replace("\xa0", " ")


def test_district_without_budget_says_so(client):
    page = client.get("/districts/gldani?lang=en").get_data(as_text=True)
    assert "No budget survey is running in this district now." in page
    assert "Spending in" not in page
