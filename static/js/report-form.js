// The report form's map: a click (or the device's position, or an address when a geocoder is
// set up) fills in the latitude and longitude fields, which can also be typed by hand.
const element = document.getElementById("place-map");
const latitude = document.getElementById("latitude");
const longitude = document.getElementById("longitude");

function setPlace(map, state, lat, lon) {
  latitude.value = lat.toFixed(6);
  longitude.value = lon.toFixed(6);
  if (state.marker) state.marker.setLatLng([lat, lon]);
  else state.marker = L.marker([lat, lon], { keyboard: false }).addTo(map);
}

function typedPlace() {
  const lat = Number.parseFloat(latitude.value);
  const lon = Number.parseFloat(longitude.value);
  return Number.isFinite(lat) && Number.isFinite(lon) ? [lat, lon] : null;
}

if (element && window.L && latitude && longitude) {
  const map = L.map(element, { scrollWheelZoom: false }).setView([41.7151, 44.8271], 12);
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 19,
    attribution: element.dataset.attribution,
  }).addTo(map);
  fetch(element.dataset.districts)
    .then((response) => response.json())
    .then((collection) =>
      L.geoJSON(collection, {
        style: { color: "#0b5cad", weight: 1, fillOpacity: 0.03 },
        interactive: false,
      }).addTo(map),
    );
  const state = { marker: null };
  const typed = typedPlace();
  if (typed) setPlace(map, state, ...typed);
  map.on("click", (event) => setPlace(map, state, event.latlng.lat, event.latlng.lng));
  for (const input of [latitude, longitude]) {
    input.addEventListener("change", () => {
      const place = typedPlace();
      if (place) {
        setPlace(map, state, ...place);
        map.panTo(place);
      }
    });
  }
  const button = document.getElementById("use-position");
  const status = document.getElementById("position-status");
  if (button && navigator.geolocation) {
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator.geolocation.getCurrentPosition(
        (position) => {
          const { latitude: lat, longitude: lon } = position.coords;
          setPlace(map, state, lat, lon);
          map.setView([lat, lon], 17);
          status.textContent = "✓";
        },
        (error) => {
          status.textContent = error.message;
        },
      );
    });
  }
  const address = document.getElementById("address");
  const find = document.getElementById("find-address");
  if (address && find) {
    find.addEventListener("click", () => {
      const url = `${address.dataset.geocoder}/search?format=json&limit=1&q=${encodeURIComponent(address.value)}`;
      fetch(url)
        .then((response) => response.json())
        .then((results) => {
          if (!results.length) return;
          const lat = Number.parseFloat(results[0].lat);
          const lon = Number.parseFloat(results[0].lon);
          setPlace(map, state, lat, lon);
          map.setView([lat, lon], 17);
        });
    });
  }
}

// The chosen category's own questions show; the others' wait (the server reads only the
// chosen category's answers, so nothing typed elsewhere is sent as an answer).
const category = document.getElementById("category");
function showQuestions() {
  for (const set of document.querySelectorAll("[data-questions-for]")) {
    set.hidden = set.dataset.questionsFor !== category.value;
  }
}
if (category) {
  category.addEventListener("change", showQuestions);
  showQuestions();
}
