import { createHash } from 'node:crypto';
import type { FaceAnalysis } from '@faceproof/face-engine';
import { type AppContext, type Auth, auth } from '../context.js';
import { defaulted, type OperationRequest, operation } from '../contract/operation.js';
import { type Answering, apiError } from '../errors.js';
import { alreadyCompleted } from '../flows/errors.js';
import type { BiometricValidation } from '../flows/types.js';
import {
  type AttemptEvidence,
  admitAttempt,
  attemptLookups,
  decideAttempt,
} from '../flows/validation/attempt.js';
import type { ResultClaims } from '../flows/validation/claims.js';
import { seal } from '../flows/validation/claims.js';
import { admitCode, type CodeState, judgeCode } from '../flows/validation/confirm-code.js';
import { type CreateRequest, decideCreate } from '../flows/validation/create.js';
import type { Decision } from '../flows/validation/decision.js';
import { objectId } from '../ids.js';
import { codeMatches } from '../mail/codes.js';
import { withCheckedUrls } from '../outbound/fields.js';
import { presentResult, presentSession, presentValidation } from '../present.js';
import { isUniqueViolation } from '../store/sql-store.js';
import { captureUrl, flowNotFound, projectNotFound } from './common.js';
import { asApiError } from './flow-error.js';

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
function idempotency(req: OperationRequest<typeof CREATE>, clientId: string): Idempotency | undefined {
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

const createBiometricValidation = operation(CREATE)(async (ctx, req, { reply }) => {
  const clientId = auth(req).subject;
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
  const d = decideCreate(await loadCreateState(ctx, clientId, request));
  if (d.error) throw asApiError(d.error);
  const v = d.validation;
  const token = await ctx.keys.sign('liveness-session', d.session.claims, new Date(d.session.expiresAt));
  const mail = v.options.sendViaEmail ? { status: 'pending' as const } : undefined;
  const response = {
    success: true as const,
    data: {
      biometricValidation: presentValidation(v, `${captureUrl(ctx, v)}#token=${token}`, mail),
      livenessSession: presentSession(v),
      token,
    },
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
});

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
 * another request saved first and the decision must be made again on the fresh state.
 */
async function commit(ctx: AppContext, d: Decision, consumeCode = false): Promise<boolean> {
  if (!d.next) return true;
  const saved = await ctx.store.saveValidation(d.next, {
    ...(d.enrolment ? { enrolment: d.enrolment } : {}),
    ...(d.refresh ? { refresh: d.refresh } : {}),
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
async function admitted(ctx: AppContext, a: Auth): Promise<BiometricValidation> {
  const v = await loadValidation(ctx, 'validateBiometricValidation', a.subject);
  const refusal = admitAttempt(v, { sid: a.payload.sid, tokenExpired: a.expired === true }, Date.now());
  if (!refusal) return v;
  await commit(ctx, refusal);
  throw asApiError(refusal.error);
}

/** What the index and the store say about the analysed face, as the flow needs for `v`. */
async function evidence(
  ctx: AppContext,
  v: BiometricValidation,
  analysis: FaceAnalysis,
  image: string,
): Promise<AttemptEvidence> {
  const lookups = attemptLookups(v);
  if (!lookups || !analysis.ok) return { analysis, image, candidates: [] };
  const { collectionId, enrolledPerson } = lookups;
  return {
    analysis,
    image,
    candidates: ctx.faces.search(collectionId, analysis, 1),
    enrolled: enrolledPerson ? await ctx.store.findPersonByIdentifier(collectionId, v.identifier) : undefined,
  };
}

const validateBiometricValidation = operation('validateBiometricValidation')(async (ctx, req, { op }) => {
  const { image } = req.body;
  let v = await admitted(ctx, auth(req));
  // The engine runs before anything is recorded: a 503 leaves no trace and costs no attempt.
  const analysis = await ctx.faces.analyze(image);
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) v = await admitted(ctx, auth(req));
    const current = v;
    const judged = () => judgeAttempt(ctx, current, analysis, image);
    // An onboarding searches the collection for the face, then enrols it: alone in its collection.
    const outcome =
      current.type === 'onboarding' && current.collectionId
        ? await ctx.faces.exclusive(current.collectionId, judged)
        : await judged();
    // Another attempt on the same session, or an enrolment of the same identifier, committed first.
    if (outcome === 'again') continue;
    return outcome;
  }
  throw apiError(op, 503, 'ENGINE_BUSY', 'Face engine busy', 'ENGINE_BUSY', {}, { 'retry-after': '1' });
});

/** Decides one attempt on fresh evidence and saves it; 'again' when it must be judged anew. */
async function judgeAttempt(ctx: AppContext, v: BiometricValidation, analysis: FaceAnalysis, image: string) {
  const attempt = decideAttempt(v, await evidence(ctx, v, analysis, image), {
    now: Date.now(),
    templateModels: ctx.faces.storedModels(),
    newId: () => objectId(),
  });
  if (attempt.error) {
    if (!(await commit(ctx, attempt))) return 'again' as const;
    throw asApiError(attempt.error);
  }
  // With 2FA there is no result token until the code is confirmed.
  const token = attempt.claims ? await signResult(ctx, attempt.claims) : '';
  const d = attempt.claims ? seal(attempt, token) : attempt;
  try {
    if (!(await commit(ctx, d))) return 'again' as const;
  } catch (err) {
    // Another instance enrolled the identifier first: judged again, the identifier is taken.
    if (d.enrolment && isUniqueViolation(err)) return 'again' as const;
    throw err;
  }
  if (d.indexed) ctx.faces.add(d.indexed.collectionId, d.indexed.personId, d.indexed.templates);
  return presentResult(d.next.result, token, d.faceImage);
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
      const token = await signResult(ctx, judged.claims);
      const d = seal(judged, token);
      if (!(await commit(ctx, d, true))) continue;
      return presentResult(d.next.result, token);
    }
    throw asApiError(alreadyCompleted());
  },
);

export const validationHandlers = {
  ...confirmBiometricValidationCode,
  ...createBiometricValidation,
  ...validateBiometricValidation,
};
