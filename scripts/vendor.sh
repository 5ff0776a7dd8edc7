#!/usr/bin/env bash
# Copies the front-end packages installed by npm into static/vendor/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf static/vendor && mkdir -p static/vendor/leaflet static/vendor/noto-sans-georgian static/vendor/chart.js
cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
  node_modules/leaflet/dist/images static/vendor/leaflet/
font=node_modules/@fontsource/noto-sans-georgian
cp -r "$font/files" "$font/400.css" "$font/700.css" "$font/LICENSE" static/vendor/noto-sans-georgian/
cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md static/vendor/chart.js/
