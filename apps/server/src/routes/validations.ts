import { createHash } from 'node:crypto';
import type { FaceAnalysisOk } from '@faceproof/face-engine';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AppContext, auth, type Handler } from '../context.js';
import { ApiError, invalidRequest, notFound } from '../errors.js';
import { qualityScore, qualityWord, templateBytes, templateRef } from '../faces.js';
import { nowIso, objectId } from '../ids.js';
import { codeMatches } from '../mail/codes.js';
import { presentSession, presentValidation } from '../present.js';
import type {
  BiometricValidation,
  ComparisonResultEntry,
  Enrolment,
  NewMail,
  NewOutboxEvent,
  ValidationOptions,
} from '../store/types.js';
import { captureUrl, flowNotFound, projectNotFound } from './resources.js';

const DAY = 24 * 3600 * 1000;
const round = (x: number) => Math.round(x * 1000) / 1000;
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

function invalidFlow(message: string) {
  return new ApiError(400, 'INVALID_PROJECT_FLOW', 'Invalid project flow', message);
}

async function createBiometricValidation(ctx: AppContext, req: FastifyRequest, reply: FastifyReply) {
  const clientId = auth(req).subject;
  const b = req.body as Record<string, unknown>;
  const idemKey = req.headers['idempotency-key'];
  let idem: { clientId: string; key: string; bodyHash: string; response: string } | undefined;
  if (typeof idemKey === 'string') {
    if (idemKey.length < 1 || idemKey.length > 255)
      throw invalidRequest([{ path: '/header/idempotency-key', message: 'must be 1 to 255 characters' }]);
    const bodyHash = createHash('sha256').update(JSON.stringify(b)).digest('hex');
    const prior = await ctx.store.getIdempotent(clientId, idemKey);
    if (prior && Date.parse((prior as { createdAt?: string }).createdAt ?? '') > Date.now() - DAY) {
      if (prior.bodyHash !== bodyHash)
        throw new ApiError(
          409,
          'IDEMPOTENCY_KEY_REUSED',
          'Idempotency key reused',
          'This Idempotency-Key was already used with a different request body.',
        );
      reply.header('idempotent-replayed', 'true');
      return JSON.parse(prior.response);
    }
    idem = { clientId, key: idemKey, bodyHash, response: '' };
  }

  const project = await ctx.store.getProject(clientId, String(b.project));
  if (!project) throw projectNotFound(String(b.project));
  const flow = await ctx.store.getFlow(clientId, String(b.projectFlow));
  if (!flow) throw flowNotFound(String(b.projectFlow));
  const type = b.type as BiometricValidation['type'];
  if (flow.projectId !== project.id)
    throw invalidFlow(`Project flow ${flow.id} is not a flow of project ${project.id}.`);
  if (flow.status !== 'active')
    throw invalidFlow(`Project flow ${flow.id} is ${flow.status}; only active flows accept new validations.`);
  if ((type === 'login' || type === 'onboarding') && flow.type !== type)
    throw invalidFlow(
      `Project flow ${flow.id} is a ${flow.type} flow; a ${type} validation needs a ${type} flow.`,
    );
  if ((type === 'login' || type === 'onboarding') && !flow.collectionId)
    throw invalidFlow(`Project flow ${flow.id} has no assigned collection; a ${type} validation needs one.`);

  const now = Date.now();
  const sendViaEmail = (b.sendViaEmail as boolean) ?? false;
  let expiresAt = now + (sendViaEmail ? DAY : 10 * 60 * 1000);
  if (b.expiresAt !== undefined) {
    expiresAt = Date.parse(String(b.expiresAt));
    if (expiresAt <= now)
      throw invalidRequest([{ path: '/body/expiresAt', message: 'must be in the future' }]);
    if (expiresAt > now + 7 * DAY)
      throw invalidRequest([{ path: '/body/expiresAt', message: 'must be at most 7 days ahead' }]);
  }
  const collection = flow.collectionId
    ? await ctx.store.getCollection(clientId, flow.collectionId)
    : undefined;
  const options: ValidationOptions = {
    redirectUrl: (b.redirectUrl as string) ?? flow.redirectUrl,
    webhookUrl: (b.webhookUrl as string) ?? flow.webhookUrl,
    ipAddress: b.ipAddress as string | undefined,
    email: b.email as string | undefined,
    requires2FA: (b.requires2FA as boolean) ?? false,
    sendViaEmail,
    language: (b.language as 'en' | 'es') ?? 'en',
  };
  const v: BiometricValidation = {
    id: objectId(now),
    clientId,
    projectId: project.id,
    flowId: flow.id,
    sessionId: objectId(now),
    sessionStatus: 'active',
    identifier: String(b.identifier),
    type,
    status: 'new',
    settings: {
      livenessMinScore: flow.livenessMinScore,
      searchMode: flow.searchMode,
      searchMinScore: flow.searchMinScore,
      maxAttempts: flow.maxAttempts,
      retainFaceImages: flow.retainFaceImages,
    },
    options,
    collectionId: collection?.id,
    collectionCode: collection?.code,
    livenessScore: 0,
    attempts: 0,
    maxAttempts: flow.maxAttempts,
    livenessResults: [],
    comparisonResults: [],
    expiresAt: nowIso(expiresAt),
    createdAt: nowIso(now),
    updatedAt: nowIso(now),
    version: 0,
  };
  const token = await ctx.keys.sign(
    'liveness-session',
    { sub: v.id, sid: v.sessionId, project: v.projectId },
    new Date(expiresAt),
  );
  const response = {
    success: true,
    data: {
      biometricValidation: presentValidation(
        v,
        `${captureUrl(ctx, v)}#token=${token}`,
        sendViaEmail ? { status: 'pending' } : undefined,
      ),
      livenessSession: presentSession(v),
      token,
    },
  };
  if (idem) idem.response = JSON.stringify(response);
  const mails: NewMail[] =
    sendViaEmail && options.email
      ? [{ validationId: v.id, kind: 'link', recipient: options.email, language: options.language }]
      : [];
  if (!(await ctx.store.createValidationIdempotent(v, idem, mails))) {
    // A concurrent request with the same key won the insert: answer like a retry would.
    const prior = idem && (await ctx.store.getIdempotent(clientId, idem.key));
    if (prior && prior.bodyHash === idem?.bodyHash) return JSON.parse(prior.response);
    throw new ApiError(
      409,
      'IDEMPOTENCY_KEY_REUSED',
      'Idempotency key reused',
      'This Idempotency-Key was already used with a different request body.',
    );
  }
  if (mails.length) ctx.mail?.kick();
  return response;
}

