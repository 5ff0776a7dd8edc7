"""Make the approximate demo districts: Voronoi cells around the district centres, clipped to
the city outline. Run once by a maintainer (it needs ../shared); the result is committed.

    .venv/bin/python scripts/make_demo_districts.py [OUTLINE] [OUTPUT]
"""

import csv
import json
import sys
from pathlib import Path

from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon, mapping, shape
from shapely.ops import voronoi_diagram

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "tbilisi"
ATTRIBUTION = (
    "City outline © OpenStreetMap contributors (via geoBoundaries), ODbL 1.0. District borders"
    " are approximate Voronoi cells around district centres, not official boundaries."
)
# Approximate centre (lon, lat) of each district's built-up area.
CENTRES = {
    "mtatsminda": (44.785, 41.690),
    "vake": (44.735, 41.705),
    "saburtalo": (44.745, 41.738),
    "krtsanisi": (44.815, 41.660),
    "isani": (44.835, 41.695),
    "samgori": (44.890, 41.705),
    "chughureti": (44.808, 41.722),
    "didube": (44.778, 41.745),
    "nadzaladevi": (44.790, 41.765),
    "gldani": (44.820, 41.805),
}
KM2_PER_SQUARE_DEGREE = 111.32 * 83.2  # at 41.7° N


def rounded(geometry: MultiPolygon) -> dict:
    data = mapping(geometry)
    data["coordinates"] = [
        [[[round(x, 5), round(y, 5)] for x, y in ring] for ring in polygon]
        for polygon in data["coordinates"]
    ]
    return data


def cells(outline) -> dict[str, MultiPolygon]:
    diagram = voronoi_diagram(
        MultiPoint([Point(*centre) for centre in CENTRES.values()]),
        envelope=outline.envelope.buffer(0.1),
    )
    result = {}
    for slug, centre in CENTRES.items():
        cell = next(c for c in diagram.geoms if c.contains(Point(*centre)))
        clipped = cell.intersection(outline)
        result[slug] = MultiPolygon([clipped]) if isinstance(clipped, Polygon) else clipped
    return result


def main(outline_path: Path, output: Path) -> None:
    outline = shape(json.loads(outline_path.read_text())["features"][0]["geometry"])
    with (SHARED / "tbilisi_districts_osm_relations.csv").open(encoding="utf-8") as handle:
        names = {row["district_en"].lower(): row for row in csv.DictReader(handle)}
    features = []
    for slug, geometry in cells(outline).items():
        row = names[slug]
        print(f"{slug:12} {geometry.area * KM2_PER_SQUARE_DEGREE:6.1f} km²")
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "slug": slug,
                    "name_ka": row["district_ka"],
                    "name_en": f"{row['district_en']} District",
                    "osm_relation_id": int(row["osm_relation_id"]),
                    "approximate": True,
                },
                "geometry": rounded(geometry),
            }
        )
    collection = {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}
    output.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(
        Path(args[0]) if args else SHARED / "tbilisi_city_boundary_geoboundaries.geojson",
        Path(args[1]) if len(args) > 1 else ROOT / "core/data/tbilisi-districts-demo.geojson",
    )
