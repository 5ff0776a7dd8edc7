// District maps: Leaflet over the configured tiles, district borders from the page or the API.
// Without JavaScript the page shows a drawn outline and a list of links instead. Tiles may not
// load (no network, a blocked server): the borders stay and a note says so. The map starts
// after the page's `load` event, so tiles that never answer cannot hold that event back.
import { addLayerControl } from "./map-layers.js";

const TILE_PATIENCE_MS = 8000;
const BORDER_STYLE = { color: "#0b5cad", weight: 2, fillOpacity: 0.08 };

function nameProperty() {
  return document.documentElement.lang === "en" ? "name_en" : "name_ka";
}

function showTileNote() {
  const note = document.querySelector("[data-map-note]");
  if (note) note.hidden = false;
}

function addTiles(map, element) {
  let loaded = false;
  const tiles = L.tileLayer(element.dataset.tiles, {
    maxZoom: 19,
    attribution: element.dataset.attribution,
  });
  tiles.on("tileload", () => {
    loaded = true;
  });
  tiles.on("tileerror", showTileNote);
  tiles.addTo(map);
  setTimeout(() => {
    if (!loaded) showTileNote();
  }, TILE_PATIENCE_MS);
}

function fit(map, layer) {
  if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
}

function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

// Small screens and the dense centre: a name that would cover another waits for a closer zoom
// (the district's own tooltip still names it on hover or tap).
function declutter(labels) {
  const kept = [];
  for (const label of labels) {
    const element = label.getElement();
    if (!element) continue;
    element.style.visibility = "";
    const box = element.getBoundingClientRect();
    if (kept.some((other) => overlaps(box, other))) element.style.visibility = "hidden";
    else kept.push(box);
  }
}

// Names at the point PostGIS chose inside each district (ST_PointOnSurface), from the list.
function addLabels(map) {
  const labels = [];
  for (const place of document.querySelectorAll("[data-district-place]")) {
    const link = place.querySelector("a");
    const point = [Number(place.dataset.lat), Number(place.dataset.lon)];
    const label = L.tooltip({ permanent: true, direction: "center", className: "district-label" })
      .setLatLng(point)
      .setContent(link.textContent);
    labels.push(label.addTo(map));
  }
  declutter(labels);
  map.on("zoomend moveend resize", () => declutter(labels));
  // The web font changes the names' widths when it arrives: measure again, then say so.
  document.fonts.ready.then(() => {
    declutter(labels);
    map.getContainer().dataset.labelsPlaced = "true";
  });
}

function pageOf(slug) {
  const place = document.querySelector(`[data-district-place][data-slug="${slug}"] a`);
  return place ? place.href : null;
}

function showAllDistricts(map, element) {
  fetch(element.dataset.geojson)
    .then((response) => response.json())
    .then((collection) => {
      const name = nameProperty();
      const layer = L.geoJSON(collection, {
        style: BORDER_STYLE,
        onEachFeature: (feature, shape) => {
          shape.bindTooltip(feature.properties[name], { sticky: true });
          const href = pageOf(feature.properties.slug);
          if (href) shape.on("click", () => window.location.assign(href));
        },
      }).addTo(map);
      fit(map, layer);
      addLabels(map);
      addLayerControl(map); // the public map page's other layers (petitions, projects)
    });
}

// A choropleth: each district coloured by its value in `data-values` ({slug: {value, text}}),
// in five equal steps up to the largest; the page's table holds the same numbers.
const STEPS = ["#eef4fb", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];

function stepOf(value, largest) {
  if (!value || !largest) return 0;
  return Math.min(STEPS.length - 1, Math.ceil((value / largest) * (STEPS.length - 1)));
}

function addLegend(map, element, largest) {
  const format = new Intl.NumberFormat(document.documentElement.lang);
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = () => {
    const box = L.DomUtil.create("div", "map-legend");
    const title = L.DomUtil.create("strong", "", box);
    title.textContent = element.dataset.legend;
    STEPS.forEach((colour, step) => {
      const low = step === 0 ? 0 : Math.floor(((step - 1) * largest) / (STEPS.length - 1)) + 1;
      const high = Math.floor((step * largest) / (STEPS.length - 1));
      if (low > high) return; // no whole number falls in this step
      const line = L.DomUtil.create("div", "", box);
      const swatch = L.DomUtil.create("span", "map-legend-swatch", line);
      swatch.style.background = colour;
      const range = low === high ? format.format(low) : `${format.format(low)}–${format.format(high)}`;
      line.append(document.createTextNode(range));
    });
    return box;
  };
  legend.addTo(map);
}

function showValues(map, element) {
  const values = JSON.parse(element.dataset.values);
  const largest = Math.max(0, ...Object.values(values).map((entry) => entry.value));
  fetch(element.dataset.geojson)
    .then((response) => response.json())
    .then((collection) => {
      const name = nameProperty();
      const layer = L.geoJSON(collection, {
        style: (feature) => {
          const entry = values[feature.properties.slug];
          const colour = STEPS[stepOf(entry ? entry.value : 0, largest)];
          return { ...BORDER_STYLE, fillColor: colour, fillOpacity: 0.75 };
        },
        onEachFeature: (feature, shape) => {
          const entry = values[feature.properties.slug];
          const text = entry ? entry.text : "";
          shape.bindTooltip(`${feature.properties[name]}: ${text}`, { sticky: true });
        },
      }).addTo(map);
      fit(map, layer);
      addLegend(map, element, largest);
      element.dataset.coloured = "true";
    });
}

function showOneDistrict(map, element) {
  const layer = L.geoJSON(JSON.parse(element.dataset.feature), { style: BORDER_STYLE }).addTo(map);
  fit(map, layer);
}

function start() {
  const element = document.getElementById("district-map");
  if (!element || !window.L) return;
  element.querySelector(".district-outline")?.remove();
  element.hidden = false; // a map that needs JavaScript is hidden without it
  const map = L.map(element, { scrollWheelZoom: false }).setView([41.72, 44.8], 11);
  addTiles(map, element);
  if (element.dataset.feature) showOneDistrict(map, element);
  else if (element.dataset.values) showValues(map, element);
  else showAllDistricts(map, element);
}

if (document.readyState === "complete") start();
else window.addEventListener("load", start);