const failed = (code: string, title: string, attemptsRemaining: number, message: string, reason?: string) =>
  new ApiError(400, code, title, code, {
    attemptsRemaining,
    details: [{ path: '/body/image', message, ...(reason ? { reason } : {}) }],
  });

function finalState(v: BiometricValidation) {
  if (v.status === 'completed' || v.status === 'awaiting_2fa')
    return new ApiError(
      409,
      'BIOMETRIC_VALIDATION_ALREADY_COMPLETED',
      'Biometric validation already completed',
      'BIOMETRIC_VALIDATION_ALREADY_COMPLETED',
    );
  if (v.status === 'failed')
    return new ApiError(
      409,
      'BIOMETRIC_VALIDATION_FAILED',
      'Biometric validation failed',
      'BIOMETRIC_VALIDATION_FAILED',
      {
        attemptsRemaining: 0,
      },
    );
  return undefined;
}

const sessionExpired = () =>
  new ApiError(410, 'LIVENESS_SESSION_EXPIRED', 'Liveness session expired', 'LIVENESS_SESSION_EXPIRED');

/** The result token the operator's application verifies, for validate and for confirm-2fa alike. */
function signResult(
  ctx: AppContext,
  v: BiometricValidation,
  r: { person?: string; matchScore?: number; livenessScore: number },
) {
  return ctx.keys.sign(
    'result',
    {
      sub: v.identifier,
      biometricValidation: v.id,
      project: v.projectId,
      projectFlow: v.flowId,
      type: v.type,
      ...(r.person ? { person: r.person } : {}),
      ...(r.matchScore !== undefined ? { matchScore: r.matchScore } : {}),
      livenessScore: r.livenessScore,
    },
    new Date(Date.now() + ctx.config.RESULT_TOKEN_TTL_S * 1000),
  );
}

