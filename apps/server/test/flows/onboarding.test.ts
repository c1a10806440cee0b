import { Contract } from '@faceproof/openapi';
import { describe, expect, it } from 'vitest';
import { templateBytes } from '../../src/flows/analysis.js';
import type { BiometricValidation, Enrolment } from '../../src/flows/types.js';
import { type AttemptEvidence, decideAttempt } from '../../src/flows/validation/attempt.js';
import { seal } from '../../src/flows/validation/claims.js';
import { judgeCode } from '../../src/flows/validation/confirm-code.js';
import { enrolOnConfirm, enrolsOnConfirm } from '../../src/flows/validation/onboarding.js';
import {
  ALICE,
  analysis,
  attemptContext,
  BOB,
  COLLECTION,
  eventData,
  NOW,
  passed,
  person,
  withCollection,
} from './fixtures.js';

// A `requires2FA` onboarding enrols nobody when its face passes: the enrolment is held, and the
// confirmation of the code enrols it after the same duplicate checks, or fails the validation.
const contract = new Contract();
const LATER = NOW + 60_000;

const evidence = (over: Partial<AttemptEvidence> = {}): AttemptEvidence => ({
  analysis: analysis(0.93),
  image: 'data:image/jpeg;base64,AAEC',
  candidates: [],
  ...over,
});

const onboarding = (retainFaceImages = false) =>
  withCollection({
    type: 'onboarding',
    options: { ...withCollection().options, requires2FA: true, email: 'alice@example.invalid' },
    settings: { ...withCollection().settings, retainFaceImages },
  });

/** A 2FA onboarding whose face passed, with the enrolment it holds. */
function awaiting(retainFaceImages = false): { v: BiometricValidation; held: Enrolment } {
  const d = passed(decideAttempt(onboarding(retainFaceImages), evidence(), attemptContext()));
  if (!d.holdEnrolment) throw new Error('expected a held enrolment');
  return { v: d.next, held: d.holdEnrolment };
}

/** The right code on `v`, one minute after its face passed. */
const rightCode = (v: BiometricValidation) =>
  passed(
    judgeCode(
      { validation: v, session: { sid: 'session', tokenExpired: false }, now: LATER, maxTries: 3 },
      1,
      true,
    ),
  );

describe('a 2FA onboarding whose face passed', () => {
  it('holds its enrolment: no person, no index entry, no created-person event, no face image yet', () => {
    const d = passed(decideAttempt(onboarding(true), evidence(), attemptContext()));
    expect(d.next.status).toBe('awaiting_2fa');
    expect(d.enrolment).toBeUndefined();
    expect(d.indexed).toBeUndefined();
    expect(d.faceImage).toBeUndefined();
    expect(d.events).toEqual([]);
    expect(d.next.personId).toBeUndefined();
    expect(d.next.result.person).toBeUndefined();
    expect(d.next.result.matchScore).toBe(1);
    expect(d.holdEnrolment?.person).toMatchObject({
      collectionId: COLLECTION,
      identifier: d.next.identifier,
    });
    expect(d.holdEnrolment?.image).toMatchObject({ mime: 'image/jpeg', image: new Uint8Array([0, 1, 2]) });
    expect(d.mails).toHaveLength(1);
  });

  it('is refused at validate as a duplicate, like any onboarding', () => {
    const d = decideAttempt(
      onboarding(),
      evidence({ candidates: [{ id: BOB, score: 0.95 }] }),
      attemptContext(),
    );
    expect(d.error?.code).toBe('IDENTITY_VERIFICATION_FAILED');
    expect(d.holdEnrolment).toBeUndefined();
  });

  it('enrols on confirmation only when its person is not set', () => {
    const { v } = awaiting();
    expect(enrolsOnConfirm(v)).toBe(true);
    expect(enrolsOnConfirm({ ...v, personId: ALICE })).toBe(false);
    expect(enrolsOnConfirm({ ...v, type: 'login' })).toBe(false);
    expect(enrolsOnConfirm({ ...v, collectionId: undefined })).toBe(false);
  });
});

describe('confirming the code of a 2FA onboarding', () => {
  it('enrols the held person now, with the person in the result, the claims and the events', () => {
    const { v, held } = awaiting(true);
    const d = enrolOnConfirm(v, rightCode(v), { held, candidates: [{ id: BOB, score: 0.3 }] }, LATER);
    if (d.error) throw new Error(`refused: ${d.error.code}`);
    const at = new Date(LATER).toISOString();
    expect(d.enrolment.person).toMatchObject({ id: held.person.id, createdAt: at, updatedAt: at });
    expect(held.templates.length).toBeGreaterThan(0);
    expect(d.enrolment.templates.map((t) => [t.model, t.template])).toEqual(
      held.templates.map((t) => [t.model, t.template]),
    );
    expect(d.next).toMatchObject({ status: 'completed', personId: held.person.id });
    expect(d.next.result).toMatchObject({ status: 'completed', person: held.person.id, matchScore: 1 });
    expect(d.claims.person).toBe(held.person.id);
    expect(d.indexed).toMatchObject({ collectionId: COLLECTION, personId: held.person.id });
    for (const t of held.templates)
      expect(templateBytes(d.indexed.templates[t.model] as Float32Array)).toEqual(t.template);
    expect(d.faceImage).toBe('data:image/jpeg;base64,AAEC');
    const sealed = seal(d, 'header.payload.signature');
    expect(sealed.events.map((e) => e.eventType)).toEqual([
      'biometric_validation_validated',
      'biometric_validation_created_person',
    ]);
    expect(eventData(sealed.events).biometric_validation_created_person).toMatchObject({
      status: 'completed',
      person: held.person.id,
      collection: COLLECTION,
    });
    for (const e of sealed.events) {
      const hook = contract.webhooks.find((w) => w.path === e.eventType);
      const check = contract.compile(hook?.op.requestBody.content['application/json'].schema);
      expect(check(e.payload), JSON.stringify(check.errors)).toBe(true);
    }
  });

  it('fails the validation, enrolling nobody, when the face or the identifier was enrolled meanwhile', () => {
    const { v, held } = awaiting();
    const refusals = [
      enrolOnConfirm(v, rightCode(v), { held, candidates: [{ id: BOB, score: 0.95 }] }, LATER),
      enrolOnConfirm(v, rightCode(v), { held, candidates: [], enrolled: person(ALICE, v.identifier) }, LATER),
      enrolOnConfirm(v, rightCode(v), { candidates: [] }, LATER),
    ];
    const messages = refusals.map((d) => d.error?.details?.[0]?.message);
    expect(messages).toEqual([
      'The face is already enrolled in the collection (score 0.95, minimum 0.9).',
      `A person is already enrolled as ${v.identifier}.`,
      'The collection was deleted while the code was awaited.',
    ]);
    for (const d of refusals) {
      expect(d.error).toMatchObject({
        status: 409,
        code: 'IDENTITY_VERIFICATION_FAILED',
        attemptsRemaining: 0,
      });
      expect(d.next).toMatchObject({ status: 'failed', version: v.version + 1 });
      expect('enrolment' in d && d.enrolment).toBeFalsy();
      expect(eventData(d.events).biometric_validation_failed).toMatchObject({
        status: 'failed',
        reason: 'IDENTITY_VERIFICATION_FAILED',
      });
    }
  });
});
