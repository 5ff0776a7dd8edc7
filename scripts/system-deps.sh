#!/usr/bin/env bash
# Installs the Debian packages Ghia needs, only those missing, so a second run is instant.
#   scripts/system-deps.sh [browser]   (browser: also Chromium for the browser tests)
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need+=(postgresql-15-postgis-3)
python3 -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)
command -v npm >/dev/null || need+=(nodejs npm)
command -v msgfmt >/dev/null || need+=(gettext)
[ "${1:-}" = browser ] && { command -v chromium >/dev/null || need+=(chromium); }
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing system packages: ${need[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
