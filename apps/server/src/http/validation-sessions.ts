import { createHash } from 'node:crypto';
import type { FaceAnalysis } from '@faceproof/face-engine';
import { type AppContext, type Auth, auth, optionalAuth } from '../context.js';
import { defaulted, type OperationRequest, operation } from '../contract/operation.js';
import { type Answering, apiError } from '../errors.js';
import { templatesByModel } from '../flows/analysis.js';
import { alreadyCompleted } from '../flows/errors.js';
import type { ActiveJudgement } from '../flows/liveness/active.js';
import { validateChallengeError } from '../flows/liveness/challenge.js';
import type { BiometricValidation } from '../flows/types.js';
import {
  type AttemptEvidence,
  admitAttempt,
  attemptLookups,
  decideAttempt,
} from '../flows/validation/attempt.js';
import type { ResultClaims } from '../flows/validation/claims.js';
import { seal } from '../flows/validation/claims.js';
import {
  admitCode,
  type CodeCompletion,
  type CodeState,
  judgeCode,
} from '../flows/validation/confirm-code.js';
import { type CreateRequest, decideCreate } from '../flows/validation/create.js';
import type { Decision } from '../flows/validation/decision.js';
import {
  type EnrollingCompletion,
  enrolOnConfirm,
  enrolsOnConfirm,
  type HeldEvidence,
} from '../flows/validation/onboarding.js';
import { objectId } from '../ids.js';
import { codeMatches } from '../mail/codes.js';
import { withCheckedUrls } from '../outbound/fields.js';
import { presentCreated, presentResult, presentSession, presentValidation } from '../present.js';
import { isUniqueViolation } from '../store/sql-store.js';
import type { Store } from '../store/types.js';
import { captureUrl, flowNotFound, operationPath, projectNotFound } from './common.js';
import { asApiError } from './flow-error.js';
import { admittedChallenge, analyseLiveness } from './liveness-evidence.js';
import { publicStart } from './public-start.js';

/**
 * The validation operations. Each handler parses, loads, asks a flow (src/flows/validation) for
 * the decision, saves it and presents it; no decision about a validation is made here.
 */

const DAY = 24 * 3600 * 1000;
/** Rounds of re-reading a validation that a concurrent request changed first. */
const ROUNDS = 5;

const CREATE = 'createBiometricValidation';

const keyReused = () =>
  apiError(
    CREATE,
    409,
    'IDEMPOTENCY_KEY_REUSED',
    'Idempotency key reused',
    'This Idempotency-Key was already used with a different request body.',
  );

interface Idempotency {
  clientId: string;
  key: string;
  bodyHash: string;
  response: string;
}

/**
 * The prior response to the same key (by default, within a day), replayed; the same key with
 * another body is a 409.
 */
async function replayed(ctx: AppContext, idem: Idempotency | undefined, since = Date.now() - DAY) {
  if (!idem) return undefined;
  const prior = await ctx.store.getIdempotent(idem.clientId, idem.key);
  if (!prior || !(Date.parse(prior.createdAt) > since)) return undefined;
  if (prior.bodyHash !== idem.bodyHash) throw keyReused();
  return JSON.parse(prior.response);
}

/** The request's Idempotency-Key (its length is the spec's to check), with a hash of the body. */
function idempotency(req: OperationRequest<CreateOperation>, clientId: string): Idempotency | undefined {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string') return undefined;
  const bodyHash = createHash('sha256').update(JSON.stringify(req.body)).digest('hex');
  return { clientId, key, bodyHash, response: '' };
}

async function loadCreateState(ctx: AppContext, clientId: string, request: CreateRequest) {
  const project = await ctx.store.getProject(clientId, request.project);
  if (!project) throw projectNotFound(CREATE, request.project);
  const flow = await ctx.store.getFlow(clientId, request.projectFlow);
  if (!flow) throw flowNotFound(CREATE, request.projectFlow);
  const collection = flow.collectionId
    ? await ctx.store.getCollection(clientId, flow.collectionId)
    : undefined;
  return { clientId, request, project, flow, collection, now: Date.now(), newId: objectId };
}

type CreateOperation = typeof CREATE | 'createAppLoginBiometricValidation';

/**
 * Opens a validation (both starts share it: their bodies, answers and errors are the same). The
 * app-login start, after a first factor named the user, binds the login to that identifier.
 */
