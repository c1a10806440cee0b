import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { call } from '../src/http.js';
import { dataUri, photos } from '../src/images.js';
import { respect, workflows } from '../src/respect.js';

// The Arazzo workflows of openapi/ run with `redocly respect` against both targets: each step's
// success criteria, status, content type and schema checks must pass.
describe('Arazzo workflows on the mock', () => {
  const baseUrl = inject('mockUrl');
  const image = 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQ';

  it('login', async () => {
    const run = await respect(workflows.login, baseUrl, {
      clientAccessToken: 'any-bearer-token',
      project: '66df5bf5c4d855fb0bdf5da2',
      projectFlow: '66df5c22c4d855fb0bdf5da9',
      identifier: '03da12fba',
      image,
    });
    expect(run.ok, run.output).toBe(true);
  });

  it('onboarding through an app registration', async () => {
    const run = await respect(workflows.onboarding, baseUrl, {
      clientAccessToken: 'any-bearer-token',
      project: '66df5bf5c4d855fb0bdf5da2',
      projectFlow: '66df5c22c4d855fb0bdf5daa',
      email: 'user@example.com',
      image,
    });
    expect(run.ok, run.output).toBe(true);
  });
});

describe('Arazzo workflows on the real server', () => {
  const base = inject('serverUrl');
  const demo = inject('demo');
  const token = demo.clientAccessToken;
  const bob = dataUri(photos.personB);

  beforeAll(async () => {
    // The operator's settings for these photos: this engine scores real photos 0.5 to 0.9 for liveness.
    for (const id of [demo.loginFlow, demo.onboardingFlow]) {
      const res = await call(base, {
        operationId: 'updateProjectFlow',
        token,
        params: { id },
        body: { livenessMinScore: 0.3 },
      });
      expect(res.status, res.text).toBe(200);
    }
    // Bob is enrolled under his identifier, so that the login workflow can find him.
    const created = await call(base, {
      operationId: 'createBiometricValidation',
      token,
      body: {
        project: demo.project,
        projectFlow: demo.onboardingFlow,
        identifier: 'arazzo-bob',
        type: 'onboarding',
      },
    });
    const enrolled = await call(base, {
      operationId: 'validateBiometricValidation',
      token: created.json.data.token,
      body: { image: bob },
    });
    expect(enrolled.status, enrolled.text).toBe(200);
  });

  it('login', async () => {
    const run = await respect(workflows.login, base, {
      clientAccessToken: token,
      project: demo.project,
      projectFlow: demo.loginFlow,
      identifier: 'arazzo-bob',
      // Bare base64: respect's command-line inputs cannot carry a data URI's `;` and `,` intact.
      image: readFileSync(photos.personB).toString('base64'),
    });
    expect(run.ok, run.output).toBe(true);
  });

  it('onboarding through an app registration', async () => {
    const run = await respect(workflows.onboarding, base, {
      clientAccessToken: token,
      project: demo.project,
      projectFlow: demo.onboardingFlow,
      email: 'arazzo-carol@example.com',
      image: readFileSync(photos.personC[1]).toString('base64'),
    });
    expect(run.ok, run.output).toBe(true);
  });
});
