"""Reads for the smart map pages, the triage desk, the GeoJSON API and Open311."""

import functools
import json
import math
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    String,
    bindparam,
    cast,
    column,
    func,
    literal,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import selectinload

from core.db import db, execute_core, utcnow
from core.links import LinkTarget
from core.models import District, RoleGrant, User
from core.permissions import district_scope
from smartmap.models import OPEN_STATUSES, Category, Report, ReportStatus

PER_PAGE = 20
MAX_FEATURES = 2000
ANY_ID = 2147483647  # stands for each report's id in a path built once
# From this zoom on (street level) up to MAX_FEATURES reports are shown one by one; when zoomed
# out, up to FEW_FEATURES; with more in view the answer is counts per grid cell.
STREET_ZOOM = 15
FEW_FEATURES = 300
# Zoomed out over a big table, clusters come from the grid refreshed every minute
# (map_report_grid, a materialized view: counting a million rows per request takes seconds;
# a zoom-15 view's 30,000 reports, 15 ms). Its finest level, 16, holds each cell's total only,
# so a filtered map at zoom 15-16 is counted live; points (zoom 17 on) are always live.
GRID_FROM_REPORTS = 100_000
GRID_LEVELS = (10, 12, 14, 16)
GRID = table(
    "map_report_grid",
    column("level"),
    column("cx"),
    column("cy"),
    column("status"),
    column("category_id"),
    column("n"),
    column("sx"),
    column("sy"),
)


@dataclass
class Filters:
    status: str | None = None
    category: str | None = None
    district: str | None = None
    assignee: int | None = None
    older_than_days: int | None = None


def _filtered(statement, filters: Filters):
    if filters.status in set(ReportStatus):
        statement = statement.where(Report.status == filters.status)
    elif filters.status == "open":
        statement = statement.where(Report.status.in_(OPEN_STATUSES))
    if filters.category:
        statement = statement.join(Category).where(Category.code == filters.category)
    if filters.district:
        statement = statement.join(District, District.id == Report.district_id).where(
            District.slug == filters.district
        )
    if filters.assignee:
        statement = statement.where(Report.assignee_id == filters.assignee)
    if filters.older_than_days:
        since = utcnow() - timedelta(days=filters.older_than_days)
        statement = statement.where(Report.created_at <= since)
    return statement


def public_page(page: int, filters: Filters):
    statement = _filtered(select(Report), filters).order_by(Report.created_at.desc(), Report.id)
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)


def overdue_condition():
    """Open and older than its category's target number of days."""
    target = func.make_interval(0, 0, 0, Category.target_days)  # years, months, weeks, days
    return Report.status.in_(OPEN_STATUSES) & (Report.created_at + target < func.now())


def queue_page(user, page: int, filters: Filters):
    """The triage queue, scoped in SQL to the districts the user serves; oldest first. Also the
    ids of the page's overdue reports."""
    statement = _filtered(district_scope(select(Report), user, Report.district_id), filters)
    result = db.paginate(
        statement.order_by(Report.created_at, Report.id),
        page=page,
        per_page=PER_PAGE,
        error_out=False,
    )
    ids = [report.id for report in result.items]
    overdue = select(Report.id).join(Category, Category.id == Report.category_id)
    overdue = overdue.where(Report.id.in_(ids), overdue_condition())
    return result, set(db.session.scalars(overdue))


def scoped_reports(user, ids: list[int]) -> list[Report]:
    """The reports among `ids` that the user may triage (bulk actions)."""
    statement = district_scope(select(Report).where(Report.id.in_(ids)), user, Report.district_id)
    return list(db.session.scalars(statement.order_by(Report.id)))


def colleagues(report: Report) -> list[User]:
    """Staff of the report's district, to assign it to."""
    statement = (
        select(User)
        .join(RoleGrant)
        .where(RoleGrant.district_id == report.district_id, User.active)
        .order_by(User.name)
    )
    return list(db.session.scalars(statement))


def detail(report_id: int) -> Report | None:
    statement = (
        select(Report)
        .where(Report.id == report_id)
        .options(selectinload(Report.updates), selectinload(Report.photos))
    )
    return db.session.scalars(statement).first()


def lon_lat(report: Report) -> tuple[float, float]:
    row = db.session.execute(
        select(func.ST_X(Report.location), func.ST_Y(Report.location)).where(Report.id == report.id)
    ).one()
    return row[0], row[1]


# The map's answers. Each statement is built once per shape (filters, a box across the
# antimeridian) with the view's numbers bound as parameters: building SQLAlchemy expressions
# cost more Python time per request than the rest of the request together.