async function createValidation(
  ctx: AppContext,
  req: OperationRequest<CreateOperation>,
  reply: { header(name: string, value: string): unknown },
  start: { clientId: string; loginMatch?: 'identifier'; lifetimeMs?: number },
) {
  const { clientId } = start;
  const idem = idempotency(req, clientId);
  const prior = await replayed(ctx, idem);
  if (prior) {
    reply.header('idempotent-replayed', 'true');
    return prior;
  }
  const request = withCheckedUrls(
    defaulted(req.body, 'requires2FA', 'sendViaEmail', 'language'),
    (message, details) => apiError(CREATE, 400, 'INVALID_REQUEST', 'Invalid request', message, { details }),
  );
  const d = decideCreate({
    ...(await loadCreateState(ctx, clientId, request)),
    loginMatch: start.loginMatch,
    lifetimeMs: start.lifetimeMs,
  });
  if (d.error) throw asApiError(d.error);
  const v = d.validation;
  const token = await ctx.keys.sign('liveness-session', d.session.claims, new Date(d.session.expiresAt));
  const mail = v.options.sendViaEmail ? { status: 'pending' as const } : undefined;
  const response = {
    success: true as const,
    data: presentCreated(
      presentValidation(v, `${captureUrl(ctx, v)}#token=${token}`, mail),
      presentSession(v),
      token,
    ),
  };
  if (idem) idem.response = JSON.stringify(response);
  if (!(await ctx.store.createValidationIdempotent(v, idem, d.mails))) {
    // A concurrent request with the same key won the insert: answer like a retry would.
    const raced = await replayed(ctx, idem, Number.NEGATIVE_INFINITY);
    if (raced) return raced;
    throw keyReused();
  }
  if (d.mails.length) ctx.mail?.kick();
  return response;
}

const createBiometricValidation = operation(CREATE)(async (ctx, req, { reply }) => {
  const token = optionalAuth(req);
  if (token) return createValidation(ctx, req, reply, { clientId: token.subject });
  // A browser's start of a public login flow: the flow's owner is the client.
  const { flow } = await publicStart(ctx, req, CREATE, req.body);
  const lifetimeMs = ctx.config.PUBLIC_SESSION_TTL_S * 1000;
  return createValidation(ctx, req, reply, { clientId: flow.clientId, lifetimeMs });
});

const createAppLoginBiometricValidation = operation('createAppLoginBiometricValidation')(
  (ctx, req, { reply }) => {
    if (req.body.type !== 'login')
      throw apiError(
        'createAppLoginBiometricValidation',
        400,
        'INVALID_REQUEST',
        'Invalid request',
        'type must be login',
        {
          details: [{ path: '/body/type', message: 'must be login' }],
        },
      );
    return createValidation(ctx, req, reply, { clientId: auth(req).subject, loginMatch: 'identifier' });
  },
);

async function loadValidation(
  ctx: AppContext,
  op: Answering<404, 'BIOMETRIC_VALIDATION_NOT_FOUND'>,
  id: string,
): Promise<BiometricValidation> {
  const v = await ctx.store.getValidation(id);
  if (!v)
    throw apiError(
      op,
      404,
      'BIOMETRIC_VALIDATION_NOT_FOUND',
      'Biometric validation not found',
      'BIOMETRIC_VALIDATION_NOT_FOUND',
    );
  return v;
}

/**
 * Saves a decision, claimed on the validation's version, and wakes the outboxes it fed. False when
 * another request saved first and the decision must be made again on the fresh state. `store` is
 * the one an enrolment lock handed out, when the decision was made under it.
 */
async function commit(
  ctx: AppContext,
  d: Decision,
  consumeCode = false,
  store = ctx.store,
): Promise<boolean> {
  if (!d.next) return true;
  const saved = await store.saveValidation(d.next, {
    ...(d.enrolment ? { enrolment: d.enrolment } : {}),
    ...(d.refresh ? { refresh: d.refresh } : {}),
    ...(d.holdEnrolment ? { holdEnrolment: d.holdEnrolment } : {}),
    events: d.events,
    mails: d.mails,
    ...(consumeCode ? { consumeCode } : {}),
  });
  if (saved && d.events.length) ctx.webhooks?.kick();
  if (saved && d.mails.length) ctx.mail?.kick();
  return saved || d.onConflict === 'stands';
}

const signResult = (ctx: AppContext, claims: ResultClaims) =>
  ctx.keys.sign('result', claims, new Date(Date.now() + ctx.config.RESULT_TOKEN_TTL_S * 1000));

