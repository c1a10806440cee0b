import { readFileSync } from 'node:fs';
import { type Json, loadBundle, operations, resolveRef } from '@faceproof/openapi';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  claimsMarkdown,
  fieldRows,
  typeLabel,
  webhookEvents,
  webhookTagParagraph,
} from '../scripts/schema-docs.ts';
import { configurationSection, errorCatalogue, evaluationSections, type Remedies } from '../scripts/site.ts';

const spec: Json = loadBundle();
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

describe('recognition page', () => {
  it('takes the template, calibration and limits sections of the evaluation, headings one level down', () => {
    const evaluation =
      '# Eval\n\n## Data\n\nd\n\n## Template models\n\n![h](evaluation-det.svg)\n\n### dlib\n\nt\n\n## Calibration and thresholds\n\n| 0.9 |\n\n## Liveness\n\nl\n\n## Limits of this evaluation\n\nsmall';
    expect(evaluationSections(evaluation)).toBe(
      '### Template models\n\n![h](evaluation-det.svg)\n\n#### dlib\n\nt\n\n### Calibration and thresholds\n\n| 0.9 |\n\n### Limits of this evaluation\n\nsmall',
    );
    expect(evaluationSections('# Eval\n\n## Data\n')).toBeNull();
  });

  it('shows the DET curve and the score histograms, copied next to it, with the threshold table', () => {
    const html = readFileSync(new URL('../dist/recognition.html', import.meta.url), 'utf8');
    for (const svg of ['evaluation-det.svg', 'evaluation-scores-dlib.svg', 'evaluation-scores-faceres.svg']) {
      expect(html).toContain(`src="assets/evaluation/${svg}"`);
      expect(readFileSync(new URL(`../dist/assets/evaluation/${svg}`, import.meta.url), 'utf8')).toMatch(
        /^<svg /,
      );
    }
    expect(html).toMatch(/<th[^>]*>score threshold<\/th>/);
    expect(html).toContain('Limits of this evaluation');
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

describe('webhook events', () => {
  const events = webhookEvents(spec);
  const html = readFileSync(new URL('../dist/webhooks.html', import.meta.url), 'utf8');
  const text = html.replace(/<[^>]+>/g, '');

  it("are the spec's webhooks, each with its own schema, named in the payload's `type`", () => {
    expect(events.map((e) => e.event)).toEqual(Object.keys(spec.webhooks));
    expect(events.length).toBeGreaterThanOrEqual(6);
    for (const e of events) {
      expect(spec.components.schemas[e.schemaName]).toEqual(e.schema);
      expect(e.schema.properties.type.const).toBe(e.event);
      expect(e.examples.length).toBeGreaterThan(0);
    }
  });

  it('are all on the built guide, with every field of their data and an example', () => {
    for (const e of events) {
      expect(html).toContain(`id="${e.event.replace(/_/g, '-')}"`);
      for (const row of fieldRows(spec, e.schema.properties.data))
        expect(html).toContain(`<code>${row.name}</code>`);
      expect(text).toContain(`&quot;type&quot;: &quot;${e.event}&quot;`);
    }
  });

  it('come with the headers and the delivery rules of the spec', () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'])
      expect(html).toContain(`<td><code>${name}</code></td>`);
    expect(text).toContain(webhookTagParagraph(spec, 'Delivery and retries').replace(/\*\*|`/g, ''));
    expect(() => webhookTagParagraph(spec, 'No such paragraph')).toThrow(/No such paragraph/);
  });

  it('list no event in the guide that the spec does not send', () => {
    const named = new Set(
      [...html.matchAll(/<code>((?:biometric_validation|app_registration)_[a-z_]+)<\/code>/g)].map(
        (m) => m[1],
      ),
    );
    expect([...named].sort()).toEqual(events.map((e) => e.event).sort());
  });
});

describe('token claims', () => {
  it('label consts, enums and named models', () => {
    expect(typeLabel(spec, { const: 'faceproof' })).toBe('`"faceproof"`');
    expect(typeLabel(spec, { type: 'string', enum: ['a', 'b'] })).toBe('`a` \\| `b`');
    expect(typeLabel(spec, { $ref: '#/components/schemas/ObjectId' })).toBe('ObjectId (string)');
    expect(typeLabel(spec, { type: 'string', format: 'uuid' })).toBe('string, uuid');
  });

  it('say which claims of the result token are always there', () => {
    const rows = new Map(
      fieldRows(spec, { $ref: '#/components/schemas/ResultTokenClaims' }).map((r) => [r.name, r]),
    );
    for (const claim of ['iss', 'aud', 'sub', 'iat', 'exp', 'jti', 'biometricValidation', 'livenessScore'])
      expect(rows.get(claim)?.required, claim).toBe(true);
    expect(rows.get('person')?.required).toBe(false);
    expect(rows.get('aud')?.type).toBe('`"faceproof:result"`');
  });

  it('are on the built tokens page, for the three token kinds', () => {
    const html = readFileSync(new URL('../dist/tokens.html', import.meta.url), 'utf8');
    for (const name of ['ResultTokenClaims', 'LivenessSessionTokenClaims', 'AppRegistrationTokenClaims']) {
      expect(html).toContain(`<code>${name}</code>`);
      for (const claim of Object.keys(spec.components.schemas[name].properties))
        expect(html).toContain(`<td><code>${claim}</code></td>`);
    }
    expect(html).toContain('&quot;faceproof:result&quot;');
  });

  it('refuse a schema the spec does not have', () => {
    expect(() => claimsMarkdown(spec, 'NoSuchClaims')).toThrow(/NoSuchClaims/);
  });
});
