#!/usr/bin/env bash
# Builds the web app into web/dist/ (idempotent, well under a second). Type checking is separate: check.sh.
#
#   web/build.sh          production build: minified, registers the service worker
#   web/build.sh --dev    development build: readable, a missing i18n key throws, no service worker
#
# Everything comes from Debian packages: esbuild, React and i18next under /usr/share/nodejs, Leaflet (the live
# map) from libjs-leaflet under /usr/share/javascript/leaflet.
#
# Optional settings, from the environment:
#   SETRAG_MAP_TILES_URL           tile URL template of the live map's background, e.g.
#                                  https://tiles.example.ga/{z}/{x}/{y}.png or /tiles/{z}/{x}/{y}.png; unset: no
#                                  tiles (the line and stations are drawn from SETRAG's own data)
#   SETRAG_MAP_TILES_ATTRIBUTION   the tiles' licence notice, HTML (e.g. '&copy; OpenStreetMap contributors')
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

mode=production
case "${1:-}" in
  "") ;;
  --dev) mode=development ;;
  *) echo "usage: $0 [--dev]" >&2; exit 2 ;;
esac

out=dist
next="$out.next"
rm -rf "$next"
trap 'rm -rf "$next"' EXIT
mkdir -p "$next"

flags=(--bundle --sourcemap --target=es2019 --jsx=automatic --log-level=warning)
if [[ $mode == production ]]; then
  flags+=(--minify --define:__DEV__=false '--define:process.env.NODE_ENV="production"')
else
  flags+=(--define:__DEV__=true '--define:process.env.NODE_ENV="development"')
fi

# main.tsx imports app.css, so esbuild writes app.css beside app.js.
NODE_PATH=/usr/share/nodejs esbuild src/main.tsx "${flags[@]}" --outfile="$next/app.js"

cp -R public/. "$next/"
python3 tools/make_icons.py "$next/icons"

# Leaflet, loaded by the live map only (the other pages never download it).
leaflet=/usr/share/javascript/leaflet
if [[ ! -f $leaflet/leaflet.js ]]; then
  echo "build.sh: $leaflet/leaflet.js is missing: apt-get install libjs-leaflet (script/bootstrap does)" >&2
  exit 1
fi
mkdir -p "$next/vendor/leaflet/images"
cp -L "$leaflet/leaflet.css" "$next/vendor/leaflet/"
cp -L "$leaflet"/images/*.png "$next/vendor/leaflet/images/"
if [[ $mode == production ]]; then
  cp -L "$leaflet/leaflet.min.js" "$next/vendor/leaflet/leaflet.js"
  if [[ -f $leaflet/leaflet.min.js.map ]]; then cp -L "$leaflet/leaflet.min.js.map" "$next/vendor/leaflet/"; fi
else
  cp -L "$leaflet/leaflet.js" "$next/vendor/leaflet/leaflet.js"
fi

# The live map's tiles, if configured: written (HTML-escaped) into index.html, where the app reads them.
SETRAG_MAP_TILES_URL="${SETRAG_MAP_TILES_URL:-}" SETRAG_MAP_TILES_ATTRIBUTION="${SETRAG_MAP_TILES_ATTRIBUTION:-}" \
  python3 tools/map_tiles.py "$next/index.html"

# One id per distinct build: the index.html asset URLs and the service worker's cache name carry it,
# so a new build installs a new worker that replaces the old cache.
build_id=$(cd "$next" && find . -type f ! -name '*.map' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum \
  | sha256sum | cut -c1-16)
sed -i "s/__BUILD_ID__/$build_id/g" "$next/index.html" "$next/sw.js"

# Swap in the new build at once, so a server reading dist/ never sees half of one.
rm -rf "$out.old"
if [[ -d $out ]]; then mv "$out" "$out.old"; fi
mv "$next" "$out"
rm -rf "$out.old"

tiles="no map tiles"
if [[ -n ${SETRAG_MAP_TILES_URL:-} ]]; then tiles="map tiles from $SETRAG_MAP_TILES_URL"; fi
echo "web/$out: build $build_id ($mode), app.js $(wc -c <"$out/app.js") bytes, app.css $(wc -c <"$out/app.css") bytes, $tiles"
