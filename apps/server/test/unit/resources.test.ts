import { describe, expect, it } from 'vitest';
import { schemaDefaults } from '../../src/contract/defaults.js';
import { registrationFlowRefusal, withExpiry } from '../../src/resources/app-registrations.js';
import { type FlowInput, newFlow, patchFlow } from '../../src/resources/project-flows.js';
import { notReadyBecause } from '../../src/resources/readiness.js';
import type { AppRegistration } from '../../src/store/types.js';

const origin = {
  id: 'f1',
  clientId: 'c1',
  projectId: 'p1',
  collectionId: undefined,
  now: '2026-01-01T00:00:00.000Z',
};

// What ajv's useDefaults fills into a create request that leaves the settings out.
const defaults = schemaDefaults('CreateProjectFlowRequest') as Pick<
  FlowInput,
  'livenessMinScore' | 'maxAttempts' | 'retainFaceImages' | 'livenessMode' | 'public' | 'loginMatch'
>;

describe('project flows', () => {
  it("gives a new flow the spec's defaults, the search minimum following the mode", () => {
    const f = newFlow({ ...defaults, type: 'login', status: 'draft', searchMode: 'FAST' }, origin);
    expect(f).toMatchObject({
      status: 'draft',
      name: 'Login',
      // issue 14: new flows run the active challenge unless they ask for passive.
      livenessMode: 'active',
      livenessMinScore: 0.6,
      searchMode: 'FAST',
      searchMinScore: 0.85,
      maxAttempts: 3,
      retainFaceImages: false,
    });
    expect(
      newFlow(
        { ...defaults, type: 'onboarding', status: 'draft', searchMode: 'ACCURATE', searchMinScore: 0.7 },
        origin,
      ),
    ).toMatchObject({
      name: 'Onboarding',
      searchMode: 'ACCURATE',
      searchMinScore: 0.7,
    });
  });

  it('patches only what is sent; a new mode alone resets the minimum; null clears a URL', () => {
    const f = newFlow(
      {
        ...defaults,
        type: 'login',
        status: 'draft',
        searchMode: 'ACCURATE',
        webhookUrl: 'https://hooks.example.invalid/x',
        maxAttempts: 5,
      },
      origin,
    );
    const later = { collectionId: 'col1', now: '2026-01-02T00:00:00.000Z' };
    const next = patchFlow(f, { searchMode: 'FAST', webhookUrl: null }, later);
    expect(next).toMatchObject({
      searchMode: 'FAST',
      searchMinScore: 0.85,
      maxAttempts: 5,
      collectionId: 'col1',
    });
    expect(next.webhookUrl).toBeUndefined();
    expect(next.updatedAt).toBe(later.now);
    expect(patchFlow(f, { searchMode: 'FAST', searchMinScore: 0.5 }, later).searchMinScore).toBe(0.5);
    expect(f.searchMode).toBe('ACCURATE');
  });
});

describe('app registrations', () => {
  const flow = {
    ...newFlow({ ...defaults, type: 'onboarding', status: 'active', searchMode: 'ACCURATE' }, origin),
  };
  it('accepts only an active onboarding flow of the same project, and says why not', () => {
    expect(registrationFlowRefusal(flow, 'p1')).toBeUndefined();
    expect(registrationFlowRefusal(flow, 'p2')).toMatch(/not a flow of project p2/);
    expect(registrationFlowRefusal({ ...flow, type: 'login' }, 'p1')).toMatch(/a login flow/);
    expect(registrationFlowRefusal({ ...flow, status: 'paused' }, 'p1')).toMatch(/is paused;/);
  });

  it('reads an open registration past its expiry as EXPIRED', () => {
    const r = { status: 'ONGOING', expiresAt: '2026-01-01T00:00:00.000Z' } as AppRegistration;
    expect(withExpiry(r, Date.parse('2025-12-31T23:59:59Z')).status).toBe('ONGOING');
    expect(withExpiry(r, Date.parse('2026-01-01T00:00:00Z')).status).toBe('EXPIRED');
    expect(withExpiry({ ...r, status: 'COMPLETED' }, Date.parse('2027-01-01T00:00:00Z')).status).toBe(
      'COMPLETED',
    );
  });
});

describe('readiness', () => {
  it('is ready only when not closing, the engine is loaded and the database answers', async () => {
    const up = async () => true;
    expect(await notReadyBecause({ closing: false, engineReady: true, databaseAnswers: up })).toBeUndefined();
    expect(await notReadyBecause({ closing: true, engineReady: true, databaseAnswers: up })).toMatch(
      /shutting down/,
    );
    expect(await notReadyBecause({ closing: false, engineReady: false, databaseAnswers: up })).toMatch(
      /engine/,
    );
    expect(
      await notReadyBecause({ closing: false, engineReady: true, databaseAnswers: async () => false }),
    ).toMatch(/database/);
  });
});
