// The reports map: asks the server for what is inside the view (points, or counts per grid
// cell when zoomed out) each time the view changes. The list below works without it.
// Other modules' layers (located projects, petitions started from a report) are overlays
// that a layer control (checkboxes) shows and hides.
const element = document.getElementById("report-map");

// Each overlay its own marker: colour and shape (dashes) so they differ without colour too.
const LAYER_STYLES = [
  { color: "#5b2a86", fillColor: "#b58ad6", dashArray: "3 3", radius: 9 },
  { color: "#1d6b2f", fillColor: "#7fc98f", dashArray: "", radius: 8 },
  { color: "#8a5a00", fillColor: "#f0c060", dashArray: "6 2", radius: 8 },
];

function popup(props) {
  const box = document.createElement("div");
  const link = document.createElement("a");
  link.href = props.url;
  link.textContent = props.title;
  box.append(link);
  for (const text of [props.status, props.cost]) {
    if (!text) continue;
    const line = document.createElement("div");
    line.textContent = text;
    box.append(line);
  }
  return box;
}

function overlay(item, index) {
  const style = LAYER_STYLES[index % LAYER_STYLES.length];
  const group = L.layerGroup();
  group.on("add", () => {
    if (group.getLayers().length) return; // loaded once: these layers are small
    fetch(item.dataset.url)
      .then((response) => (response.ok ? response.json() : { features: [] }))
      .then((collection) => {
        L.geoJSON(collection, {
          pointToLayer: (feature, latlng) =>
            L.circleMarker(latlng, {
              weight: 2,
              fillOpacity: 0.8,
              className: `map-layer-marker map-layer-${item.dataset.name}`,
              ...style,
            })
              .bindPopup(popup(feature.properties)),
        }).addTo(group);
      });
  });
  return group;
}

function layerControl(map, reports) {
  const overlays = { [element.dataset.reportsLabel]: reports };
  document.querySelectorAll("[data-map-layer]").forEach((item, index) => {
    const label = `<span class="map-layer-key map-layer-${index % LAYER_STYLES.length}"></span>`;
    overlays[`${label}${escapeHtml(item.dataset.label)}`] = overlay(item, index);
  });
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);
}

function escapeHtml(text) {
  const span = document.createElement("span");
  span.textContent = text;
  return span.innerHTML;
}

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
  layerControl(map, layer);
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
