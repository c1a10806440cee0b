import { describe, expect, it } from 'vitest';
import {
  type AttemptEvidence,
  admitAttempt,
  attemptLookups,
  decideAttempt,
} from '../../src/flows/validation/attempt.js';
import {
  ALICE,
  AT,
  analysis,
  attemptContext,
  BOB,
  COLLECTION,
  eventData,
  FLOW,
  MODEL,
  NOW,
  noFace,
  PROJECT,
  passed,
  person,
  VALIDATION,
  validation,
  withCollection,
} from './fixtures.js';

const evidence = (over: Partial<AttemptEvidence> = {}): AttemptEvidence => ({
  analysis: analysis(0.93),
  image: 'data:image/jpeg;base64,AAEC',
  candidates: [],
  ...over,
});

describe('an attempt on a validation without a collection', () => {
  it('completes on liveness alone, with the result claims and the validated data', () => {
    const d = decideAttempt(validation(), evidence(), attemptContext());
    expect(d.error).toBeUndefined();
    expect(d.next).toMatchObject({ status: 'completed', sessionStatus: 'used', attempts: 1, version: 1 });
    expect(d.next.result?.verificationResults.identityMatch).toBe('not_applicable');
    expect(d.next.result?.biometricData.livenessScore).toBe(0.93);
    expect(d.claims).toEqual({
      sub: 'alice@example.invalid',
      biometricValidation: VALIDATION,
      project: PROJECT,
      projectFlow: FLOW,
      type: 'validation',
      livenessScore: 0.93,
      livenessMethod: 'passive',
    });
    expect(d.onConflict).toBe('rejudge');
  });

  it('fails below the liveness minimum and says how many attempts remain', () => {
    const d = decideAttempt(validation(), evidence({ analysis: analysis(0.41) }), attemptContext());
    expect(d.error).toMatchObject({ status: 400, code: 'LIVENESS_DETECTION_FAILED', attemptsRemaining: 2 });
    expect(d.next).toMatchObject({ status: 'new', attempts: 1, livenessScore: 0.41 });
    expect(d.next.livenessResults).toEqual([{ score: 0.41, passed: false, createdAt: AT }]);
    expect(d.events).toEqual([]);
  });

  it('compares the same rounded liveness it reports', () => {
    const d = decideAttempt(validation(), evidence({ analysis: analysis(0.59951) }), attemptContext());
    expect(d.error).toBeUndefined();
    expect(d.next.result?.biometricData.livenessScore).toBe(0.6);
  });

  it('counts an image without a usable face as an attempt, with the engine’s reason', () => {
    const d = decideAttempt(validation(), evidence({ analysis: noFace }), attemptContext());
    expect(d.error).toMatchObject({ code: 'INVALID_BIOMETRIC_DATA', attemptsRemaining: 2 });
    expect(d.error?.details).toEqual([
      { path: '/body/image', message: 'No face was found in the image.', reason: 'NO_FACE' },
    ]);
    expect(d.next.livenessResults).toEqual([]);
  });

  it('fails the validation for good on the last attempt, with the failed event', () => {
    const v = validation({ attempts: 2, livenessScore: 0.3 });
    const d = decideAttempt(v, evidence({ analysis: analysis(0.2) }), attemptContext());
    expect(d.next).toMatchObject({
      status: 'failed',
      sessionStatus: 'used',
      attempts: 3,
      livenessScore: 0.3,
    });
    expect(d.error).toMatchObject({ code: 'LIVENESS_DETECTION_FAILED', attemptsRemaining: 0 });
    expect(eventData(d.events)).toEqual({
      biometric_validation_failed: {
        biometricValidation: v.id,
        project: PROJECT,
        projectFlow: FLOW,
        identifier: v.identifier,
        type: 'validation',
        status: 'failed',
        attempts: 3,
        reason: 'LIVENESS_DETECTION_FAILED',
      },
    });
  });

  it('raises no event when the validation has no webhook URL', () => {
    const v = validation({ attempts: 2, options: { ...validation().options, webhookUrl: undefined } });
    expect(decideAttempt(v, evidence({ analysis: analysis(0.2) }), attemptContext()).events).toEqual([]);
  });

  it('scores the risk as the weakest of liveness, match and quality', () => {
    const sharp = decideAttempt(validation(), evidence({ analysis: analysis(0.8) }), attemptContext());
    expect(sharp.next.result?.riskScore).toBe(0.2);
    // Sharpness 20 of 100: quality (0.99 + 1 + 0.2 + 1) / 4 = 0.7975 → 0.798, below the liveness of 0.9.
    const blurred = decideAttempt(
      validation(),
      evidence({ analysis: analysis(0.9, { sharpness: 20 }) }),
      attemptContext(),
    );
    expect(blurred.next.result?.verificationResults.qualityScore).toBe(0.798);
    expect(blurred.next.result?.riskScore).toBe(0.202);
  });
});

