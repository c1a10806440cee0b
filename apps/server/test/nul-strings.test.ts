import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInjectApp, type InjectHarness } from './helpers.js';

// U+0000 in any string of a request: PostgreSQL's text cannot hold it (the fuzz campaign found a
// 500 on every such write and lookup there), so both stores refuse it alike with a 400 that names
// the field.
let h: InjectHarness;

beforeAll(async () => {
  h = await buildInjectApp();
});
afterAll(() => h?.close());

describe('a string holding U+0000', () => {
  it('in a body is a 400 naming the field, on a create and on a PATCH', async () => {
    const token = h.demo.clientAccessToken;
    const created = await h.inject('POST', '/v2/projects', { token, body: { name: 'a\u0000b' } });
    expect(created.status).toBe(400);
    expect(created.body.code).toBe('INVALID_REQUEST');
    expect(created.body.details).toEqual([{ path: '/body/name', message: 'must not contain U+0000 (NUL)' }]);
    const patched = await h.inject('PATCH', `/v2/projects/${h.demo.project}`, {
      token,
      body: { name: '\u0000' },
    });
    expect(patched.status).toBe(400);
    const flows = await h.inject('POST', '/v2/app-registrations', {
      token,
      body: { project: '\u0000', projectFlow: h.demo.onboardingFlow, email: 'a@example.invalid' },
    });
    expect(flows.status).toBe(400);
    expect(flows.body.details[0].path).toBe('/body/project');
  });

  it('in a path id or a query filter is a 400, not a lookup', async () => {
    const token = h.demo.clientAccessToken;
    for (const path of [
      '/v2/app-registrations/%00',
      '/v2/collections/a%00b',
      '/v2/collections?project=%00',
    ]) {
      const res = await h.inject('GET', path, { token });
      expect(res.status, path).toBe(400);
      expect(res.body.code, path).toBe('INVALID_REQUEST');
    }
  });

  it('leaves the project as it was', async () => {
    const token = h.demo.clientAccessToken;
    const before = await h.inject('GET', `/v2/projects/${h.demo.project}`, { token });
    await h.inject('PATCH', `/v2/projects/${h.demo.project}`, { token, body: { name: 'x\u0000' } });
    const after = await h.inject('GET', `/v2/projects/${h.demo.project}`, { token });
    expect(after.body).toEqual(before.body);
  });
});

describe('a body nested deeper than the spec allows', () => {
  // The fuzz campaign's 50,000-deep unknown field answered 500 (the walk for U+0000 overflowed the
  // stack); unknown fields are ignored, but not walked without bound.
  // As JSON text: JSON.stringify itself cannot write 50,000 levels.
  const deepBody = (depth: number) =>
    `{"name":"deep","extra":${'{"a":'.repeat(depth)}"leaf"${'}'.repeat(depth)}}`;
  const json = { 'content-type': 'application/json' };

  it('is a 400 naming the first field too deep, however deep', async () => {
    const token = h.demo.clientAccessToken;
    const res = await h.inject('POST', '/v2/projects', {
      token,
      raw: deepBody(50_000),
      headers: json,
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
    expect(res.body.details).toEqual([
      { path: `/body/extra${'/a'.repeat(31)}`, message: 'must not nest objects or arrays more than 32 deep' },
    ]);
  });

  it('is accepted at the limit, its unknown field ignored', async () => {
    const token = h.demo.clientAccessToken;
    const res = await h.inject('POST', '/v2/projects', { token, raw: deepBody(31), headers: json });
    expect(res.status).toBe(200);
    expect(res.body.data.name).toBe('deep');
  });
});
