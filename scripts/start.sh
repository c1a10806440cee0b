#!/usr/bin/env bash
# `npm start`: build what changed (turbo cache), then run the apps side by side.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pnpm exec turbo run build --output-logs=errors-only
exec node scripts/start.mjs
