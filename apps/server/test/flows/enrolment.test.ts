import { describe, expect, it } from 'vitest';
import { bytesTemplate, livenessScore } from '../../src/flows/analysis.js';
import { admitEnrolment, decideEnrolment } from '../../src/flows/app-registration/enrol.js';
import { buildEnrolment } from '../../src/flows/enrolment.js';
import type { AppRegistration } from '../../src/flows/types.js';
import {
  AT,
  analysis,
  eventData,
  FLOW,
  ids,
  LEGACY_MODEL,
  MODEL,
  NOW,
  person,
  projectFlow,
} from './fixtures.js';

describe('the enrolment builder', () => {
  const input = {
    person: { id: 'p1', clientId: 'c', projectId: 'pr', collectionId: 'col', identifier: 'alice' },
    analysis: analysis(0.9, { seed: 7 }),
    image: 'data:image/png;base64,iVBO',
    templateModels: [MODEL],
    at: AT,
    newId: ids('t'),
  };

  it('names the model that made the template and keeps its bytes', () => {
    const e = buildEnrolment({ ...input, retainFaceImage: false });
    expect(e.templates).toHaveLength(1);
    expect(e.templates[0]).toMatchObject({ personId: 'p1', collectionId: 'col', model: MODEL });
    expect(bytesTemplate(e.templates[0]?.template as Uint8Array)).toEqual(input.analysis.template);
    expect(e.person).toEqual({ ...input.person, createdAt: AT, updatedAt: AT });
    expect(e.image).toBeUndefined();
    expect(e).not.toHaveProperty('replacePersonId');
  });

  it('stores one template per stored model, each of its own model, while a collection searches the old one', () => {
    const e = buildEnrolment({
      ...input,
      templateModels: [MODEL, LEGACY_MODEL, 'no-such-model'],
      retainFaceImage: false,
    });
    expect(e.templates.map((t) => t.model)).toEqual([MODEL, LEGACY_MODEL]);
    expect(bytesTemplate(e.templates[1]?.template as Uint8Array)).toEqual(
      input.analysis.templates[LEGACY_MODEL],
    );
    expect(new Set(e.templates.map((t) => t.id)).size).toBe(2);
  });

  it('keeps the image only when the flow retains images, with the sent media type', () => {
    const e = buildEnrolment({ ...input, retainFaceImage: true, replacePersonId: 'p1' });
    expect(e.image).toMatchObject({ personId: 'p1', mime: 'image/png' });
    expect(e.replacePersonId).toBe('p1');
  });

  it('rounds liveness to 3 decimals within 0..1', () => {
    expect([0.98765, 1.2, -0.1].map((s) => livenessScore(analysis(s)))).toEqual([0.988, 1, 0]);
  });
});

describe('enrolling the face of an app registration', () => {
  const flow = projectFlow({ type: 'onboarding', collectionId: 'col' });
  const registration: AppRegistration = {
    id: 'reg',
    clientId: 'client',
    projectId: 'project',
    flowId: FLOW,
    status: 'STARTED',
    email: 'alice@example.invalid',
    expiresAt: new Date(NOW + 60_000).toISOString(),
    createdAt: AT,
    updatedAt: AT,
  };
  const ctx = { collectionId: 'col', templateModels: [MODEL], newId: ids('n') };
  const s = { registration, flow, now: NOW };
  const body = { image: 'AAEC', os: 'IOS' as const, force: false };

  it('admits an open registration with a collection; refuses an expired one or one already linked', () => {
    expect(admitEnrolment(s, false)).toEqual({ flow, collectionId: 'col' });
    expect(admitEnrolment({ ...s, now: NOW + 120_000 }, false)).toMatchObject({
      error: { code: 'APP_REGISTRATION_NOT_ACTIVE' },
    });
    const linked = { ...s, registration: { ...registration, personId: 'p' } };
    expect(
      admitEnrolment({ ...linked, person: { ...person('p', 'x'), collectionId: 'col' } }, false),
    ).toMatchObject({
      error: { code: 'PERSON_ALREADY_SET' },
    });
    expect(admitEnrolment({ ...s, flow: undefined }, false)).toMatchObject({
      error: { code: 'COLLECTION_NOT_SET' },
    });
  });

  it('creates a person with the created event, liveness as validate reports it', () => {
    const d = decideEnrolment(s, body, { analysis: analysis(0.8766), candidates: [] }, ctx);
    if (d.error) throw new Error(d.error.message);
    expect(d.next).toMatchObject({ status: 'ONGOING', os: 'IOS', personId: d.enrolment.person.id });
    expect(d.enrolment.person.identifier).toBe('alice@example.invalid');
    expect(d.enrolment.templates.map((t) => t.model)).toEqual([MODEL]);
    expect(eventData(d.events).app_registration_person_created).toEqual({
      appRegistration: 'reg',
      project: 'project',
      projectFlow: FLOW,
      person: d.enrolment.person.id,
      collection: 'col',
      livenessScore: 0.877,
    });
  });

  it('refuses a low liveness (on the reported score) and a duplicate unless forced, which replaces', () => {
    expect(
      decideEnrolment(s, body, { analysis: analysis(0.5996), candidates: [] }, ctx).error,
    ).toBeUndefined();
    expect(decideEnrolment(s, body, { analysis: analysis(0.4123), candidates: [] }, ctx).error).toMatchObject(
      {
        code: 'LIVENESS_FAILED',
        scoreSuffix: '@0.412',
      },
    );
    const dup = {
      analysis: analysis(0.9),
      candidates: [],
      sameIdentifier: person('old', 'alice@example.invalid'),
    };
    expect(decideEnrolment(s, body, dup, ctx).error?.code).toBe('PERSON_ALREADY_SET');
    const forced = decideEnrolment(s, { ...body, force: true }, dup, ctx);
    if (forced.error) throw new Error(forced.error.message);
    expect(forced.enrolment.replacePersonId).toBe('old');
    expect(forced.events[0]?.eventType).toBe('app_registration_person_replaced');
  });

  it('enrols a new person when the person of the registration was deleted, with or without force', () => {
    const orphaned = {
      ...s,
      registration: { ...registration, status: 'ONGOING' as const, personId: 'gone' },
    };
    expect(admitEnrolment(orphaned, false)).toEqual({ flow, collectionId: 'col' });
    for (const force of [false, true]) {
      const d = decideEnrolment(
        orphaned,
        { ...body, force },
        { analysis: analysis(0.9), candidates: [] },
        ctx,
      );
      if (d.error) throw new Error(d.error.message);
      expect(d.enrolment.replacePersonId).toBeUndefined();
      expect(d.enrolment.person.id).not.toBe('gone');
      expect(d.next.personId).toBe(d.enrolment.person.id);
      expect(d.events[0]?.eventType).toBe('app_registration_person_created');
    }
  });

  it('replaces its own person with force while that person is enrolled in the collection of the flow', () => {
    const own = {
      ...s,
      registration: { ...registration, status: 'ONGOING' as const, personId: 'p' },
      person: { ...person('p', 'alice@example.invalid'), collectionId: 'col' },
    };
    const d = decideEnrolment(
      own,
      { ...body, force: true },
      { analysis: analysis(0.9), candidates: [] },
      ctx,
    );
    if (d.error) throw new Error(d.error.message);
    expect(d.enrolment.replacePersonId).toBe('p');
    expect(d.events[0]?.eventType).toBe('app_registration_person_replaced');
  });
});
