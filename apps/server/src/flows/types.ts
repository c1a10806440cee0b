import type { components } from '@faceproof/openapi/types';

/**
 * The domain: what the flows decide about and the store persists. The store imports these; the
 * flows never import the store. Enums and the shapes the API presents come from the spec's
 * generated types.
 */
type Schemas = components['schemas'];

export interface Project {
  id: string;
  clientId: string;
  name: string;
  webhookSecret: string;
  /** The browser origins the public flows of this project answer (CORS), when set. */
  allowedOrigins?: string[];
  createdAt: string;
  updatedAt: string;
}

export type FlowType = Schemas['ProjectFlowType'];
export type FlowStatus = Schemas['ProjectFlowStatus'];
export type SearchMode = Schemas['SearchMode'];
export type LivenessMode = Schemas['LivenessMode'];
export type ChallengeStep = Schemas['LivenessChallengeStep'];
export type ActiveLivenessReport = Schemas['ActiveLivenessReport'];
export type LoginMatch = Schemas['LoginMatch'];

export interface FlowSettings {
  livenessMinScore: number;
  searchMode: SearchMode;
  searchMinScore: number;
  maxAttempts: number;
  retainFaceImages: boolean;
  /** How liveness is proved (issue 14); validations stored before it read as `passive`. */
  livenessMode: LivenessMode;
  /** How a login finds its person; absent on validations made before it existed: `identifier`. */
  loginMatch?: LoginMatch;
}

export interface ProjectFlow extends FlowSettings {
  id: string;
  clientId: string;
  projectId: string;
  type: FlowType;
  status: FlowStatus;
  name: string;
  redirectUrl?: string;
  webhookUrl?: string;
  /** The only origins a redirectUrl of this flow may have, when set. */
  allowedRedirectOrigins?: string[];
  /** Whether a browser may start it without a client token (by project and flow id). */
  public: boolean;
  /** How a login of this flow finds its person: the 1:N search, or the identifier's enrolment. */
  loginMatch: LoginMatch;
  collectionId?: string;
  createdAt: string;
  updatedAt: string;
}

