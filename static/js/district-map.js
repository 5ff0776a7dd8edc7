// The district map: Leaflet with the configured tiles and the districts as GeoJSON.
const element = document.getElementById("district-map");
if (element && window.L) {
  const map = L.map(element, { scrollWheelZoom: false }).setView([41.72, 44.8], 11);
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 19,
    attribution: element.dataset.attribution,
  }).addTo(map);
  fetch(element.dataset.geojson)
    .then((response) => response.json())
    .then((collection) => {
      const name = document.documentElement.lang === "en" ? "name_en" : "name_ka";
      const layer = L.geoJSON(collection, {
        style: { color: "#0b5cad", weight: 2, fillOpacity: 0.08 },
        onEachFeature: (feature, shape) => shape.bindTooltip(feature.properties[name]),
      }).addTo(map);
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
    });
}
