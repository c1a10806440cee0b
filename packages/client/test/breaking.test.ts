// The breaking-change check on real spec edits: each kind of break is caught, additions are not,
// and a major version bump lets a break through.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
// @ts-expect-error plain JavaScript build script
import { checkBreaking } from '../scripts/check-breaking.mjs';

const releasedPath = new URL('../released/openapi.yaml', import.meta.url);
const released = parse(readFileSync(releasedPath, 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'faceproof-breaking-'));
const basePath = join(dir, 'base.yaml');
writeFileSync(basePath, stringify(released));

type Spec = any;
type Record = { [major: string]: { change: string; why: string; match?: string }[] };
function check(edit: (s: Spec) => void, version = '1.0.0', record: Record = {}) {
  const revision = structuredClone(released);
  edit(revision);
  const path = join(dir, `rev-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, stringify(revision));
  return checkBreaking(basePath, path, version, record) as {
    ok: boolean;
    breaking: string[];
    unexplained: string[];
  };
}
const create = (s: Spec) => s.paths['/v2/biometric-validations'].post;
const validate = (s: Spec) => s.paths['/v2/biometric-validations/validate'].post;

describe('breaking-change check', () => {
  it('passes the unchanged spec and additions', () => {
    expect(check(() => {})).toEqual(expect.objectContaining({ ok: true, breaking: [] }));
    const added = check((s) => {
      s.paths['/v2/things'] = {
        get: { ...structuredClone(validate(s)), operationId: 'listThings', requestBody: undefined },
      };
      s.components.schemas.BiometricValidation.properties.extra = { type: 'string', description: 'x' };
    });
    expect(added.breaking).toEqual([]);
  }, 60_000);

  it.each([
    ['a removed operation', (s: Spec) => delete s.paths['/v2/biometric-validations/validate']],
    [
      'a removed response field',
      (s: Spec) => {
        const schema = s.components.schemas.CreateBiometricValidationResponse;
        delete schema.properties.data.properties.token;
        schema.properties.data.required = schema.properties.data.required.filter(
          (r: string) => r !== 'token',
        );
      },
    ],
    [
      'a new required request field',
      (s: Spec) => {
        const schema = s.components.schemas.CreateBiometricValidationRequest;
        schema.properties.tenant = { type: 'string', description: 't' };
        schema.required.push('tenant');
      },
    ],
    [
      'a narrowed request enum',
      (s: Spec) => {
        s.components.schemas.DeviceOs.enum = ['DESKTOP', 'IOS'];
      },
    ],
    ['a removed status', (s: Spec) => delete validate(s).responses['410']],
    [
      'a removed error code',
      (s: Spec) => delete create(s).responses['404'].content['application/json'].examples.projectFlowNotFound,
    ],
  ])(
    'fails on %s',
    (_, edit) => {
      const r = check(edit);
      expect(r.ok).toBe(false);
      expect(r.breaking.length).toBeGreaterThan(0);
      const explained = { '2': [{ change: 'the edit', why: 'a test', match: '.' }] };
      expect(check(edit, '2.0.0', explained).ok).toBe(true);
    },
    60_000,
  );

  it('lets a break through a new major only with the reasons recorded, each break matched', () => {
    const removeValidate = (s: Spec) => delete s.paths['/v2/biometric-validations/validate'];
    expect(check(removeValidate, '2.0.0').ok).toBe(false);
    const elsewhere = {
      '2': [{ change: 'flows changed', why: 'a test', match: '^#/paths//v2/project-flows' }],
    };
    const unmatched = check(removeValidate, '2.0.0', elsewhere);
    expect(unmatched.ok).toBe(false);
    expect(unmatched.unexplained).toEqual(unmatched.breaking);
    const matched = {
      '2': [
        {
          change: 'validate moved',
          why: 'a test',
          match: 'biometric-validations/validate|validateBiometricValidation',
        },
      ],
    };
    expect(check(removeValidate, '2.0.0', matched).ok).toBe(true);
    // A new major without any break still says why it is one.
    expect(check(() => {}, '2.0.0').ok).toBe(false);
    expect(check(() => {}, '2.0.0', { '2': [{ change: 'a deprecation', why: 'a test' }] }).ok).toBe(true);
  }, 60_000);
});
