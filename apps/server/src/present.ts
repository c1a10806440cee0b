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
    allowedOrigins: p.allowedOrigins,
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
    livenessMode: f.livenessMode,
    redirectUrl: f.redirectUrl,
    webhookUrl: f.webhookUrl,
    allowedRedirectOrigins: f.allowedRedirectOrigins,
    public: f.public,
    loginMatch: f.loginMatch,
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

/** What a registration's references are populated from, by Verifik's `populates` names. */
export interface RegistrationRefs {
  populates: ReadonlySet<string>;
  project?: Project;
  flow?: ProjectFlow;
}

/**
 * An app registration; its references as ids, or as objects where `refs.populates` names them.
 * `biometricValidation` is always the object on the enrolment's answer (the web SDK reads it).
 */
export function presentAppRegistration(r: AppRegistration, refs?: RegistrationRefs) {
  const populated = (name: string) => refs?.populates.has(name) ?? false;
  return clean({
    _id: r.id,
    client: r.clientId,
    project: populated('project') && refs?.project ? presentPublicProject(refs.project) : r.projectId,
    projectFlow: populated('projectFlow') && refs?.flow ? presentPublicFlow(refs.flow) : r.flowId,
    status: r.status,
    email: r.email,
    countryCode: r.countryCode,
    phone: r.phone,
    fullName: r.fullName,
    firstName: r.firstName,
    lastName: r.lastName,
    language: r.language,
    agreements: r.agreements,
    extraFields: r.extraFields,
    currentStep: r.currentStep,
    biometricValidation: populated('biometricValidation')
      ? (presentEnrolmentValidation(r) ?? null)
      : r.validationId,
    person: populated('person')
      ? r.personId
        ? { _id: r.personId, assignedCollection: r.collectionId }
        : null
      : r.personId,
    assignedCollection: r.collectionId,
    os: r.os,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  });
}

/** The biometric validation that enrolled a registration's face, if it has one. */
export function presentEnrolmentValidation(r: AppRegistration) {
  if (!r.validationId || r.livenessScore === undefined || !r.validatedAt) return undefined;
  return clean({
    _id: r.validationId,
    status: 'validated' as const,
    type: 'onboarding' as const,
    livenessScore: r.livenessScore,
    person: r.personId,
    appRegistration: r.id,
    assignedCollection: r.collectionId,
    createdAt: r.validatedAt,
  });
}

/** A project as a browser may read it (nothing secret); with its public flows when given. */
export const presentPublicProject = (p: Project, flows?: ProjectFlow[]) =>
  clean({
    _id: p.id,
    name: p.name,
    allowedCountries: [] as string[],
    projectFlows: flows?.map(presentPublicFlow),
  });

/** The steps Faceproof's onboarding serves, as Verifik's web SDK reads them. */
const ONBOARDING_STEPS = {
  signUpForm: 'mandatory',
  basicInformation: 'skip',
  document: 'skip',
  liveness: 'mandatory',
  form: 'skip',
} as const;

export const onboardingSteps = () => ({ ...ONBOARDING_STEPS });

/**
 * A flow as a browser may read it, with the `loginSettings` / `onboardingSettings` Verifik's web
 * SDK draws its pages from: no one-time codes (Faceproof sends none), the face step, the flow's
 * thresholds. The webhook URL and the collection are not shown.
 */
export function presentPublicFlow(f: ProjectFlow) {
  const thresholds = {
    livenessMinScore: f.livenessMinScore,
    searchMode: f.searchMode,
    searchMinScore: f.searchMinScore,
  };
  return clean({
    _id: f.id,
    project: f.projectId,
    type: f.type,
    status: f.status,
    name: f.name,
    redirectUrl: f.redirectUrl,
    public: f.public,
    loginMatch: f.loginMatch,
    loginSettings:
      f.type === 'login'
        ? { email: false as const, phone: false as const, faceLiveness: true as const, ...thresholds }
        : undefined,
    onboardingSettings:
      f.type === 'onboarding'
        ? {
            steps: onboardingSteps(),
            signUpForm: {
              fullName: true,
              email: false,
              phone: false,
              emailGateway: 'none' as const,
              phoneGateway: 'none' as const,
              showTermsAndConditions: false,
              showPrivacyNotice: false,
              extraFields: [] as string[],
            },
            liveness: thresholds,
            document: { compareMinScore: 0 },
          }
        : undefined,
  });
}

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

/**
 * A created validation in both documented shapes at once: nested (`biometricValidation`,
 * `livenessSession`, `token`) and flat (the validation's fields under `data`, but for its
 * `livenessSession` id, which the nested session object holds).
 */
export function presentCreated<V extends { livenessSession: string }, S, T extends string>(
  validation: V,
  session: S,
  token: T,
) {
  const { livenessSession: _sessionId, ...flat } = validation;
  return { ...flat, biometricValidation: validation, livenessSession: session, token };
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
