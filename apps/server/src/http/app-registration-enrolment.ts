import { auth } from '../context.js';
import { defaulted, operation } from '../contract/operation.js';
import { admitEnrolment, decideEnrolment, registrationIdentifier } from '../flows/app-registration/enrol.js';
import type { FlowError } from '../flows/errors.js';
import { enrolChallengeError } from '../flows/liveness/challenge.js';
import { objectId } from '../ids.js';
import { presentAppRegistration } from '../present.js';
import { isUniqueViolation } from '../store/sql-store.js';
import { operationPath } from './common.js';
import { asApiError } from './flow-error.js';
import { admittedChallenge, analyseLiveness } from './liveness-evidence.js';

/** Enrols the face of an app registration: load, ask the flow (src/flows/app-registration), save. */
// Its convention spells codes `appRegistration_…`: FlowError takes the canonical spelling and checks it.
const notFound: FlowError<'createAppRegistrationBiometricValidation'> = {
  status: 404,
  code: 'APP_REGISTRATION_NOT_FOUND',
  title: 'App registration not found',
  message: 'Not found',
};

const personAlreadySet: FlowError<'createAppRegistrationBiometricValidation'> = {
  status: 409,
  code: 'PERSON_ALREADY_SET',
  title: 'Person already set',
  message: 'Person already set',
};

const CHALLENGE_PATH = operationPath('createAppRegistrationLivenessChallenge');

export const appRegistrationHandlers = operation('createAppRegistrationBiometricValidation')(
  async (ctx, req) => {
    const body = defaulted(req.body, 'force');
    const registration = await ctx.store.getAppRegistration(auth(req).subject);
    if (!registration) throw asApiError(notFound);
    const flow = await ctx.store.getFlow(registration.clientId, registration.flowId);
    const person = registration.personId
      ? await ctx.store.getPerson(registration.clientId, registration.personId)
      : undefined;
    const state = { registration, flow, person, now: Date.now() };
    const admission = admitEnrolment(state, body.force);
    if ('error' in admission) throw asApiError(admission.error);
    const { flow: admittedFlow, collectionId } = admission;

    const receivedAt = Date.now();
    const challenge = await admittedChallenge(ctx, body, {
      mode: admittedFlow.livenessMode,
      bind: { subjectId: registration.id },
      now: receivedAt,
      challengePath: CHALLENGE_PATH,
      challengeError: enrolChallengeError,
    });
    const { analysis, active } = await analyseLiveness(ctx, body, challenge, {
      receivedAt,
      passiveThreshold: admittedFlow.livenessMinScore,
      challengeError: enrolChallengeError,
    });
    // The duplicate search, the save and the index update, alone among the collection's enrolments.
    return ctx.faces.exclusive(collectionId, async (store) => {
      const evidence = {
        analysis,
        ...(active ? { active } : {}),
        candidates: analysis.ok ? ctx.faces.search(collectionId, analysis.templates, 1) : [],
        sameIdentifier: analysis.ok
          ? await store.findPersonByIdentifier(collectionId, registrationIdentifier(registration))
          : undefined,
      };
      const d = decideEnrolment({ ...state, flow: admittedFlow, now: Date.now() }, body, evidence, {
        collectionId,
        templateModels: ctx.faces.storedModels(),
        newId: () => objectId(),
      });
      if (d.error) throw asApiError(d.error);
      try {
        await store.saveAppRegistration(d.next, { enrolment: d.enrolment, events: d.events });
      } catch (err) {
        // Another instance enrolled a person under this identifier meanwhile.
        if (isUniqueViolation(err)) throw asApiError(personAlreadySet);
        throw err;
      }
      ctx.faces.add(d.indexed.collectionId, d.indexed.personId, d.indexed.templates);
      if (d.events.length) ctx.webhooks?.kick();
      const populates = new Set(['biometricValidation']);
      return { success: true as const, data: presentAppRegistration(d.next, { populates }) };
    });
  },
);
