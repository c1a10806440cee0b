#!/usr/bin/env bash
# Debian packages the test suite needs, installed only when missing (the machine is fresh in CI):
# chromium drives the browser tests through playwright-core, which never downloads a browser itself;
# postgresql provides the server binaries (initdb, postgres) the multi-instance tests start on loopback;
# ffmpeg decodes the webcam videos of the face-engine fixtures into frames and into fake-camera .y4m files.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
if [ ${#missing[@]} -gt 0 ]; then
  echo "[system-deps] apt-get install ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
