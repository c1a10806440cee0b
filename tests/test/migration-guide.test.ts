import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';
import { photos } from '../src/images.js';

// The shell samples of the docs site's "Migrating from Verifik" guide, run as written, in order,
// in one shell, against the real server: a sample that no longer works fails here.
const guide = readFileSync(
  new URL('../../apps/docs/guides/migrating-from-verifik.md', import.meta.url),
  'utf8',
);
const blocks = [...guide.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

it("runs the migration guide's samples against the server", async () => {
  expect(blocks.length).toBeGreaterThanOrEqual(5);
  const script = ['set -euo pipefail', ...blocks].join('\n');
  const { stdout } = await promisify(execFile)('bash', ['-c', script], {
    env: {
      PATH: process.env.PATH,
      FACEPROOF_URL: inject('serverUrl'),
      TOKEN: inject('demo').clientAccessToken,
      PHOTO: photos.personA[0],
    },
    maxBuffer: 1 << 20,
  });
  const outputs = stdout
    .trim()
    .split(/\n(?=\{)/)
    .map((o) => JSON.parse(o));
  expect(outputs[0]).toMatchObject({ names: ['John Doe'], pagination: { page: 1, perPage: 10, total: 1 } });
  expect(outputs[1]).toEqual({
    livenessMinScore: 0.7,
    maxAttempts: 3,
    liveness: { minScore: 0.7, searchMinScore: 0.85, searchMode: 'ACCURATE', attemptLimit: 3 },
  });
  expect(outputs[2]).toMatchObject({ deleted: true, templates: 1 });
  expect(outputs[3]).toMatchObject({ deleted: true, persons: 0 });
});
