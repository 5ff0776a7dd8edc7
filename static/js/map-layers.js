// Other modules' map layers (registry.add_map_layer: located budget projects, petitions
// started from a report), listed by the page in `[data-map-layer]` items, as overlays that a
// layer control (checkboxes, usable by keyboard) shows and hides. Each loads once, when
// first shown. Used by the public map page and the reports map (report-map.js).

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
            }).bindPopup(popup(feature.properties)),
        }).addTo(group);
      });
  });
  return group;
}

function escapeHtml(text) {
  const span = document.createElement("span");
  span.textContent = text;
  return span.innerHTML;
}

// Adds the page's layers to `overlays` ({label: layer}) and a control for all of them; a page
// without layers gets no control.
export function addLayerControl(map, overlays = {}) {
  const all = { ...overlays };
  document.querySelectorAll("[data-map-layer]").forEach((item, index) => {
    const key = `<span class="map-layer-key map-layer-${index % LAYER_STYLES.length}"></span>`;
    all[`${key}${escapeHtml(item.dataset.label)}`] = overlay(item, index);
  });
  if (Object.keys(all).length) L.control.layers(null, all, { collapsed: false }).addTo(map);
}
