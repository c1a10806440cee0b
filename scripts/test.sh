#!/usr/bin/env bash
# `npm test`: everything, after the bootstrap. Build, lint and typecheck go through turbo (cached
# between runs); the tests then run as one vitest invocation over every package's project, so the
# output ends with vitest's summary line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-system-deps.sh
pnpm exec turbo run build lint typecheck --output-logs=errors-only
exec pnpm exec vitest run "$@"