function event(v: BiometricValidation, eventType: string, data: Record<string, unknown>): NewOutboxEvent[] {
  if (!v.options.webhookUrl) return [];
  return [
    {
      projectId: v.projectId,
      eventType,
      url: v.options.webhookUrl,
      payload: { type: eventType, timestamp: v.updatedAt, data },
    },
  ];
}

async function loadForAttempt(ctx: AppContext, id: string, expired: boolean | undefined) {
  const v = await ctx.store.getValidation(id);
  if (!v)
    throw notFound(
      'BIOMETRIC_VALIDATION_NOT_FOUND',
      'Biometric validation not found',
      'BIOMETRIC_VALIDATION_NOT_FOUND',
    );
  const fin = finalState(v);
  if (fin) throw fin;
  if (v.status === 'expired') throw sessionExpired();
  if (expired || Date.parse(v.expiresAt) <= Date.now()) {
    const at = nowIso();
    await ctx.store.saveValidation(
      { ...v, status: 'expired', sessionStatus: 'expired', updatedAt: at, version: v.version + 1 },
      {
        events: event(v, 'biometric_validation_expired', {
          biometricValidation: v.id,
          identifier: v.identifier,
        }),
      },
    );
    ctx.webhooks?.kick();
    throw sessionExpired();
  }
  return v;
}

async function validateBiometricValidation(ctx: AppContext, req: FastifyRequest) {
  const a = auth(req);
  const image = (req.body as { image: string }).image;
  const first = await loadForAttempt(ctx, a.subject, a.expired);
  if (a.payload.sid !== first.sessionId) throw sessionExpired();

  // The engine runs before anything is recorded: a 503 leaves no trace and costs no attempt.
  const analysis = await ctx.faces.analyze(image);

  for (let round_ = 0; round_ < 5; round_++) {
    const v = round_ === 0 ? first : await loadForAttempt(ctx, a.subject, false);
    const outcome = await evaluate(ctx, v, analysis, image);
    if (await ctx.store.saveValidation(outcome.next, outcome.extra)) {
      if (outcome.enrolled)
        ctx.faces.add(outcome.enrolled.collectionId, outcome.enrolled.personId, outcome.enrolled.template);
      if (outcome.extra.events?.length) ctx.webhooks?.kick();
      if (outcome.extra.mails?.length) ctx.mail?.kick();
      if (outcome.error) throw outcome.error;
      return outcome.response;
    }
    // Another attempt on the same session committed first: re-read and judge this one against it.
  }
  throw new ApiError(503, 'ENGINE_BUSY', 'Face engine busy', 'ENGINE_BUSY', {}, { 'retry-after': '1' });
}

interface Outcome {
  next: BiometricValidation;
  extra: { enrolment?: Enrolment; events?: NewOutboxEvent[]; mails?: NewMail[] };
  error?: ApiError;
  response?: unknown;
  enrolled?: { collectionId: string; personId: string; template: Float32Array };
}

