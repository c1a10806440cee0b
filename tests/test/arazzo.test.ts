import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { type OwnProject, onboard, ownProject } from '../src/fixtures.js';
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
  const token = inject('demo').clientAccessToken;
  let own: OwnProject<'login' | 'onboarding'>;

  beforeAll(async () => {
    // A project of this file's own, with the operator's settings for these photos: this engine
    // scores real photos 0.5 to 0.9 for liveness. Bob is enrolled, so the login workflow finds him.
    own = await ownProject(base, token, {
      login: { type: 'login', livenessMinScore: 0.3 },
      onboarding: { type: 'onboarding', livenessMinScore: 0.3 },
    });
    const where = { project: own.project, flow: own.flows.onboarding };
    await onboard(base, token, where, 'arazzo-bob', dataUri(photos.personB));
  });

  it('login', async () => {
    const run = await respect(workflows.login, base, {
      clientAccessToken: token,
      project: own.project,
      projectFlow: own.flows.login,
      identifier: 'arazzo-bob',
      // Bare base64: respect's command-line inputs cannot carry a data URI's `;` and `,` intact.
      image: readFileSync(photos.personB).toString('base64'),
    });
    expect(run.ok, run.output).toBe(true);
  });

  it('onboarding through an app registration', async () => {
    const run = await respect(workflows.onboarding, base, {
      clientAccessToken: token,
      project: own.project,
      projectFlow: own.flows.onboarding,
      email: 'arazzo-carol@example.com',
      image: readFileSync(photos.personC[1]).toString('base64'),
    });
    expect(run.ok, run.output).toBe(true);
  });
});