describe('an attempt on a login validation', () => {
  const v = withCollection({ type: 'login' });

  it('passes when the best match is the person enrolled under the identifier', () => {
    const d = decideAttempt(
      v,
      evidence({ candidates: [{ id: ALICE, score: 0.9712 }], enrolled: person(ALICE) }),
      attemptContext(),
    );
    expect(d.next).toMatchObject({ status: 'completed', personId: ALICE });
    expect(d.next.result).toMatchObject({ person: ALICE, matchScore: 0.971, riskScore: 0.07 });
    expect(d.next.comparisonResults).toEqual([{ person: ALICE, score: 0.971, passed: true, createdAt: AT }]);
    expect(d.claims).toMatchObject({ person: ALICE, matchScore: 0.971, livenessScore: 0.93 });
    expect(d.enrolment).toBeUndefined();
  });

  it('fails when the face is someone else’s, or nobody is enrolled under the identifier', () => {
    const other = decideAttempt(
      v,
      evidence({ candidates: [{ id: BOB, score: 0.98 }], enrolled: person(ALICE) }),
      attemptContext(),
    );
    expect(other.error).toMatchObject({ code: 'IDENTITY_VERIFICATION_FAILED', attemptsRemaining: 2 });
    expect(other.next.comparisonResults).toEqual([
      { person: BOB, score: 0.98, passed: false, createdAt: AT },
    ]);
    const nobody = decideAttempt(v, evidence({ candidates: [{ id: BOB, score: 0.98 }] }), attemptContext());
    expect(nobody.error?.details?.[0]?.message).toBe('No person is enrolled as alice@example.invalid.');
  });

  it('fails when the match is below the flow’s minimum', () => {
    const d = decideAttempt(
      v,
      evidence({ candidates: [{ id: ALICE, score: 0.85 }], enrolled: person(ALICE) }),
      attemptContext(),
    );
    expect(d.error?.code).toBe('IDENTITY_VERIFICATION_FAILED');
  });
});

describe('an attempt on an onboarding validation', () => {
  const v = withCollection({ type: 'onboarding' });

  it('enrols a new person with the template, the created-person event and the index entry', () => {
    const d = passed(decideAttempt(v, evidence({ candidates: [{ id: BOB, score: 0.4 }] }), attemptContext()));
    const personId = d.next.personId;
    expect(d.next.result).toMatchObject({ person: personId, matchScore: 1 });
    expect(d.enrolment?.person).toMatchObject({
      id: personId,
      collectionId: COLLECTION,
      identifier: v.identifier,
    });
    expect(d.enrolment?.templates.map((t) => t.model)).toEqual([MODEL]);
    expect(d.enrolment?.image).toBeUndefined();
    expect(d.indexed).toMatchObject({ collectionId: COLLECTION, personId });
    expect(eventData(d.events).biometric_validation_created_person).toEqual({
      biometricValidation: v.id,
      project: PROJECT,
      projectFlow: FLOW,
      identifier: v.identifier,
      type: 'onboarding',
      status: 'completed',
      person: personId,
      matchScore: 1,
      livenessScore: 0.93,
      riskScore: 0.07,
      collection: COLLECTION,
    });
  });

  it('keeps and shows the face image when the flow retains images', () => {
    const retaining = withCollection({
      type: 'onboarding',
      settings: { ...v.settings, retainFaceImages: true },
    });
    const d = passed(decideAttempt(retaining, evidence(), attemptContext()));
    expect(d.enrolment?.image).toMatchObject({ mime: 'image/jpeg', image: new Uint8Array([0, 1, 2]) });
    expect(d.faceImage).toBe('data:image/jpeg;base64,AAEC');
    expect(JSON.stringify(d.next.result)).not.toContain('AAEC');
  });

  it('refuses a face already enrolled, and an identifier already taken', () => {
    const dup = decideAttempt(v, evidence({ candidates: [{ id: BOB, score: 0.95 }] }), attemptContext());
    expect(dup.error?.details?.[0]?.message).toMatch(/already enrolled in the collection/);
    const taken = decideAttempt(v, evidence({ enrolled: person(ALICE) }), attemptContext());
    expect(taken.error?.details?.[0]?.message).toBe('A person is already enrolled as alice@example.invalid.');
    expect(taken.enrolment).toBeUndefined();
  });
});

