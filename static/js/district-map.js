// District maps: Leaflet over the configured tiles, district borders from the page or the API.
// Without JavaScript the page shows a drawn outline and a list of links instead. Tiles may not
// load (no network, a blocked server): the borders stay and a note says so. The map starts
// after the page's `load` event, so tiles that never answer cannot hold that event back.
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
  const map = L.map(element, { scrollWheelZoom: false }).setView([41.72, 44.8], 11);
  addTiles(map, element);
  if (element.dataset.feature) showOneDistrict(map, element);
  else showAllDistricts(map, element);
}

if (document.readyState === "complete") start();
else window.addEventListener("load", start);
