import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort, type RunningHttpProcess, startHttpProcess } from '@faceproof/process-testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ownProject } from '../src/fixtures.js';
import { type Call, call } from '../src/http.js';
import { dataUri, photos } from '../src/images.js';
import { freshRegistration, freshSession, tokenFor } from '../src/sessions.js';
import { operations, requestExamples, specPath } from '../src/spec.js';

// A second, independent validator: the same kinds of traffic go through `prism proxy` in front of
// the real server, and Prism must find no violation in any response it relays.
const require = createRequire(import.meta.url);
const prismPkg = require.resolve('@stoplight/prism-cli/package.json');
const prismBin = join(dirname(prismPkg), require(prismPkg).bin.prism);
const demo = inject('demo');
const token = demo.clientAccessToken;
let proxy: RunningHttpProcess;

beforeAll(async () => {
  const port = await freePort();
  proxy = await startHttpProcess({
    name: 'prism proxy',
    command: process.execPath,
    args: [prismBin, 'proxy', '-h', '127.0.0.1', '-p', String(port), specPath, inject('serverUrl')],
    port,
    readyPath: '/healthz',
    env: { FORCE_COLOR: '0' },
  });
});
afterAll(() => proxy?.stop());

/** A fresh token of the kind the operation's security scheme names; none for an anonymous one. */
async function rightToken(operationId: string, op: any): Promise<string | undefined> {
  const scheme = Object.keys(op.security?.[0] ?? {})[0];
  return scheme ? tokenFor(operationId, inject('serverUrl'), demo) : undefined;
}

/** The operation's required query parameters: the demo project for an `id`. */
function requiredQuery(operationId: string): Record<string, string> {
  const found = operations.find((o) => o.operationId === operationId);
  const required = (found?.parameters ?? []).filter((p: any) => p.in === 'query' && p.required);
  return Object.fromEntries(required.map((p: any) => [p.name, p.name === 'id' ? demo.project : 'x']));
}

function responseViolations(header: string | null): unknown[] {
  if (!header) return [];
  return (JSON.parse(header) as { location: string[] }[]).filter((v) => v.location[0] === 'response');
}

async function through(c: Call, expected: number) {
  const res = await call(proxy.url, c);
  expect(responseViolations(res.headers.get('sl-violations')), `${c.operationId} ${res.status}`).toEqual([]);
  expect(res.violations).toEqual([]);
  expect(res.status, res.text.slice(0, 300)).toBe(expected);
  return res;
}

describe('prism proxy in front of the real server', () => {
  it('relays the login flow with no violation', async () => {
    const own = await ownProject(inject('serverUrl'), token, {
      login: { type: 'login', livenessMinScore: 0.3 },
      onboarding: { type: 'onboarding', livenessMinScore: 0.3 },
    });
    const created = await call(inject('serverUrl'), {
      operationId: 'createBiometricValidation',
      token,
      body: {
        project: own.project,
        projectFlow: own.flows.onboarding,
        identifier: 'proxy-user',
        type: 'onboarding',
      },
    });
    await through(
      {
        operationId: 'validateBiometricValidation',
        token: created.json.data.token,
        body: { image: dataUri(photos.personA[1]) },
      },
      200,
    );
    const login = await through(
      {
        operationId: 'createBiometricValidation',
        token,
        body: { project: own.project, projectFlow: own.flows.login, identifier: 'proxy-user', type: 'login' },
      },
      200,
    );
    await through(
      {
        operationId: 'validateBiometricValidation',
        token: login.json.data.token,
        body: { image: dataUri(photos.personA[0]) },
      },
      200,
    );
    await through(
      {
        operationId: 'validateBiometricValidation',
        token: login.json.data.token,
        body: { image: dataUri(photos.personA[0]) },
      },
      409,
    );
  });

  it('relays failed attempts and app registration errors with no violation', async () => {
    await through(
      {
        operationId: 'validateBiometricValidation',
        token: await freshSession(inject('serverUrl'), demo),
        body: { image: dataUri(photos.nonFace) },
      },
      400,
    );
    const registration = await freshRegistration(inject('serverUrl'), demo, 'proxy@example.com');
    await through(
      {
        operationId: 'createAppRegistrationBiometricValidation',
        token: registration,
        body: { image: dataUri(photos.nonFace), os: 'IOS' },
      },
      400,
    );
  });

  it.each(operations.filter((o) => !o.path.includes('{')).map((o) => o.operationId))(
    'relays %s with no violation',
    async (operationId) => {
      const { op } = operations.find((o) => o.operationId === operationId) ?? { op: {} };
      if (!op.requestBody) {
        await through(
          { operationId, token: await rightToken(operationId, op), query: requiredQuery(operationId) },
          200,
        );
        return;
      }
      // Without a token every secured operation answers its documented 401.
      await through(
        { operationId, body: requestExamples(operationId)[0]?.value },
        op.security?.length ? 401 : 200,
      );
    },
  );

  it.each(operations.filter((o) => o.path.includes('{')).map((o) => o.operationId))(
    'relays %s 404 with no violation',
    async (operationId) => {
      const { op } = operations.find((o) => o.operationId === operationId) ?? { op: {} };
      await through(
        {
          operationId,
          token: await rightToken(operationId, op),
          params: { id: '0123456789abcdef01234567' },
          body: op.requestBody
            ? operationId === 'syncAppRegistration'
              ? { step: 'signUpForm', status: 'ONGOING' }
              : { name: 'x' }
            : undefined,
        },
        404,
      );
    },
  );
});