describe('an attempt on a validation-type validation with a collection', () => {
  it('passes for whoever matches, and fails when no one does', () => {
    const v = withCollection();
    const d = decideAttempt(v, evidence({ candidates: [{ id: BOB, score: 0.95 }] }), attemptContext());
    expect(d.next.result).toMatchObject({ person: BOB, matchScore: 0.95 });
    const none = decideAttempt(v, evidence(), attemptContext());
    expect(none.error?.code).toBe('IDENTITY_VERIFICATION_FAILED');
    expect(none.next.comparisonResults).toEqual([{ score: 0, passed: false, createdAt: AT }]);
  });
});

describe('an attempt with 2FA', () => {
  it('awaits the code: a code mail, no result token and no validated event yet', () => {
    const v = validation({
      options: { ...validation().options, requires2FA: true, email: 'a@example.invalid' },
    });
    const d = decideAttempt(v, evidence(), attemptContext());
    expect(d.next.status).toBe('awaiting_2fa');
    expect(d.next.result?.status).toBe('awaiting_2fa');
    expect(d.claims).toBeUndefined();
    expect(d.events).toEqual([]);
    expect(d.mails).toEqual([
      { validationId: v.id, kind: 'code', recipient: 'a@example.invalid', language: 'en' },
    ]);
  });
});

describe('admitting an attempt', () => {
  const session = { sid: 'session', tokenExpired: false };

  it('admits a fresh validation with its own session', () => {
    expect(admitAttempt(validation(), session, NOW)).toBeUndefined();
    expect(admitAttempt(validation(), { ...session, sid: 'other' }, NOW)?.error?.code).toBe(
      'LIVENESS_SESSION_EXPIRED',
    );
  });

  it('refuses a settled validation without changing it', () => {
    const done = admitAttempt(validation({ status: 'completed' }), session, NOW);
    expect(done).toMatchObject({ error: { status: 409, code: 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED' } });
    expect(done?.next).toBeUndefined();
    expect(admitAttempt(validation({ status: 'failed' }), session, NOW)?.error).toMatchObject({
      code: 'BIOMETRIC_VALIDATION_FAILED',
      attemptsRemaining: 0,
    });
  });

  it('expires a validation past its expiry, with the expired event', () => {
    const v = validation({ expiresAt: new Date(NOW - 1).toISOString() });
    const d = admitAttempt(v, session, NOW);
    expect(d?.next).toMatchObject({ status: 'expired', sessionStatus: 'expired', version: 1, updatedAt: AT });
    expect(d?.error).toMatchObject({ status: 410, code: 'LIVENESS_SESSION_EXPIRED' });
    expect(d?.onConflict).toBe('stands');
    expect(d?.events[0]?.payload).toEqual({
      type: 'biometric_validation_expired',
      timestamp: AT,
      data: {
        biometricValidation: v.id,
        project: PROJECT,
        projectFlow: FLOW,
        identifier: v.identifier,
        type: 'validation',
        status: 'expired',
        reason: 'LIVENESS_SESSION_EXPIRED',
      },
    });
    expect(admitAttempt(validation(), { ...session, tokenExpired: true }, NOW)?.next?.status).toBe('expired');
  });
});

describe('what an attempt needs looked up', () => {
  it('searches the collection, and reads the identifier’s person for login and onboarding only', () => {
    expect(attemptLookups(validation())).toBeUndefined();
    expect(attemptLookups(withCollection())).toEqual({ collectionId: COLLECTION, enrolledPerson: false });
    expect(attemptLookups(withCollection({ type: 'login' }))?.enrolledPerson).toBe(true);
    expect(attemptLookups(withCollection({ type: 'onboarding' }))?.enrolledPerson).toBe(true);
  });
});
