#!/usr/bin/env bash
# Installs the Debian packages Ghia needs, only those missing, so a second run is instant.
# PostGIS is installed for the PostgreSQL version that scripts/pg.sh runs (the newest one).
#   scripts/system-deps.sh [browser] [bench]
#   (browser: also Chromium for the browser tests; bench: also wrk for the load benchmarks)
set -euo pipefail
HERE=$(dirname "$0")
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
updated=""

apt_install() {
  echo "installing system packages: $*"
  if [ -z "$updated" ]; then
    $sudo apt-get update -qq
    updated=yes
  fi
  # Waits for another apt (a second make) instead of failing on its lock.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
    "$@" >/dev/null
}

need=()
"$HERE/pg.sh" version >/dev/null 2>&1 || need+=(postgresql)
python3 -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)
command -v npm >/dev/null || need+=(nodejs npm)
command -v msgfmt >/dev/null || need+=(gettext)
command -v flock >/dev/null || need+=(util-linux)
for extra in "$@"; do
  case "$extra" in
    browser) command -v chromium >/dev/null || need+=(chromium) ;;
    bench) command -v wrk >/dev/null || need+=(wrk) ;;
    *) echo "unknown extra: $extra" >&2; exit 2 ;;
  esac
done
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"

version=$("$HERE/pg.sh" version)
[ -f "/usr/share/postgresql/$version/extension/postgis.control" ] ||
  apt_install "postgresql-$version-postgis-3"