async function evaluate(
  ctx: AppContext,
  v: BiometricValidation,
  analysis: Awaited<ReturnType<AppContext['faces']['analyze']>>,
  image: string,
): Promise<Outcome> {
  const at = nowIso();
  const next: BiometricValidation = {
    ...v,
    attempts: v.attempts + 1,
    updatedAt: at,
    version: v.version + 1,
    livenessResults: [...v.livenessResults],
    comparisonResults: [...v.comparisonResults],
  };
  const remaining = Math.max(0, next.maxAttempts - next.attempts);
  const fail = (error: ApiError): Outcome => {
    const events: NewOutboxEvent[] = [];
    if (remaining === 0) {
      next.status = 'failed';
      next.sessionStatus = 'used';
      events.push(
        ...event(next, 'biometric_validation_failed', {
          biometricValidation: next.id,
          project: next.projectId,
          projectFlow: next.flowId,
          identifier: next.identifier,
          type: next.type,
          status: 'failed',
          attempts: next.attempts,
          reason: error.code,
        }),
      );
    }
    return { next, extra: { events }, error };
  };

  if (!analysis.ok)
    return fail(
      failed(
        'INVALID_BIOMETRIC_DATA',
        'Invalid biometric data',
        remaining,
        analysis.message,
        analysis.reason,
      ),
    );

  const s = v.settings;
  const liveness = round(clamp01(analysis.liveness.score));
  const livePassed = liveness >= s.livenessMinScore;
  next.livenessResults.push({ score: liveness, passed: livePassed, createdAt: at });
  next.livenessScore = Math.max(v.livenessScore, liveness);
  if (!livePassed)
    return fail(
      failed(
        'LIVENESS_DETECTION_FAILED',
        'Liveness detection failed',
        remaining,
        `Liveness score ${liveness} is below the minimum of ${s.livenessMinScore}.`,
      ),
    );

  let comparison: ComparisonResultEntry | undefined;
  let personId: string | undefined;
  let matchScore: number | undefined;
  let enrolment: Enrolment | undefined;
  let why = '';
  if (v.collectionId) {
    const best = ctx.faces.search(v.collectionId, analysis.template, 1)[0];
    const score = round(clamp01(best?.score ?? 0));
    const above = best !== undefined && score >= s.searchMinScore;
    let passed = false;
    if (v.type === 'login') {
      const enrolled = await ctx.store.findPersonByIdentifier(v.collectionId, v.identifier);
      passed = above && enrolled !== undefined && best?.id === enrolled.id;
      why = !enrolled
        ? `No person is enrolled as ${v.identifier}.`
        : `The face does not match the person enrolled as ${v.identifier} (best score ${score}, minimum ${s.searchMinScore}).`;
      if (passed) {
        personId = enrolled?.id;
        matchScore = score;
      }
    } else if (v.type === 'onboarding') {
      const taken = await ctx.store.findPersonByIdentifier(v.collectionId, v.identifier);
      passed = !above && !taken;
      why = above
        ? `The face is already enrolled in the collection (score ${score}, minimum ${s.searchMinScore}).`
        : `A person is already enrolled as ${v.identifier}.`;
      if (passed) {
        personId = objectId();
        matchScore = 1;
        enrolment = enrol(v, personId, analysis, image, at);
      }
    } else {
      passed = above;
      why = `No one in the collection matches the face (best score ${score}, minimum ${s.searchMinScore}).`;
      if (passed) {
        personId = best?.id;
        matchScore = score;
      }
    }
    comparison = { ...(best ? { person: best.id } : {}), score, passed, createdAt: at };
    next.comparisonResults.push(comparison);
    if (!passed)
      return fail(failed('IDENTITY_VERIFICATION_FAILED', 'Identity verification failed', remaining, why));
  }

  // Passed.
  const quality = qualityScore(analysis);
  next.status = v.options.requires2FA ? 'awaiting_2fa' : 'completed';
  next.sessionStatus = 'used';
  next.personId = personId;
  next.completedAt = at;
  const riskScore = round(1 - Math.min(liveness, matchScore ?? 1, quality));
  const token = v.options.requires2FA
    ? ''
    : await signResult(ctx, v, { person: personId, matchScore, livenessScore: liveness });
  const retained = v.settings.retainFaceImages && enrolment?.image;
  const data: Record<string, unknown> = {
    _id: v.id,
    status: next.status,
    type: v.type,
    identifier: v.identifier,
    ...(personId ? { person: personId } : {}),
    ...(matchScore !== undefined ? { matchScore } : {}),
    verificationResults: {
      livenessDetection: 'passed',
      identityMatch: v.collectionId ? 'passed' : 'not_applicable',
      qualityScore: quality,
      antiSpoofing: 'passed',
    },
    biometricData: {
      ...(retained && enrolment?.image
        ? {
            faceImage: `data:${enrolment.image.mime};base64,${Buffer.from(enrolment.image.image).toString('base64')}`,
          }
        : {}),
      template: templateRef(analysis.template),
      quality: qualityWord(quality),
      livenessScore: liveness,
    },
    riskScore,
    completedAt: at,
  };
  if (v.options.redirectUrl && token) {
    const u = new URL(v.options.redirectUrl);
    u.searchParams.set('token', token);
    data.redirectUrl = u.toString();
  }
  // The audit copy keeps no face image; a 2FA confirmation answers from it.
  const { faceImage: _image, ...biometricData } = data.biometricData as Record<string, unknown>;
  next.result = { ...data, biometricData };
  const summary = {
    biometricValidation: v.id,
    project: v.projectId,
    projectFlow: v.flowId,
    identifier: v.identifier,
    type: v.type,
    status: next.status,
    person: personId,
    matchScore,
    livenessScore: liveness,
    riskScore,
  };
  // With 2FA the result (token and webhook) waits for the code, which is emailed once this commits.
  const events = token ? [...event(next, 'biometric_validation_validated', { ...summary, token })] : [];
  const mails: NewMail[] =
    v.options.requires2FA && v.options.email
      ? [{ validationId: v.id, kind: 'code', recipient: v.options.email, language: v.options.language }]
      : [];
  if (enrolment)
    events.push(
      ...event(next, 'biometric_validation_created_person', { ...summary, collection: v.collectionId }),
    );
  return {
    next,
    extra: { enrolment, events, mails },
    response: { success: true, data: { ...data, token } },
    enrolled:
      enrolment && v.collectionId && personId
        ? { collectionId: v.collectionId, personId, template: analysis.template }
        : undefined,
  };
}

