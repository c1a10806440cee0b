import type { FaceAnalysis } from '@faceproof/face-engine';
import { type AppContext, auth } from '../context.js';
import { defaulted, type OperationRequest, operation } from '../contract/operation.js';
import { admitEnrolment, decideEnrolment, registrationIdentifier } from '../flows/app-registration/enrol.js';
import type { FlowError } from '../flows/errors.js';
import { type ActiveJudgement, judgeSequence } from '../flows/liveness/active.js';
import { challengeRefusal, enrolChallengeError, livenessInputRefusal } from '../flows/liveness/challenge.js';
import type { LivenessChallenge, ProjectFlow } from '../flows/types.js';
import { objectId } from '../ids.js';
import { presentAppRegistration } from '../present.js';
import { isUniqueViolation } from '../store/sql-store.js';
import { operationPath } from './common.js';
import { asApiError } from './flow-error.js';

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

type EnrolBody = OperationRequest<'createAppRegistrationBiometricValidation'>['body'];

const CHALLENGE_PATH = operationPath('createAppRegistrationLivenessChallenge');

/** The challenge an active flow's request answers, admitted before the engine runs. */
async function admittedChallenge(
  ctx: AppContext,
  registrationId: string,
  flow: ProjectFlow,
  body: EnrolBody,
  now: number,
) {
  const input = livenessInputRefusal(flow.livenessMode, body, CHALLENGE_PATH);
  if (input) throw asApiError(input);
  if (body.challengeId === undefined) return undefined;
  const challenge = await ctx.store.getChallenge(body.challengeId);
  const refusal = challengeRefusal(challenge, { subjectId: registrationId }, now);
  if (refusal || !challenge)
    throw asApiError(enrolChallengeError(refusal ?? { kind: 'invalid', message: '' }));
  return challenge;
}

/** The still's analysis and, with a challenge, the frames' verdict (the challenge closed once, after the engine ran). */
async function analyse(
  ctx: AppContext,
  flow: ProjectFlow,
  body: EnrolBody,
  challenge: LivenessChallenge | undefined,
  receivedAt: number,
): Promise<{ analysis: FaceAnalysis; active?: ActiveJudgement }> {
  if (!challenge || !body.frames) return { analysis: await ctx.faces.analyze(body.image) };
  // The still, then the frames, one after the other: a sequence takes no more of the engine's queue
  // than one image per worker (and an unusable still needs no frames analysed).
  const analysis = await ctx.faces.analyze(body.image);
  const frames = body.frames.map((f) => ({ image: f.image, t: f.capturedAtMs }));
  const sequence = analysis.ok ? await ctx.faces.analyzeSequence(frames) : undefined;
  if (!(await ctx.store.closeChallenge(challenge.id, new Date().toISOString())))
    throw asApiError(
      enrolChallengeError({ kind: 'invalid', message: 'This challenge was answered meanwhile.' }),
    );
  if (!analysis.ok || !sequence) return { analysis };
  const active = judgeSequence({
    challenge,
    sequence,
    still: analysis.template,
    receivedAt,
    passiveThreshold: flow.livenessMinScore,
  });
  return { analysis, active };
}

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
    const challenge = await admittedChallenge(ctx, registration.id, admittedFlow, body, receivedAt);
    const { analysis, active } = await analyse(ctx, admittedFlow, body, challenge, receivedAt);
    // The duplicate search, the save and the index update, alone among the collection's enrolments.
    return ctx.faces.exclusive(collectionId, async (store) => {
      const evidence = {
        analysis,
        ...(active ? { active } : {}),
        candidates: analysis.ok ? ctx.faces.search(collectionId, analysis.template, 1) : [],
        sameIdentifier: analysis.ok
          ? await store.findPersonByIdentifier(collectionId, registrationIdentifier(registration))
          : undefined,
      };
      const d = decideEnrolment({ ...state, flow: admittedFlow, now: Date.now() }, body, evidence, {
        collectionId,
        templateModel: ctx.faces.templateModel,
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
      ctx.faces.add(d.indexed.collectionId, d.indexed.personId, d.indexed.template);
      if (d.events.length) ctx.webhooks?.kick();
      const populates = new Set(['biometricValidation']);
      return { success: true as const, data: presentAppRegistration(d.next, { populates }) };
    });
  },
);