def _view(bbox, status, category, **more) -> dict:
    west, south, east, north = bbox
    box = {"west": west, "south": south, "east": east, "north": north}
    return {**box, "status": status, "category": category, **more}


def _shape(bbox, status, category) -> tuple[bool, bool, bool]:
    return bbox[0] > bbox[2], bool(status), bool(category)


def _in_view(statement, crosses: bool):
    """Inside the box :west, :south, :east, :north; a box with west > east crosses the
    antimeridian (two halves)."""
    west, south, east, north = (
        bindparam(n, type_=Float) for n in ("west", "south", "east", "north")
    )
    if not crosses:
        box = func.ST_MakeEnvelope(west, south, east, north, 4326)
        return statement.where(Report.location.op("&&")(box))
    halves = [
        func.ST_MakeEnvelope(west, south, 180, north, 4326),
        func.ST_MakeEnvelope(-180, south, east, north, 4326),
    ]
    return statement.where(or_(*(Report.location.op("&&")(half) for half in halves)))


def _category_id():
    return (
        select(Category.id)
        .where(Category.code == bindparam("category", type_=String))
        .scalar_subquery()
    )


def _map_filters(statement, by_status: bool, by_category: bool):
    """Only the :status and the :category asked for."""
    if by_status:
        statement = statement.where(Report.status == bindparam("status", type_=String))
    if by_category:
        statement = statement.where(Report.category_id == _category_id())
    return statement


def features(bbox, zoom: int, status: str | None = None, category: str | None = None) -> dict:
    """What the map shows in `bbox`, as a dict (see `features_geojson`)."""
    return json.loads(features_geojson(bbox, zoom, status, category))


def features_geojson(
    bbox, zoom: int, status: str | None = None, category: str | None = None
) -> str:
    """What the map shows in `bbox` as GeoJSON text: the reports when few, else counts per
    grid cell. PostgreSQL writes and joins the features; none passes through Python objects
    (a street view holds up to MAX_FEATURES of them)."""
    joined = _joined_features(bbox, zoom, status, category)
    return '{"type":"FeatureCollection","features":[' + joined + "]}"


def _joined_features(bbox, zoom: int, status, category) -> str:
    limit = MAX_FEATURES if zoom >= STREET_ZOOM else FEW_FEATURES
    level = _grid_level(zoom, bool(status or category))
    if level is None or not _big_table():
        count, points = _points(bbox, status, category, limit)
        return points if count <= limit else _clusters(bbox, zoom, status, category)
    # A big city's zoomed-out view is mostly over the limit. When the grid's cells wholly
    # inside the view already hold more reports than that, none is read (as its counts, this
    # may lag the grid's minute); a view with few reports is answered with its points.
    inside, clusters = _grid_clusters(bbox, zoom, level, status, category)
    if inside > limit:
        return clusters
    count, points = _points(bbox, status, category, limit)
    return points if count <= limit else clusters


def _joined(feature) -> ColumnElement:
    """The rows' feature texts joined by commas (an aggregate; empty for no row). The
    collection around them is written in Python: concat() over a street view's 270 KB cost
    PostgreSQL a quarter of its time for the answer."""
    return func.coalesce(func.string_agg(feature, literal(",")), literal(""))


def _cluster_feature(count, geometry) -> ColumnElement:
    return func.concat(
        literal('{"type":"Feature","geometry":'),
        func.ST_AsGeoJSON(geometry, 6),
        literal(',"properties":{"cluster":true,"count":'),
        count,
        literal("}}"),
    )


def _points(bbox, status, category, limit: int) -> tuple[int, str]:
    """How many reports are in view, up to `limit` + 1, and their features joined, in one
    statement (the features are of no use when over the limit)."""
    statement, params = _points_query(bbox, status, category, limit)
    count, joined = execute_core(statement, params).one()
    return count, joined


def _points_query(bbox, status, category, limit: int) -> tuple:
    """The stored features (migration 7b3d9e1f4a62 writes the detail page's path at the site's
    root into them); composed per request for an app mounted elsewhere."""
    params = _view(bbox, status, category, limit=limit)
    path = url_for("smartmap.detail", report_id=ANY_ID)
    if path == f"/map/reports/{ANY_ID}":
        return _stored_points_statement(*_shape(bbox, status, category)), params
    # One url_for, not thousands: the same route with each id put in its place.
    url_start, url_end = json.dumps(path).split(str(ANY_ID))
    params = {**params, "url_start": url_start, "url_end": url_end}
    return _points_statement(*_shape(bbox, status, category)), params