export function imageMime(image: string, format: string | undefined) {
  const m = /^data:([\w/+.-]+);base64,/.exec(image);
  return m?.[1] ?? `image/${format ?? 'jpeg'}`;
}

export function imageBytes(image: string) {
  return new Uint8Array(Buffer.from(image.replace(/^data:[^,]*,/, ''), 'base64'));
}

function enrol(
  v: BiometricValidation,
  personId: string,
  analysis: FaceAnalysisOk,
  image: string,
  at: string,
): Enrolment {
  const collectionId = v.collectionId as string;
  return {
    person: {
      id: personId,
      clientId: v.clientId,
      projectId: v.projectId,
      collectionId,
      identifier: v.identifier,
      createdAt: at,
      updatedAt: at,
    },
    template: {
      id: objectId(),
      personId,
      collectionId,
      model: 'human-faceres',
      template: templateBytes(analysis.template),
      createdAt: at,
    },
    image: v.settings.retainFaceImages
      ? {
          id: objectId(),
          personId,
          mime: imageMime(image, analysis.image.format),
          image: imageBytes(image),
          createdAt: at,
        }
      : undefined,
  };
}

const codeError = (status: number, code: string, title: string, attemptsRemaining?: number) =>
  new ApiError(status, code, title, code, attemptsRemaining === undefined ? {} : { attemptsRemaining });

/**
 * Confirms the one-time code of a `requires2FA` validation whose face passed. Every try is counted
 * atomically in the store before the hash is compared, so concurrent guesses cannot exceed the
 * limit; the completion is claimed on the validation's version like a validate attempt.
 */
