import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataUri, fx, type Harness, ownFlows, startServer, unique } from './helpers.js';

// Request sequences that once answered 500 and left state stuck (issue 15), on both stores.
let h: Harness;
let token: string;
const A0 = dataUri(fx.personA[0]);

beforeAll(async () => {
  h = await startServer();
  token = h.demo.clientAccessToken;
});
afterAll(async () => h?.close());

const validate = (sessionToken: string, image: string) =>
  h.call('POST', '/v2/biometric-validations/validate', { token: sessionToken, body: { image } });

/** The next 23:59:60 UTC at least a day ahead, within the 7 days an expiry may reach. */
function leapSecondAhead(): string {
  const day = new Date(Date.now() + 2 * 24 * 3600_000).toISOString().slice(0, 10);
  return `${day}T23:59:60Z`;
}

describe('an expiry with a leap second', () => {
  it('is accepted as the last millisecond of its minute, and the validation completes', async () => {
    const flows = await ownFlows(h);
    const expiresAt = leapSecondAhead();
    const res = await h.call('POST', '/v2/biometric-validations', {
      token,
      body: {
        project: h.demo.project,
        projectFlow: flows.onboardingFlow,
        identifier: unique('leap'),
        type: 'onboarding',
        expiresAt,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.biometricValidation.expiresAt).toBe(expiresAt.replace(':60Z', ':59.999Z'));
    const done = await validate(res.body.data.token, A0);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.data.status).toBe('completed');
  });
});

describe('deleting the collection of a validation in progress', () => {
  it('is refused with 409 until the validation is final, and the validation still completes', async () => {
    const flows = await ownFlows(h);
    const created = await h.call('POST', '/v2/biometric-validations', {
      token,
      body: {
        project: h.demo.project,
        projectFlow: flows.onboardingFlow,
        identifier: unique('orphan'),
        type: 'onboarding',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const validationId = created.body.data.biometricValidation._id;
    for (const flow of [flows.onboardingFlow, flows.loginFlow]) {
      const res = await h.call('PATCH', `/v2/project-flows/${flow}`, {
        token,
        body: { assignedCollection: null },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const refused = await h.call('DELETE', `/v2/collections/${flows.collection}`, { token });
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.code).toBe('COLLECTION_IN_USE');
    expect(refused.body.message).toContain(validationId);

    const done = await validate(created.body.data.token, A0);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.data.status).toBe('completed');
    const person = await h.call('GET', `/v2/persons/${done.body.data.person}`, { token });
    expect(person.body.data).toMatchObject({ collection: flows.collection, templates: 1 });

    const deleted = await h.call('DELETE', `/v2/collections/${flows.collection}`, { token });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body.data).toMatchObject({ deleted: true, persons: 1, templates: 1 });
    const gone = await h.call('GET', `/v2/persons/${done.body.data.person}`, { token });
    expect(gone.status).toBe(404);
  });
});

describe('re-enrolling an app registration whose person was deleted', () => {
  it('enrols a new person, with force and without, and the face logs in again', async () => {
    const flows = await ownFlows(h);
    const registration = await h.call('POST', '/v2/app-registrations', {
      token,
      body: {
        project: h.demo.project,
        projectFlow: flows.onboardingFlow,
        email: `${unique('reg')}@example.com`,
      },
    });
    expect(registration.status, JSON.stringify(registration.body)).toBe(200);
    const enrolFace = (force: boolean) =>
      h.call('POST', '/v2/biometric-validations/app-registration', {
        token: registration.body.data.token,
        body: { image: A0, os: 'DESKTOP', force },
      });
    const first = await enrolFace(false);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    let person: string = first.body.data.person;
    for (const force of [true, false]) {
      const deleted = await h.call('DELETE', `/v2/persons/${person}`, { token });
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
      const again = await enrolFace(force);
      expect(again.status, `force ${force}: ${JSON.stringify(again.body)}`).toBe(200);
      expect(again.body.data.person).not.toBe(person);
      person = again.body.data.person;
      const got = await h.call('GET', `/v2/persons/${person}`, { token });
      expect(got.body.data).toMatchObject({ collection: flows.collection, templates: 1 });
    }
    const list = await h.call('GET', `/v2/persons?collection=${flows.collection}`, { token });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.data.map((p: { _id: string }) => p._id)).toEqual([person]);
  });
});

describe('concurrent onboardings into one collection', () => {
  const TRIALS = 8;
  const AT_ONCE = 3;

  async function race(identifiers: (i: number) => string) {
    const flows = await ownFlows(h);
    const sessions = await Promise.all(
      Array.from({ length: AT_ONCE }, async (_, i) => {
        const res = await h.call('POST', '/v2/biometric-validations', {
          token,
          body: {
            project: h.demo.project,
            projectFlow: flows.onboardingFlow,
            identifier: identifiers(i),
            type: 'onboarding',
          },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body.data as { token: string; biometricValidation: { _id: string } };
      }),
    );
    const answers = await Promise.all(sessions.map((s) => validate(s.token, A0)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses, JSON.stringify(answers.map((a) => a.body))).toEqual([
      200,
      ...Array(AT_ONCE - 1).fill(400),
    ]);
    for (const a of answers.filter((x) => x.status === 400))
      expect(a.body).toMatchObject({ code: 'IDENTITY_VERIFICATION_FAILED', attemptsRemaining: 2 });
    const persons = await h.call('GET', `/v2/persons?collection=${flows.collection}`, { token });
    expect(persons.body.data).toHaveLength(1);
    expect(persons.body.data[0]._id).toBe(answers.find((a) => a.status === 200)?.body.data.person);
    // The losers are not stuck: each stays open with its attempts left.
    for (const [i, s] of sessions.entries()) {
      const got = await h.call('GET', `/v2/biometric-validations/${s.biometricValidation._id}`, { token });
      expect(got.body.data.biometricValidation.status).toBe(answers[i]?.status === 200 ? 'completed' : 'new');
    }
  }

  it('of one identifier enrol one person and refuse the others as a taken identifier', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const identifier = unique('same');
      await race(() => identifier);
    }
  });

  it('of one face under different identifiers enrol one person and refuse the others as a duplicate', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const prefix = unique('face');
      await race((i) => `${prefix}-${i}`);
    }
  });
});
