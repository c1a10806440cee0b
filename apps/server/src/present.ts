import type {
  AppRegistration,
  BiometricValidation,
  Collection,
  Person,
  PersonCounts,
  Project,
  ProjectFlow,
  ValidationResult,
} from './flows/types.js';
import { nestedFlowSettings, profileFields } from './resources/face-recognition.js';
import type { MailStatus } from './store/types.js';

/** Drops undefined fields, so optional fields that were not set are absent (not null). */
function clean<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

export const presentProject = (p: Project, withSecret = false) =>
  clean({
    _id: p.id,
    client: p.clientId,
    name: p.name,
    webhookSecret: withSecret ? p.webhookSecret : undefined,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  });

export const presentFlow = (f: ProjectFlow) =>
  clean({
    _id: f.id,
    client: f.clientId,
    project: f.projectId,
    type: f.type,
    status: f.status,
    name: f.name,
    livenessMinScore: f.livenessMinScore,
    searchMode: f.searchMode,
    searchMinScore: f.searchMinScore,
    maxAttempts: f.maxAttempts,
    retainFaceImages: f.retainFaceImages,
    redirectUrl: f.redirectUrl,
    webhookUrl: f.webhookUrl,
    allowedRedirectOrigins: f.allowedRedirectOrigins,
    assignedCollection: f.collectionId,
    ...nestedFlowSettings(f),
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
  });

export const presentCollection = (c: Collection, persons: number) =>
  clean({
    _id: c.id,
    client: c.clientId,
    project: c.projectId,
    name: c.name,
    description: c.description,
    code: c.code,
    persons,
    deleted: false as const,
    __v: c.version,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  });

export const presentPerson = (p: Person & PersonCounts) =>
  clean({
    _id: p.id,
    client: p.clientId,
    project: p.projectId,
    collection: p.collectionId,
    collections: [p.collectionId],
    identifier: p.identifier,
    ...profileFields(p.profile),
    templates: p.templates,
    faceImages: p.faceImages,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  });

export const presentAppRegistration = (r: AppRegistration) =>
  clean({
    _id: r.id,
    client: r.clientId,
    project: r.projectId,
    projectFlow: r.flowId,
    status: r.status,
    email: r.email,
    countryCode: r.countryCode,
    phone: r.phone,
    biometricValidation: r.validationId,
    person: r.personId,
    assignedCollection: r.collectionId,
    os: r.os,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  });

/** A validation past its expiry with no final result reads as expired, even before anyone touched it. */
export function effectiveStatus(v: BiometricValidation, now = Date.now()) {
  if (v.status === 'new' && Date.parse(v.expiresAt) <= now)
    return { status: 'expired' as const, session: 'expired' as const };
  return { status: v.status, session: v.sessionStatus };
}

/** `mail`: the state of the capture-link email, for validations created with `sendViaEmail`. */
export function presentValidation(
  v: BiometricValidation,
  url: string,
  mail?: { status: MailStatus; sentAt?: string | undefined },
) {
  const { status } = effectiveStatus(v);
  return clean({
    _id: v.id,
    client: v.clientId,
    project: v.projectId,
    projectFlow: v.flowId,
    livenessSession: v.sessionId,
    identifier: v.identifier,
    status,
    type: v.type,
    url,
    livenessScore: v.livenessScore,
    assignedCollection: v.collectionId,
    collectionCode: v.collectionCode,
    requires2FA: v.options.requires2FA,
    expiresAt: v.expiresAt,
    redirectUrl: v.options.redirectUrl,
    webhookUrl: v.options.webhookUrl,
    ipAddress: v.options.ipAddress,
    sendViaEmail: v.options.sendViaEmail,
    email: v.options.email,
    language: v.options.language,
    emailStatus: mail?.status,
    emailSentAt: mail?.sentAt,
    person: v.personId,
    attempts: v.attempts,
    maxAttempts: v.maxAttempts,
    completedAt: v.completedAt,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    __v: v.version,
  });
}

export function presentSession(v: BiometricValidation) {
  const { session } = effectiveStatus(v);
  return {
    _id: v.sessionId,
    client: v.clientId,
    project: v.projectId,
    projectFlow: v.flowId,
    identifier: v.identifier,
    status: session,
    livenessResult: v.livenessResults,
    comparisonResult: v.comparisonResults,
    generalInformation: [],
    documentTypeFields: [],
    location: [],
    proFields: [],
    studioFields: [],
    promptFields: [],
    expiresAt: v.expiresAt,
    activatedAt: v.createdAt,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    __v: v.version,
  };
}

/** The validate (or confirm-2fa) success body: the result with its token and, once, the retained face image. */
export function presentResult(result: ValidationResult, token: string, faceImage?: string) {
  const biometricData = faceImage ? { faceImage, ...result.biometricData } : result.biometricData;
  return { success: true as const, data: { ...result, biometricData, token } };
}