async function confirmBiometricValidationCode(ctx: AppContext, req: FastifyRequest) {
  const a = auth(req);
  const code = (req.body as { code: string }).code;
  const max = ctx.config.TWO_FA_MAX_ATTEMPTS;
  for (let round_ = 0; round_ < 5; round_++) {
    const v = await ctx.store.getValidation(a.subject);
    if (!v)
      throw notFound(
        'BIOMETRIC_VALIDATION_NOT_FOUND',
        'Biometric validation not found',
        'BIOMETRIC_VALIDATION_NOT_FOUND',
      );
    if (a.payload.sid !== v.sessionId) throw sessionExpired();
    const c = await ctx.store.getTwoFactorCode(v.id);
    if (v.status === 'completed')
      throw codeError(
        409,
        'BIOMETRIC_VALIDATION_ALREADY_COMPLETED',
        'Biometric validation already completed',
      );
    if (v.status === 'failed' && c && c.attempts >= max)
      throw codeError(409, 'CODE_ATTEMPTS_EXHAUSTED', 'Code attempts exhausted', 0);
    if (v.status === 'expired' && c && Date.parse(c.expiresAt) <= Date.parse(v.updatedAt))
      throw codeError(410, 'CODE_EXPIRED', 'Code expired');
    if (
      v.status === 'expired' ||
      (v.status === 'new' && (a.expired || Date.parse(v.expiresAt) <= Date.now()))
    )
      throw sessionExpired();
    // Once the face passed, the code's own lifetime applies, not the validation's expiresAt.
    if (v.status !== 'awaiting_2fa')
      throw codeError(
        409,
        'BIOMETRIC_VALIDATION_NOT_AWAITING_CODE',
        'Biometric validation not awaiting a code',
      );
    // The code email has not been sent yet: nothing to compare with, and no try is counted.
    if (!c) throw codeError(400, 'INVALID_CODE', 'Invalid code', max);
    if (c.consumedAt)
      throw codeError(
        409,
        'BIOMETRIC_VALIDATION_ALREADY_COMPLETED',
        'Biometric validation already completed',
      );
    if (c.attempts >= max) throw codeError(409, 'CODE_ATTEMPTS_EXHAUSTED', 'Code attempts exhausted', 0);
    const at = nowIso();
    if (Date.parse(c.expiresAt) <= Date.now()) {
      const next = { ...v, status: 'expired' as const, updatedAt: at, version: v.version + 1 };
      const expiredEvents = event(next, 'biometric_validation_expired', {
        biometricValidation: v.id,
        identifier: v.identifier,
        reason: 'CODE_EXPIRED',
      });
      if (!(await ctx.store.saveValidation(next, { events: expiredEvents }))) continue;
      ctx.webhooks?.kick();
      throw codeError(410, 'CODE_EXPIRED', 'Code expired');
    }
    const tries = await ctx.store.countCodeAttempt(v.id, max);
    if (tries === undefined) continue; // used up or consumed meanwhile: judge again from the new state
    if (!(await codeMatches(code, c))) {
      const remaining = Math.max(0, max - tries);
      if (remaining === 0) {
        const next = { ...v, status: 'failed' as const, updatedAt: at, version: v.version + 1 };
        const failedEvents = event(next, 'biometric_validation_failed', {
          biometricValidation: v.id,
          project: v.projectId,
          projectFlow: v.flowId,
          identifier: v.identifier,
          type: v.type,
          status: 'failed',
          attempts: v.attempts,
          reason: 'CODE_ATTEMPTS_EXHAUSTED',
        });
        if (await ctx.store.saveValidation(next, { events: failedEvents })) ctx.webhooks?.kick();
      }
      throw codeError(400, 'INVALID_CODE', 'Invalid code', remaining);
    }
    const result = (v.result ?? {}) as Record<string, unknown>;
    const token = await signResult(ctx, v, {
      person: v.personId,
      matchScore: typeof result.matchScore === 'number' ? result.matchScore : undefined,
      livenessScore:
        (result.biometricData as { livenessScore?: number } | undefined)?.livenessScore ?? v.livenessScore,
    });
    const data: Record<string, unknown> = { ...result, status: 'completed', completedAt: at };
    if (v.options.redirectUrl) {
      const u = new URL(v.options.redirectUrl);
      u.searchParams.set('token', token);
      data.redirectUrl = u.toString();
    }
    const next: BiometricValidation = {
      ...v,
      status: 'completed',
      completedAt: at,
      updatedAt: at,
      version: v.version + 1,
      result: data,
    };
    const events = event(next, 'biometric_validation_validated', {
      biometricValidation: v.id,
      project: v.projectId,
      projectFlow: v.flowId,
      identifier: v.identifier,
      type: v.type,
      status: 'completed',
      person: v.personId,
      matchScore: result.matchScore,
      livenessScore: v.livenessScore,
      riskScore: result.riskScore,
      token,
    });
    if (!(await ctx.store.saveValidation(next, { events, consumeCode: true }))) continue;
    ctx.webhooks?.kick();
    return { success: true, data: { ...data, token } };
  }
  throw codeError(409, 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED', 'Biometric validation already completed');
}

export const validationHandlers: Record<string, Handler> = {
  confirmBiometricValidationCode: (ctx, req) => confirmBiometricValidationCode(ctx, req),
  createBiometricValidation,
  validateBiometricValidation: (ctx, req) => validateBiometricValidation(ctx, req),
};
