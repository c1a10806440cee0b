import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  configurationSection,
  errorCatalogue,
  type Json,
  operations,
  type Remedies,
  resolveRef,
} from '../scripts/site.ts';

const spec: Json = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@faceproof/openapi/openapi.json'), 'utf8'),
);
const remedies = parse(
  readFileSync(new URL('../guides/error-remedies.yaml', import.meta.url), 'utf8'),
) as Remedies;

describe('error catalogue', () => {
  const entries = errorCatalogue(spec, remedies);

  it('has one row per named error example of every operation', () => {
    let expected = 0;
    for (const { op } of operations(spec))
      for (const [status, ref] of Object.entries<Json>(op.responses))
        if (/^[45]/.test(status))
          expected += Object.keys(resolveRef(spec, ref).content?.['application/json']?.examples ?? {}).length;
    expect(entries).toHaveLength(expected);
    expect(entries.every((e) => e.code && e.title && e.whatToDo)).toBe(true);
  });

  it('has specific advice for every code the spec documents', () => {
    expect([...new Set(entries.filter((e) => e.generic).map((e) => e.code))]).toEqual([]);
  });

  it('is on the built page', () => {
    const html = readFileSync(new URL('../dist/errors.html', import.meta.url), 'utf8');
    for (const e of entries) expect(html).toContain(`<code>${e.code}</code>`);
  });
});

describe('server configuration section', () => {
  it('takes the section under a configuration heading, up to the next heading of its level', () => {
    const readme =
      '# Server\n\nintro\n\n## Configuration\n\n| Variable | Default |\n|---|---|\n| PORT | 3000 |\n\n### Notes\n\nmore\n\n## Other\n\nno';
    expect(configurationSection(readme)).toBe(
      '| Variable | Default |\n|---|---|\n| PORT | 3000 |\n\n### Notes\n\nmore',
    );
  });

  it('ignores headings inside code fences and reports a missing section', () => {
    expect(configurationSection('# A\n\n```\n# Configuration\n```\n')).toBeNull();
  });
});

describe('code samples', () => {
  it('the three core operations carry curl, TypeScript and Python samples', () => {
    const byId = new Map(operations(spec).map(({ op }) => [op.operationId, op]));
    for (const id of [
      'createBiometricValidation',
      'validateBiometricValidation',
      'createAppRegistrationBiometricValidation',
    ]) {
      const samples = byId.get(id)?.['x-codeSamples'] ?? [];
      expect(samples.map((s: Json) => s.lang)).toEqual(['Shell', 'TypeScript', 'Python']);
      for (const s of samples) expect(typeof s.source === 'string' && s.source.length > 50).toBe(true);
    }
  });
});