/** Loads the validation for an attempt; a refusal (an expiry is saved first) is thrown. */
export async function admitted(ctx: AppContext, a: Auth): Promise<BiometricValidation> {
  const v = await loadValidation(ctx, 'validateBiometricValidation', a.subject);
  const refusal = admitAttempt(v, { sid: a.payload.sid, tokenExpired: a.expired === true }, Date.now());
  if (!refusal) return v;
  await commit(ctx, refusal);
  throw asApiError(refusal.error);
}

/** The analysis of an attempt: the still's and, on an active flow, the frames' judgement. */
interface Analysed {
  analysis: FaceAnalysis;
  image: string;
  active?: ActiveJudgement;
}

/** What the index and the store say about the analysed face, as the flow needs for `v`. */
async function evidence(
  ctx: AppContext,
  store: Store,
  v: BiometricValidation,
  a: Analysed,
): Promise<AttemptEvidence> {
  const { analysis } = a;
  const lookups = attemptLookups(v);
  if (!lookups || !analysis.ok) return { ...a, candidates: [] };
  const { collectionId, enrolledPerson } = lookups;
  return {
    ...a,
    candidates: ctx.faces.search(collectionId, analysis.templates, 1),
    enrolled: enrolledPerson ? await store.findPersonByIdentifier(collectionId, v.identifier) : undefined,
  };
}

const CHALLENGE_PATH = operationPath('createLivenessChallenge');

const validateBiometricValidation = operation('validateBiometricValidation')(async (ctx, req, { op }) => {
  const receivedAt = Date.now();
  let v = await admitted(ctx, auth(req));
  const challenge = await admittedChallenge(ctx, req.body, {
    mode: v.settings.livenessMode,
    bind: { subjectId: v.id, sessionId: v.sessionId, attempt: v.attempts },
    now: receivedAt,
    challengePath: CHALLENGE_PATH,
    challengeError: validateChallengeError,
  });
  // The engine runs before anything is recorded: a 503 leaves no trace and costs no attempt.
  const analysed: Analysed = {
    ...(await analyseLiveness(ctx, req.body, challenge, {
      receivedAt,
      passiveThreshold: v.settings.livenessMinScore,
      challengeError: validateChallengeError,
    })),
    image: req.body.image,
  };
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) v = await admitted(ctx, auth(req));
    const current = v;
    const judged = (store: Store) => judgeAttempt(ctx, store, current, analysed);
    // An onboarding searches the collection for the face, then enrols it: alone in its collection.
    const outcome =
      current.type === 'onboarding' && current.collectionId
        ? await enrolling(ctx, current.collectionId, judged)
        : await judged(ctx.store);
    // Another attempt on the same session, or an enrolment of the same identifier, committed first.
    if (outcome === 'again') continue;
    return outcome;
  }
  throw apiError(op, 503, 'ENGINE_BUSY', 'Face engine busy', 'ENGINE_BUSY', {}, { 'retry-after': '1' });
});

/**
 * Runs `fn` under the collection's enrolment lock (`Faces.exclusive`). On PostgreSQL what `fn`
 * saved commits only as the lock is released, after `commit` woke the outboxes: they are woken
 * again then, so that an event or a code email does not wait for the next poll.
 */
async function enrolling<T>(ctx: AppContext, collectionId: string, fn: (store: Store) => Promise<T>) {
  try {
    return await ctx.faces.exclusive(collectionId, fn);
  } finally {
    ctx.webhooks?.kick();
    ctx.mail?.kick();
  }
}

/** Decides one attempt on fresh evidence and saves it; 'again' when it must be judged anew. */
async function judgeAttempt(ctx: AppContext, store: Store, v: BiometricValidation, analysed: Analysed) {
  const attempt = decideAttempt(v, await evidence(ctx, store, v, analysed), {
    now: Date.now(),
    templateModels: ctx.faces.storedModels(),
    newId: () => objectId(),
  });
  if (attempt.error) {
    if (!(await commit(ctx, attempt, false, store))) return 'again' as const;
    throw asApiError(attempt.error);
  }
  // With 2FA there is no result token until the code is confirmed.
  const token = attempt.claims ? await signResult(ctx, attempt.claims) : '';
  const d = attempt.claims ? seal(attempt, token) : attempt;
  try {
    if (!(await commit(ctx, d, false, store))) return 'again' as const;
  } catch (err) {
    // Another instance enrolled the identifier first: judged again, the identifier is taken.
    if (d.enrolment && isUniqueViolation(err)) return 'again' as const;
    throw err;
  }
  if (d.indexed) ctx.faces.add(d.indexed.collectionId, d.indexed.personId, d.indexed.templates);
  return presentResult(d.next.result, token, d.faceImage);
}

