import { describe, expect, inject, it } from 'vitest';
import { respect, workflows } from '../src/respect.js';

// The Arazzo workflows of openapi/ run against the mock: each step's success criteria, status,
// content type and schema checks must pass on the mock's static examples.
const baseUrl = inject('mockUrl');
const image = 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQ';

describe('mock: Arazzo workflows', () => {
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