export interface Collection {
  id: string;
  clientId: string;
  projectId: string;
  name: string;
  description?: string;
  code: string;
  /** How many times the collection was updated (Verifik's `__v`). */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What Verifik records about a person besides their face; absent for persons a validation enrolled. */
export interface PersonProfile {
  name?: string;
  gender?: 'M' | 'F';
  /** `YYYY-MM-DD`. */
  dateOfBirth?: string;
  nationality?: string;
  notes?: string;
}

export interface Person {
  id: string;
  clientId: string;
  projectId: string;
  collectionId: string;
  identifier: string;
  profile?: PersonProfile;
  createdAt: string;
  updatedAt: string;
}

export interface PersonCounts {
  templates: number;
  faceImages: number;
}

export interface StoredTemplate {
  id: string;
  personId: string;
  collectionId: string;
  /** The model that made it (`TemplateModel.id`): templates of different models never compare. */
  model: string;
  template: Uint8Array;
  createdAt: string;
  /** PostgreSQL: the order templates were written in, the commit order within a collection. */
  seq?: number;
}

export interface FaceImageRecord {
  id: string;
  personId: string;
  mime: string;
  image: Uint8Array;
  createdAt: string;
}

/**
 * A person to create together with its first templates, one per stored model (and image, when the flow
 * retains images).
 */
export interface Enrolment {
  person: Person;
  templates: StoredTemplate[];
  image?: FaceImageRecord;
  /** With `replacePersonId`, the templates and images of that person are replaced instead. */
  replacePersonId?: string;
}

/** A matched person's new templates (one per stored model), replacing its templates of those models. */
export interface TemplateRefresh {
  personId: string;
  collectionId: string;
  templates: StoredTemplate[];
}

export type ValidationType = Schemas['BiometricValidationType'];
export type ValidationStatus = Schemas['BiometricValidationStatus'];
export type SessionStatus = Schemas['LivenessSession']['status'];
export type Language = Schemas['Language'];

export interface LivenessResultEntry {
  score: number;
  passed: boolean;
  createdAt: string;
  /** An active attempt's challenge and checks. */
  liveness?: ActiveLivenessReport;
}

export interface ComparisonResultEntry {
  person?: string;
  score: number;
  passed: boolean;
  createdAt: string;
}

/** Request options echoed on the validation (absent when not sent). */
export interface ValidationOptions {
  redirectUrl?: string;
  webhookUrl?: string;
  ipAddress?: string;
  email?: string;
  requires2FA: boolean;
  sendViaEmail: boolean;
  language: Language;
}

/**
 * What the passing attempt decided, as the validate response presented it (the spec's
 * BiometricValidationResult) without the token and the face image: person, matchScore, the
 * liveness of the passing attempt (`biometricData.livenessScore`, the number every event and
 * token reports), riskScore and quality. It is the audit copy, and confirm-2fa completes from it;
 * rows already stored keep this shape. `redirectUrl` is set once there is a result token.
 */
export type ValidationResult = Omit<Schemas['BiometricValidationResult'], 'token' | 'biometricData'> & {
  biometricData: Omit<Schemas['BiometricData'], 'faceImage'>;
};

export interface BiometricValidation {
  id: string;
  clientId: string;
  projectId: string;
  flowId: string;
  sessionId: string;
  sessionStatus: SessionStatus;
  identifier: string;
  type: ValidationType;
  status: ValidationStatus;
  /** The flow's settings when the validation was created; later flow changes do not apply. */
  settings: FlowSettings;
  options: ValidationOptions;
  collectionId?: string;
  collectionCode?: string;
  personId?: string;
  /** The best liveness score over the attempts (the validation's `livenessScore`). */
  livenessScore: number;
  attempts: number;
  maxAttempts: number;
  livenessResults: LivenessResultEntry[];
  comparisonResults: ComparisonResultEntry[];
  result?: ValidationResult;
  expiresAt: string;
  completedAt?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/**
 * A challenge issued to a validation (bound to its liveness session and to the attempt count when
 * issued) or to an app registration. Closed once answered or replaced.
 */
export interface LivenessChallenge {
  id: string;
  subjectKind: 'validation' | 'app-registration';
  subjectId: string;
  sessionId?: string;
  attempt: number;
  steps: ChallengeStep[];
  issuedAt: string;
  expiresAt: string;
  closedAt?: string;
}

export type AppRegistrationStatus = Schemas['AppRegistrationStatus'];
export type DeviceOs = Schemas['DeviceOs'];

export interface AppRegistration {
  id: string;
  clientId: string;
  projectId: string;
  flowId: string;
  status: AppRegistrationStatus;
  email?: string;
  countryCode?: string;
  phone?: string;
  os?: DeviceOs;
  personId?: string;
  /** The biometric validation that enrolled the face, with its liveness score and when it passed. */
  validationId?: string;
  livenessScore?: number;
  validatedAt?: string;
  collectionId?: string;
  fullName?: string;
  firstName?: string;
  lastName?: string;
  language?: string;
  agreements?: boolean;
  extraFields?: Record<string, string>;
  /** The onboarding step the end user's app last synced. */
  currentStep?: string;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

/** A webhook event to deliver once the change that raised it is committed. */
export interface NewOutboxEvent {
  projectId: string;
  eventType: string;
  url: string;
  payload: Record<string, unknown>;
}

export type MailKind = 'link' | 'code';

/** An email to send once the change that asked for it is committed. */
export interface NewMail {
  validationId: string;
  kind: MailKind;
  recipient: string;
  language: Language;
}

export interface TwoFactorCode {
  validationId: string;
  /** scrypt of the code with `salt`, hex. */
  hash: string;
  salt: string;
  attempts: number;
  expiresAt: string;
  createdAt: string;
  consumedAt?: string;
}