/** The held enrolment of `v` and what the collection now says about its face and identifier. */
async function heldEvidence(
  ctx: AppContext,
  store: Store,
  v: BiometricValidation & { collectionId: string },
): Promise<HeldEvidence> {
  const held = await store.getHeldEnrolment(v.id);
  return {
    held,
    candidates: held ? ctx.faces.search(v.collectionId, templatesByModel(held.templates), 1) : [],
    enrolled: await store.findPersonByIdentifier(v.collectionId, v.identifier),
  };
}

/**
 * Completes a validation whose code was right: signs, saves and presents it; an onboarding enrols
 * its held person first, or fails when the collection refuses it now. 'again' when it must be
 * judged anew.
 */
async function completeWithCode(
  ctx: AppContext,
  store: Store,
  v: BiometricValidation,
  judged: CodeCompletion,
) {
  const d: CodeCompletion | ReturnType<typeof enrolOnConfirm> = enrolsOnConfirm(v)
    ? enrolOnConfirm(v, judged, await heldEvidence(ctx, store, v), Date.now())
    : judged;
  if (d.error) {
    if (!(await commit(ctx, d, false, store))) return 'again' as const;
    throw asApiError(d.error);
  }
  const token = await signResult(ctx, d.claims);
  const sealed = seal(d, token);
  try {
    if (!(await commit(ctx, sealed, true, store))) return 'again' as const;
  } catch (err) {
    // Another instance enrolled the identifier first: judged again, the identifier is taken.
    if (sealed.enrolment && isUniqueViolation(err)) return 'again' as const;
    throw err;
  }
  const enrolled: Partial<EnrollingCompletion> = sealed;
  if (enrolled.indexed)
    ctx.faces.add(enrolled.indexed.collectionId, enrolled.indexed.personId, enrolled.indexed.templates);
  return presentResult(sealed.next.result, token, enrolled.faceImage);
}

/** Decides one code try: refused outright, or counted atomically in the store, then compared. */
async function decideCodeTry(ctx: AppContext, s: CodeState, code: string) {
  const admission = admitCode(s);
  if ('refusal' in admission) return admission.refusal;
  const tries = await ctx.store.countCodeAttempt(s.validation.id, s.maxTries);
  // Used up or consumed meanwhile: judge again from the new state.
  if (tries === undefined) return undefined;
  return judgeCode(s, tries, await codeMatches(code, admission.tryCode));
}

/**
 * Confirms the one-time code of a `requires2FA` validation whose face passed. Every try is counted
 * atomically in the store before the hash is compared, so concurrent guesses cannot exceed the
 * limit; the completion is claimed on the validation's version like a validate attempt.
 */
const confirmBiometricValidationCode = operation('confirmBiometricValidationCode')(
  async (ctx, req, { op }) => {
    const a = auth(req);
    const { code } = req.body;
    const session = { sid: a.payload.sid, tokenExpired: a.expired === true };
    for (let round = 0; round < ROUNDS; round++) {
      const v = await loadValidation(ctx, op, a.subject);
      const state: CodeState = {
        validation: v,
        code: await ctx.store.getTwoFactorCode(v.id),
        session,
        now: Date.now(),
        maxTries: ctx.config.TWO_FA_MAX_ATTEMPTS,
      };
      const judged = await decideCodeTry(ctx, state, code);
      if (!judged) continue;
      if (judged.error) {
        if (!(await commit(ctx, judged))) continue;
        throw asApiError(judged.error);
      }
      // An onboarding enrols its person now, alone in its collection like a validate attempt.
      const outcome = enrolsOnConfirm(v)
        ? await enrolling(ctx, v.collectionId, (store) => completeWithCode(ctx, store, v, judged))
        : await completeWithCode(ctx, ctx.store, v, judged);
      if (outcome === 'again') continue;
      return outcome;
    }
    throw asApiError(alreadyCompleted());
  },
);

export const validationHandlers = {
  ...confirmBiometricValidationCode,
  ...createBiometricValidation,
  ...createAppLoginBiometricValidation,
  ...validateBiometricValidation,
};
