import { describe, expect, it } from 'vitest';
import type { Project } from '../../src/flows/types.js';
import { type CreateState, decideCreate } from '../../src/flows/validation/create.js';
import { AT, FLOW, ids, NOW, PROJECT, projectFlow } from './fixtures.js';

const project: Project = {
  id: PROJECT,
  clientId: 'client',
  name: 'P',
  webhookSecret: 's',
  createdAt: AT,
  updatedAt: AT,
};
const flow = projectFlow();

const state = (
  request: Partial<CreateState['request']> = {},
  over: Partial<CreateState> = {},
): CreateState => ({
  clientId: 'client',
  request: {
    project: PROJECT,
    projectFlow: FLOW,
    identifier: 'alice',
    type: 'login',
    requires2FA: false,
    sendViaEmail: false,
    language: 'en',
    ...request,
  },
  project,
  flow,
  now: NOW,
  newId: ids('c'),
  ...over,
});

describe('creating a validation', () => {
  it('snapshots the flow settings and signs a session as long as the validation', () => {
    const d = decideCreate(state());
    if (d.error) throw new Error(d.error.message);
    expect(d.validation).toMatchObject({
      status: 'new',
      sessionStatus: 'active',
      settings: { livenessMinScore: 0.6, maxAttempts: 3 },
      options: { webhookUrl: 'https://hooks.example.invalid/flow', requires2FA: false, language: 'en' },
      expiresAt: new Date(NOW + 10 * 60_000).toISOString(),
      version: 0,
    });
    expect(d.session).toEqual({
      claims: { sub: d.validation.id, sid: d.validation.sessionId, project: PROJECT },
      expiresAt: NOW + 10 * 60_000,
    });
    expect(d.mails).toEqual([]);
  });

  it('gives an emailed link a day, and queues the link mail', () => {
    const d = decideCreate(state({ sendViaEmail: true, email: 'a@example.invalid', language: 'es' }));
    if (d.error) throw new Error(d.error.message);
    expect(d.validation.expiresAt).toBe(new Date(NOW + 24 * 3600_000).toISOString());
    expect(d.mails).toEqual([
      { validationId: d.validation.id, kind: 'link', recipient: 'a@example.invalid', language: 'es' },
    ]);
  });

  it('refuses an expiry in the past or more than 7 days ahead', () => {
    const past = decideCreate(state({ expiresAt: new Date(NOW - 1).toISOString() }));
    expect(past.error).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: '/body/expiresAt' }] });
    const far = decideCreate(state({ expiresAt: new Date(NOW + 8 * 24 * 3600_000).toISOString() }));
    expect(far.error?.details?.[0]?.message).toBe('must be at most 7 days ahead');
  });

  it('takes a leap second as the last millisecond of its minute, and refuses a non-RFC 3339 expiry', () => {
    const leap = decideCreate(state({ expiresAt: '2026-01-15T23:59:60Z' }));
    if (leap.error) throw new Error(leap.error.message);
    expect(leap.validation.expiresAt).toBe('2026-01-15T23:59:59.999Z');
    expect(leap.session.expiresAt).toBe(Date.parse('2026-01-15T23:59:59.999Z'));
    const loose = decideCreate(state({ expiresAt: '2026-01-16' }));
    expect(loose.error).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: '/body/expiresAt' }] });
  });

  it('refuses a flow of another project, type or status, and a login flow without a collection', () => {
    const codes = [
      decideCreate(state({}, { flow: { ...flow, projectId: 'other' } })),
      decideCreate(state({}, { flow: { ...flow, status: 'paused' } })),
      decideCreate(state({ type: 'onboarding' })),
      decideCreate(state({}, { flow: { ...flow, collectionId: undefined } })),
    ].map((d) => d.error?.code);
    expect(codes).toEqual(Array(4).fill('INVALID_PROJECT_FLOW'));
    expect(
      decideCreate(state({ type: 'validation' }, { flow: { ...flow, collectionId: undefined } })).error,
    ).toBeUndefined();
  });
});
