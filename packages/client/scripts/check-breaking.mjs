// Fails the build on a breaking change of the API against the last released spec
// (released/openapi.yaml), unless the client's major version was bumped past the released one.
//
// Two detectors: `redocly diff` (Redocly CLI 2.x, `diff-recommended` rules: removed operations,
// removed response fields, new required request fields, narrowed request enums, removed statuses,
// ...), and, because error codes live in named examples that no schema diff reads, a check that
// every (operation, status, code) of the released spec is still declared.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundlePaths, errorCodes, loadBundle } from '@faceproof/openapi';

const pkgDir = fileURLToPath(new URL('../', import.meta.url));

/** Error codes of `base` that `revision` no longer declares, as `operationId status code` strings. */
export function removedErrorCodes(base, revision) {
  const before = errorCodes(base);
  const after = errorCodes(revision);
  const out = [];
  for (const [op, byStatus] of Object.entries(before)) {
    for (const [status, codes] of Object.entries(byStatus)) {
      for (const code of codes) {
        if (!after[op]?.[status]?.includes(code)) out.push(`${op} ${status} ${code}`);
      }
    }
  }
  return out;
}

/** Breaking changes from `redocly diff`: [{ where, message }]. */
export function redoclyBreaking(basePath, revisionPath) {
  let out;
  try {
    out = execFileSync(
      `${pkgDir}node_modules/.bin/redocly`,
      [
        'diff',
        basePath,
        revisionPath,
        '--config',
        `${pkgDir}redocly-diff.yaml`,
        '--format',
        'json',
        '--fail-on',
        'none',
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    );
  } catch (error) {
    throw new Error(`redocly diff failed: ${error.stderr || error.message}`);
  }
  const report = JSON.parse(out.slice(out.indexOf('{')));
  return report.changes
    .filter((c) => c.impact === 'major')
    .flatMap((c) =>
      (c.verdicts ?? [])
        .filter((v) => v.impact === 'major')
        .map((v) => ({
          where: decodeURIComponent(c.path).replaceAll('~1', '/'),
          message: `${v.message} (${v.ruleId})`,
        })),
    );
}

/** { breaking: string[], ok: boolean } for two spec files and the client version. */
export function checkBreaking(basePath, revisionPath, clientVersion) {
  const base = loadBundle(basePath);
  const revision = loadBundle(revisionPath);
  const breaking = [
    ...redoclyBreaking(basePath, revisionPath).map((c) => `${c.where}: ${c.message}`),
    ...removedErrorCodes(base, revision).map((c) => `error code removed: ${c}`),
  ];
  const releasedMajor = Number(String(base.info.version).split('.')[0]);
  const clientMajor = Number(clientVersion.split('.')[0]);
  return { breaking, releasedMajor, clientMajor, ok: breaking.length === 0 || clientMajor > releasedMajor };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pkg = JSON.parse(readFileSync(`${pkgDir}package.json`, 'utf8'));
  const current = bundlePaths.yaml;
  const { breaking, ok, releasedMajor, clientMajor } = checkBreaking(
    `${pkgDir}released/openapi.yaml`,
    current,
    pkg.version,
  );
  for (const b of breaking) console.log(`  breaking: ${b}`);
  if (!ok) {
    console.error(
      `✖ ${breaking.length} breaking change(s) against the released spec ${releasedMajor}.x, and @faceproof/client is still ${pkg.version}: bump its major version (or undo the change).`,
    );
    process.exit(1);
  }
  console.log(
    breaking.length
      ? `✓ ${breaking.length} breaking change(s), released with client major ${clientMajor} > ${releasedMajor}`
      : '✓ no breaking change against released/openapi.yaml',
  );
}
