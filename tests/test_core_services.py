"""Core services: link registry, event bus, districts, users CLI, audit."""

import pytest

from core import events, links
from core.db import db
from core.districts import district_at, import_geojson
from core.errors import Refused
from core.models import AuditEntry, Event, Link, Role
from tests.conftest import ROOT
from tests.factories import make_user

FIXTURES = ROOT / "tests" / "fixtures"
pytestmark = pytest.mark.usefixtures("ctx")


def test_district_at_answers_from_postgis():
    assert district_at(44.7930, 41.6934).slug == "mtatsminda"  # Freedom Square
    assert district_at(44.8000, 41.8100).slug == "gldani"
    assert district_at(44.0, 42.0) is None  # outside the city


def test_links_are_undirected_and_idempotent(thing_kind):
    links.link("thing:1", "thing:2")
    links.link("thing:2", "thing:1")
    assert db.session.scalar(db.select(db.func.count(Link.id))) == 1
    assert [t.ref for t in links.related("thing:2", None)] == ["thing:1"]
    assert [t.ref for t in links.related("thing:1", None)] == ["thing:2"]
    links.unlink("thing:1", "thing:2")
    assert links.related("thing:1", None) == []


def test_links_refuse_unknown_refs_and_missing_objects(thing_kind):
    with pytest.raises(Refused):
        links.link("thing:1", "nonsense")
    with pytest.raises(Refused):
        links.link("thing:1", "unknownkind:3")
    with pytest.raises(Refused) as missing:
        links.link("thing:1", "thing:500")
    assert missing.value.status == 404
    with pytest.raises(Refused):
        links.link("thing:1", "thing:1")


def test_event_with_once_key_fires_once():
    news = {"title": {"ka": "ა"}, "body": {"ka": "ბ"}}
    first = events.emit("threshold_reached", "thing:1", {"news": news}, once_key="threshold:1")
    second = events.emit("threshold_reached", "thing:1", {"news": news}, once_key="threshold:1")
    assert first is not None
    assert second is None
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 1
    jobs = db.session.scalars(db.text("SELECT args FROM procrastinate_jobs")).all()
    assert jobs == [{"event_id": first.id}]  # its consequence is queued once


def test_link_and_role_changes_are_audited(thing_kind):
    editor = make_user(Role.EDITOR)
    links.link("thing:3", "thing:4", editor)
    entry = db.session.scalars(db.select(AuditEntry).filter_by(action="link.add")).one()
    assert (entry.actor_id, entry.ref, entry.details) == (
        editor.id,
        "thing:3",
        {"other": "thing:4"},
    )


def test_district_import_repairs_and_refuses():
    report = import_geojson(FIXTURES / "districts-invalid.geojson")
    assert len(report.repaired) == 1
    assert len(report.refused) == 1
    assert report.refused[0].startswith("#2 Point District")


def test_district_import_updates_in_place():
    first = import_geojson(FIXTURES / "districts-small.geojson")
    again = import_geojson(FIXTURES / "districts-small.geojson")
    assert len(first.created) == 3
    assert again.created == []
    assert sorted(again.updated) == sorted(first.created)


def test_district_import_refuses_a_non_geojson_file():
    with pytest.raises(Refused):
        import_geojson(FIXTURES / "districts-not-geojson.txt")


def test_district_scope_limits_staff_to_their_districts():
    from sqlalchemy import select

    from core.models import District
    from core.permissions import district_scope

    def visible(user):
        statement = district_scope(select(District.slug), user, District.id)
        return set(db.session.scalars(statement))

    assert visible(make_user(Role.DISTRICT_STAFF, districts=["vake", "isani"])) == {"vake", "isani"}
    assert len(visible(make_user(Role.ADMIN))) == 10
    assert visible(make_user(Role.EDITOR)) == set()
    assert visible(None) == set()


def test_shipped_demo_districts_are_reproducible_from_the_shared_outline(tmp_path):
    import subprocess
    import sys

    from tests.conftest import need_shared

    outline = need_shared("data/tbilisi/tbilisi_city_boundary_geoboundaries.geojson")
    output = tmp_path / "districts.geojson"
    subprocess.run(
        [sys.executable, "scripts/make_demo_districts.py", str(outline), str(output)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    shipped = ROOT / "core" / "data" / "tbilisi-districts-demo.geojson"
    assert output.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")
