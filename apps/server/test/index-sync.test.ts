/**
 * The reconciliation that backs up LISTEN/NOTIFY: when a change never reached this instance's
 * index (a lost notice, a connection that dropped), reconcile() brings the index back in line with
 * the stored templates. Runs on both stores.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataUri, fx, type Harness, startServer } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startServer();
});
afterAll(async () => h?.close());

async function validate(type: 'login' | 'onboarding', identifier: string, file: string) {
  const flow = type === 'login' ? h.demo.loginFlow : h.demo.onboardingFlow;
  const created = await h.call('POST', '/v2/biometric-validations', {
    token: h.demo.clientAccessToken,
    body: { project: h.demo.project, projectFlow: flow, identifier, type },
  });
  expect(created.status).toBe(200);
  return h.call('POST', '/v2/biometric-validations/validate', {
    token: created.body.data.token,
    body: { image: dataUri(file) },
  });
}

it('restores a person whose notice was lost, and drops one deleted behind its back', async () => {
  const faces = h.server.ctx.faces;
  const enrolled = await validate('onboarding', 'dora', fx.personA[0]);
  expect(enrolled.status).toBe(200);
  const person = enrolled.body.data.person as string;
  const collection = h.demo.collection;
  expect(faces.has(collection, person)).toBe(true);
  // A local add carries no template id; the first reconciliation after it fetches the id once.
  await new Promise((r) => setTimeout(r, 5));
  expect(await faces.reconcile()).toEqual({ added: 1, removed: 0 });
  expect(await faces.reconcile()).toEqual({ added: 0, removed: 0 });

  // As if the enrolment had happened on another instance and its notice never arrived.
  faces.removePerson(collection, person);
  expect((await validate('login', 'dora', fx.personA[1])).body.code).toBe('IDENTITY_VERIFICATION_FAILED');
  await new Promise((r) => setTimeout(r, 5));
  expect(await faces.reconcile()).toEqual({ added: 1, removed: 0 });
  expect((await validate('login', 'dora', fx.personA[1])).status).toBe(200);

  // Deleted in the database without this instance being told (its own notices are not echoed back).
  await h.server.ctx.store.deletePerson(person);
  expect(faces.has(collection, person)).toBe(true);
  await new Promise((r) => setTimeout(r, 5));
  expect(await faces.reconcile()).toEqual({ added: 0, removed: 1 });
  expect(faces.has(collection, person)).toBe(false);
});
