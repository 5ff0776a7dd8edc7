// The reports map: asks the server for what is inside the view (points, or counts per grid
// cell when zoomed out) each time the view changes. The list below works without it.
// Other modules' layers (located projects, petitions started from a report) are overlays
// of the same layer control as the public map's (map-layers.js).
import { addLayerControl } from "./map-layers.js";

const element = document.getElementById("report-map");

function outlines(map, url) {
  fetch(url)
    .then((response) => response.json())
    .then((collection) => {
      const layer = L.geoJSON(collection, {
        style: { color: "#0b5cad", weight: 1, fillOpacity: 0.03 },
        interactive: false,
      }).addTo(map);
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
    });
}

function marker(feature, latlng, clusterLabel) {
  const props = feature.properties;
  if (props.cluster) {
    const size = Math.min(60, 24 + Math.log2(props.count) * 4);
    const icon = L.divIcon({
      className: "map-cluster",
      html: String(props.count),
      iconSize: [size, size],
    });
    const label = clusterLabel.replace("{num}", props.count);
    return L.marker(latlng, { icon, title: label, alt: label });
  }
  const point = L.circleMarker(latlng, { radius: 6, color: "#8a1c1c", weight: 2 });
  const link = document.createElement("a");
  link.href = props.url;
  link.textContent = `#${props.id}`;
  return point.bindPopup(link);
}

if (element && window.L) {
  const map = L.map(element, { scrollWheelZoom: false }).setView([41.72, 44.8], 12);
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 19,
    attribution: element.dataset.attribution,
  }).addTo(map);
  outlines(map, element.dataset.districts);
  const layer = L.layerGroup().addTo(map);
  addLayerControl(map, { [element.dataset.reportsLabel]: layer });
  let latest = 0;
  const load = () => {
    const bounds = map.getBounds();
    const params = new URLSearchParams({
      bbox: [
        Math.max(bounds.getWest(), -180),
        Math.max(bounds.getSouth(), -90),
        Math.min(bounds.getEast(), 180),
        Math.min(bounds.getNorth(), 90),
      ]
        .map((n) => n.toFixed(5))
        .join(","),
      zoom: String(Math.round(map.getZoom())),
    });
    if (element.dataset.status) params.set("status", element.dataset.status);
    if (element.dataset.category) params.set("category", element.dataset.category);
    const ticket = ++latest;
    fetch(`${element.dataset.api}?${params}`)
      .then((response) => (response.ok ? response.json() : { features: [] }))
      .then((collection) => {
        if (ticket !== latest) return; // a later view has been asked for
        layer.clearLayers();
        L.geoJSON(collection, {
          pointToLayer: (feature, latlng) =>
            marker(feature, latlng, element.dataset.clusterLabel),
        }).addTo(layer);
      });
  };
  map.on("moveend", load);
  load();
}
