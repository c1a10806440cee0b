import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataUri, eventually, fx, type Harness, ownFlows, startServer } from './helpers.js';

/**
 * The outbound URL policy on the real server, on each store: URLs refused where a request brings
 * them, and a webhook to the host's own network refused at delivery under the default policy.
 */
let h: Harness;
let listener: Server;
let connections = 0;
let port = 0;

beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.once('data', () => socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n'));
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
  // The default policy, which the other suites' servers switch off for their loopback receivers.
  h = await startServer({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' });
});
afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

const refusedField = (body: any, field: string) => {
  expect(body.code).toBe('INVALID_REQUEST');
  expect(body.details).toEqual([{ path: `/body/${field}`, message: expect.any(String) }]);
};

describe('URLs at the boundary', () => {
  const create = (body: Record<string, unknown>, flow: string) =>
    h.call('POST', '/v2/biometric-validations', {
      token: h.demo.clientAccessToken,
      body: {
        project: h.demo.project,
        projectFlow: flow,
        identifier: 'outbound',
        type: 'onboarding',
        ...body,
      },
    });

  it.each([
    ['redirectUrl', 'https://example.com:99999/done'],
    ['redirectUrl', 'javascript:alert(1)//'],
    ['redirectUrl', 'http://example.com/done'],
    ['webhookUrl', 'https://example.com:99999/hook'],
    ['webhookUrl', 'file:///etc/passwd'],
    ['webhookUrl', 'gopher://example.invalid/'],
    ['webhookUrl', 'http://user@127.0.0.1/hook'],
  ])('a validation with %s %s is a 400 naming the field', async (field, url) => {
    const flows = await ownFlows(h);
    const res = await create({ [field]: url }, flows.onboardingFlow);
    expect(res.status).toBe(400);
    refusedField(res.body, field);
  });

  it('a flow with a bad URL is refused on create and on PATCH, and keeps its URLs', async () => {
    const { clientAccessToken: token, project } = h.demo;
    const bad = await h.call('POST', '/v2/project-flows', {
      token,
      body: { project, type: 'login', name: 'outbound', redirectUrl: 'https://example.com:99999/' },
    });
    expect(bad.status).toBe(400);
    refusedField(bad.body, 'redirectUrl');
    const made = await h.call('POST', '/v2/project-flows', {
      token,
      body: { project, type: 'login', name: 'outbound', webhookUrl: 'HTTPS://Hooks.Example.invalid' },
    });
    expect(made.status).toBe(200);
    expect(made.body.data.webhookUrl).toBe('https://hooks.example.invalid/');
    const id = made.body.data._id;
    const patched = await h.call('PATCH', `/v2/project-flows/${id}`, {
      token,
      body: { webhookUrl: 'dict://example.invalid:11211/' },
    });
    expect(patched.status).toBe(400);
    refusedField(patched.body, 'webhookUrl');
    const got = await h.call('GET', `/v2/project-flows/${id}`, { token });
    expect(got.body.data.webhookUrl).toBe('https://hooks.example.invalid/');
    const cleared = await h.call('PATCH', `/v2/project-flows/${id}`, { token, body: { webhookUrl: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data.webhookUrl).toBeUndefined();
  });
});

describe('webhooks under the default policy', () => {
  it('a webhook to loopback is refused at connect time, recorded once with its reason, never retried', async () => {
    const flows = await ownFlows(h);
    const hook = `http://127.1:${port}/hook`;
    const created = await h.call('POST', '/v2/biometric-validations', {
      token: h.demo.clientAccessToken,
      body: {
        project: h.demo.project,
        projectFlow: flows.onboardingFlow,
        identifier: 'loopback',
        type: 'onboarding',
        webhookUrl: hook,
      },
    });
    expect(created.status).toBe(200);
    const validated = await h.call('POST', '/v2/biometric-validations/validate', {
      token: created.body.data.token,
      body: { image: dataUri(fx.personA[0]) },
    });
    expect(validated.status).toBe(200);
    // The store's own SQL helpers (both dialects take `?` placeholders), to read the outbox rows.
    const sql = h.server.ctx.store as unknown as { all(q: string, ...a: unknown[]): Promise<any[]> };
    const rows = await eventually(
      'the events of this validation settled',
      () =>
        sql.all(
          'SELECT id, status, attempts FROM webhook_outbox WHERE url = ?',
          `http://127.0.0.1:${port}/hook`,
        ),
      (r) => r.length >= 2 && r.every((e) => e.status !== 'pending'),
    );
    for (const row of rows) {
      expect(row.status).toBe('failed');
      expect(Number(row.attempts)).toBe(1);
      const log = await h.server.ctx.store.listDeliveries(row.id);
      expect(log).toEqual([
        { attempt: 1, statusCode: undefined, error: expect.stringMatching(/127\.0\.0\.1.*loopback address/) },
      ]);
    }
    expect(connections).toBe(0);
  });
});

describe('allowedRedirectOrigins of a flow', () => {
  const token = () => h.demo.clientAccessToken;

  async function flowWith(body: Record<string, unknown>) {
    const flows = await ownFlows(h);
    const res = await h.call('PATCH', `/v2/project-flows/${flows.onboardingFlow}`, {
      token: h.demo.clientAccessToken,
      body,
    });
    return { flows, res };
  }
  const create = (flow: string, redirectUrl?: string) =>
    h.call('POST', '/v2/biometric-validations', {
      token: token(),
      body: {
        project: h.demo.project,
        projectFlow: flow,
        identifier: 'origins',
        type: 'onboarding',
        redirectUrl,
      },
    });

  it('are stored as normalised origins, and a validation redirect outside them is a 400', async () => {
    const { flows, res } = await flowWith({
      allowedRedirectOrigins: ['HTTPS://App.Example.com', 'http://localhost:5173'],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.allowedRedirectOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect((await create(flows.onboardingFlow, 'https://app.example.com/done?x=1')).status).toBe(200);
    expect((await create(flows.onboardingFlow, 'http://localhost:5173/cb')).status).toBe(200);
    expect((await create(flows.onboardingFlow)).status).toBe(200);
    for (const outside of [
      'https://evil.example.com/done',
      'https://app.example.com:8443/done',
      'http://localhost:5174/',
    ]) {
      const refused = await create(flows.onboardingFlow, outside);
      expect(refused.status).toBe(400);
      refusedField(refused.body, 'redirectUrl');
    }
    const cleared = await h.call('PATCH', `/v2/project-flows/${flows.onboardingFlow}`, {
      token: token(),
      body: { allowedRedirectOrigins: null },
    });
    expect(cleared.body.data.allowedRedirectOrigins).toBeUndefined();
    expect((await create(flows.onboardingFlow, 'https://evil.example.com/done')).status).toBe(200);
  });

  it('refuse an entry that is not an origin, and a flow redirect outside its own list', async () => {
    const notOrigin = await flowWith({ allowedRedirectOrigins: ['https://app.example.com/path'] });
    expect(notOrigin.res.status).toBe(400);
    expect(notOrigin.res.body.details).toEqual([
      { path: '/body/allowedRedirectOrigins/0', message: expect.any(String) },
    ]);
    const scheme = await flowWith({ allowedRedirectOrigins: ['javascript:alert(1)'] });
    expect(scheme.res.status).toBe(400);
    const made = await h.call('POST', '/v2/project-flows', {
      token: token(),
      body: {
        project: h.demo.project,
        type: 'login',
        name: 'origins',
        redirectUrl: 'https://other.example.com/done',
        allowedRedirectOrigins: ['https://app.example.com'],
      },
    });
    expect(made.status).toBe(400);
    refusedField(made.body, 'redirectUrl');
    const { flows } = await flowWith({ redirectUrl: 'https://app.example.com/done' });
    const narrowed = await h.call('PATCH', `/v2/project-flows/${flows.onboardingFlow}`, {
      token: token(),
      body: { allowedRedirectOrigins: ['https://other.example.com'] },
    });
    expect(narrowed.status).toBe(400);
    refusedField(narrowed.body, 'allowedRedirectOrigins');
  });
});