@functools.cache
def _stored_points_statement(crosses: bool, by_status: bool, by_category: bool):
    """The reports' features as the database keeps them written (Report.feature): joined
    with commas, nothing composed per report. Counted and joined in one pass (a view over the
    limit wastes the joining, which costs less than reading the rows twice for the others)."""
    inside = _map_filters(_in_view(select(Report.feature), crosses), by_status, by_category)
    hit = inside.limit(bindparam("limit", type_=Integer) + 1).subquery("hit")
    return select(func.count(), _joined(hit.c.feature))


@functools.cache
def _points_statement(crosses: bool, by_status: bool, by_category: bool):
    limit = bindparam("limit", type_=Integer)
    inside = select(Report.id, Report.status, Report.category_id, Report.location)
    inside = _map_filters(_in_view(inside, crosses), by_status, by_category)
    hit = inside.limit(limit + 1).cte("hit")
    # Category codes are free text: JSON-quoted once per category, not once per report.
    codes = select(Category.id, func.to_json(Category.code).label("code")).subquery("codes")
    feature = func.concat(
        literal('{"type":"Feature","geometry":'),
        func.ST_AsGeoJSON(hit.c.location, 6),
        literal(',"properties":{"id":'),
        hit.c.id,
        literal(',"status":"'),
        hit.c.status,  # one of ReportStatus (a CHECK constraint): nothing to escape
        literal('","category":'),
        codes.c.code,
        literal(',"url":'),
        bindparam("url_start", type_=String),
        hit.c.id,
        bindparam("url_end", type_=String),
        literal("}}"),
    )
    found = select(func.count()).select_from(hit).scalar_subquery()
    statement = select(found, _joined(feature)).select_from(
        hit.join(codes, codes.c.id == hit.c.category_id)
    )
    return statement.where(found <= limit)


def cell_size(zoom: int) -> float:
    """Degrees per grid cell: about 64 screen pixels at this zoom."""
    return 360.0 / (2**zoom) / 4


def _clusters(bbox, zoom: int, status, category) -> str:
    statement = _clusters_statement(*_shape(bbox, status, category))
    params = _view(bbox, status, category, size=cell_size(zoom), most=MAX_FEATURES)
    return execute_core(statement, params).scalar_one()


@functools.cache
def _clusters_statement(crosses: bool, by_status: bool, by_category: bool):
    size = bindparam("size", type_=Float)
    x, y = func.ST_X(Report.location), func.ST_Y(Report.location)
    count = func.count().label("n")
    # Cells numbered as map_report_grid numbers them; grouping by two integers and averaging
    # coordinates costs half of grouping by snapped geometries and collecting them.
    cells = select(count, func.avg(x).label("x"), func.avg(y).label("y"))
    cells = cells.group_by(func.floor(x / size), func.floor(y / size))
    cells = _map_filters(_in_view(cells, crosses), by_status, by_category)
    # A view too wide for its zoom keeps its biggest clusters, never an arbitrary sample.
    cells = cells.order_by(count.desc()).limit(bindparam("most", type_=Integer)).subquery("cells")
    centre = func.ST_MakePoint(cells.c.x, cells.c.y)
    return select(_joined(_cluster_feature(cells.c.n, centre)))


