// Fails the build on a breaking change of the API against the last released spec
// (released/openapi.yaml), unless the client's major version was bumped past the released one and
// breaking-changes.yaml records why: a major above the released one needs its reasons there, and
// every break the detectors find must be matched by one of that major's entries (`match`).
//
// Two detectors: `redocly diff` (Redocly CLI 2.x, `diff-recommended` rules: removed operations,
// removed response fields, new required request fields, narrowed request enums, removed statuses,
// ...), and, because error codes live in named examples that no schema diff reads, a check that
// every (operation, status, code) of the released spec is still declared.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundlePaths, errorCodes, loadBundle } from '@faceproof/openapi';
import { parse } from 'yaml';

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

/**
 * `record[major]`: why that major version is one, `[{ change, why, match? }]`; `match` is a regular
 * expression that the breaks this entry explains match (an entry without one explains a change no
 * detector sees, such as a deprecation or a behaviour change).
 */
export function unexplainedBreaks(breaking, reasons) {
  const patterns = reasons.filter((r) => r.match).map((r) => new RegExp(r.match));
  return breaking.filter((b) => !patterns.some((p) => p.test(b)));
}

/** { breaking, unexplained, reasons, ok } for two spec files, the client version and the record. */
export function checkBreaking(basePath, revisionPath, clientVersion, record = {}) {
  const base = loadBundle(basePath);
  const revision = loadBundle(revisionPath);
  const breaking = [
    ...redoclyBreaking(basePath, revisionPath).map((c) => `${c.where}: ${c.message}`),
    ...removedErrorCodes(base, revision).map((c) => `error code removed: ${c}`),
  ];
  const releasedMajor = Number(String(base.info.version).split('.')[0]);
  const clientMajor = Number(clientVersion.split('.')[0]);
  const reasons = record[String(clientMajor)] ?? [];
  const bumped = clientMajor > releasedMajor;
  const unexplained = bumped ? unexplainedBreaks(breaking, reasons) : breaking;
  const ok = bumped ? reasons.length > 0 && unexplained.length === 0 : breaking.length === 0;
  return { breaking, unexplained, reasons, releasedMajor, clientMajor, ok };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pkg = JSON.parse(readFileSync(`${pkgDir}package.json`, 'utf8'));
  const record = parse(readFileSync(`${pkgDir}breaking-changes.yaml`, 'utf8')) ?? {};
  const { breaking, unexplained, reasons, ok, releasedMajor, clientMajor } = checkBreaking(
    `${pkgDir}released/openapi.yaml`,
    bundlePaths.yaml,
    pkg.version,
    record,
  );
  for (const b of breaking) console.log(`  breaking: ${b}`);
  if (!ok) {
    if (clientMajor <= releasedMajor)
      console.error(
        `✖ ${breaking.length} breaking change(s) against the released spec ${releasedMajor}.x, and @faceproof/client is still ${pkg.version}: bump its major version and say why in breaking-changes.yaml (or undo the change).`,
      );
    else if (reasons.length === 0)
      console.error(
        `✖ @faceproof/client ${pkg.version} is a new major: breaking-changes.yaml must say why under "${clientMajor}".`,
      );
    else
      for (const b of unexplained)
        console.error(
          `✖ not explained in breaking-changes.yaml under "${clientMajor}" (no entry's match): ${b}`,
        );
    process.exit(1);
  }
  if (clientMajor > releasedMajor) {
    console.log(
      `✓ client major ${clientMajor} > released ${releasedMajor}, because (breaking-changes.yaml):`,
    );
    for (const r of reasons) console.log(`  - ${r.change}`);
  } else console.log('✓ no breaking change against released/openapi.yaml');
}