def _big_table() -> bool:
    """The planner's estimate of map_report's rows (refreshed by ANALYZE), asked once a minute
    per process: a city does not cross GRID_FROM_REPORTS back and forth."""
    return _estimate_rows(int(time.monotonic() // 60)) >= GRID_FROM_REPORTS


@functools.lru_cache(maxsize=1)
def _estimate_rows(minute: int) -> float:
    estimate = db.session.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = 'map_report'::regclass")
    )
    return estimate or 0


def refresh_grid() -> None:
    """Recount the grid; readers keep the old counts meanwhile (CONCURRENTLY). A small city's
    maps count live and never read it, so it is not recounted for them."""
    if not _big_table():
        return
    db.session.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY map_report_grid"))


def _grid_level(zoom: int, filtered: bool) -> int | None:
    """The coarsest grid level at least as fine as this zoom's cells, if the grid has one."""
    levels = GRID_LEVELS[:-1] if filtered else GRID_LEVELS  # the finest holds totals only
    return next((level for level in levels if level >= zoom), None)


def _grid_clusters(bbox, zoom: int, level: int, status, category) -> tuple[int, str]:
    """The reports in the grid's cells wholly inside the view, and the counts per cell of
    this zoom from a grid level at least as fine."""
    west, south, east, north = (math.floor(v / cell_size(level)) for v in bbox)
    cells = {"west": west, "south": south, "east": east, "north": north}
    params = {**cells, "level": level, "factor": float(2 ** (level - zoom)), "most": MAX_FEATURES}
    statement = _grid_statement(*_shape(bbox, status, category))
    inside, joined = execute_core(
        statement, {**params, "status": status, "category": category}
    ).one()
    return int(inside), joined


@functools.cache
def _grid_statement(crosses: bool, by_status: bool, by_category: bool):
    factor = bindparam("factor", type_=Float)
    gx, gy = func.floor(GRID.c.cx / factor), func.floor(GRID.c.cy / factor)
    # Without a filter, a cell's total over every status ('*') or category (0).
    status = bindparam("status", type_=String) if by_status else literal("*")
    category = _category_id() if by_category else literal(0)
    conditions = (
        GRID.c.level == bindparam("level", type_=Integer),
        GRID.c.status == status,
        GRID.c.category_id == category,
    )
    count = func.sum(GRID.c.n)
    cells = (
        select(
            count.label("n"),
            (func.sum(GRID.c.sx) / count).label("x"),
            (func.sum(GRID.c.sy) / count).label("y"),
        )
        .where(_grid_box(crosses), *conditions)
        .group_by(gx, gy)
        .order_by(count.desc())  # the biggest cells, as in _clusters
        .limit(bindparam("most", type_=Integer))
        .subquery("cells")
    )
    inside = select(func.coalesce(count, 0)).where(_grid_box(crosses, inner=True), *conditions)
    centre = func.ST_MakePoint(cast(cells.c.x, Float), cast(cells.c.y, Float))
    return select(inside.scalar_subquery(), _joined(_cluster_feature(cells.c.n, centre)))


def _grid_box(crosses: bool, inner: bool = False):
    """Cells :west to :east (cell numbers), :south to :north: those the view touches, or with
    `inner` those wholly inside it (not the cells its edges cross)."""
    west, south, east, north = (bindparam(n) for n in ("west", "south", "east", "north"))
    if inner:
        rows = (GRID.c.cy > south) & (GRID.c.cy < north)
        after_west, before_east = GRID.c.cx > west, GRID.c.cx < east
    else:
        rows = GRID.c.cy.between(south, north)
        after_west, before_east = GRID.c.cx >= west, GRID.c.cx <= east
    if not crosses:
        return rows & after_west & before_east
    return rows & (after_west | before_east)


def district_statistics(district_id: int | None = None) -> list[dict]:
    """Per district: open, overdue, fixed, reopened, median days to fix."""
    fix_days = func.extract("epoch", Report.fixed_at - Report.created_at) / 86400
    statement = (
        select(
            District.slug,
            District.name_ka,
            District.name_en,
            func.count().filter(Report.status.in_(OPEN_STATUSES)),
            func.count().filter(overdue_condition()),
            func.count().filter(Report.status == ReportStatus.FIXED),
            func.coalesce(func.sum(Report.reopened_count), 0),
            func.percentile_cont(0.5).within_group(fix_days).filter(Report.fixed_at.is_not(None)),
        )
        .select_from(District)
        .outerjoin(Report, Report.district_id == District.id)
        .outerjoin(Category, Category.id == Report.category_id)
        .group_by(District.id)
        .order_by(District.name_ka)
    )
    if district_id:
        statement = statement.where(District.id == district_id)
    keys = ("slug", "name_ka", "name_en", "open", "overdue", "fixed", "reopened", "median_days")
    return [dict(zip(keys, row, strict=True)) for row in db.session.execute(statement)]


def latest(district: District | None, limit: int = 30) -> list[Report]:
    statement = select(Report).order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)
    if district is not None:
        statement = statement.where(Report.district_id == district.id)
    return list(db.session.scalars(statement))


def district_panel(district: District, limit: int = 5) -> dict:
    """A district page's panel: its latest open reports and its statistics."""
    statement = (
        select(Report)
        .where(Report.district_id == district.id, Report.status.in_(OPEN_STATUSES))
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return {
        "district": district,
        "reports": list(db.session.scalars(statement)),
        "statistics": district_statistics(district.id)[0],
    }


def link_targets(ids: list[int], user) -> list[LinkTarget]:
    statement = select(Report).where(Report.id.in_(ids))
    return [
        LinkTarget(
            report.ref,
            _("Report"),
            f"#{report.id} {report.category.name}",
            url_for("smartmap.detail", report_id=report.id),
            report.status_label,
        )
        for report in db.session.scalars(statement)
    ]


def locate(ids: list[int]) -> dict[int, tuple[float, float]]:
    """Where the reports among `ids` are, as (longitude, latitude), in one query."""
    rows = db.session.execute(
        select(Report.id, func.ST_X(Report.location), func.ST_Y(Report.location)).where(
            Report.id.in_(ids)
        )
    )
    return {report_id: (lon, lat) for report_id, lon, lat in rows}
