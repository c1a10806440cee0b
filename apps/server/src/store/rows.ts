/** Row mappers shared by the SQLite and PostgreSQL stores: both return the same columns. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  AppRegistration,
  BiometricValidation,
  Collection,
  Enrolment,
  OutboxEvent,
  Person,
  PersonCounts,
  PersonProfile,
  Project,
  ProjectFlow,
  StoredTemplate,
} from './types.js';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export type Row = Record<string, unknown>;
export const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
export const str = (v: unknown) => v as string;
export const optStr = (v: unknown) => opt(v as string | null);

export function toProject(r: Row): Project {
  return {
    id: str(r.id),
    clientId: str(r.client_id),
    name: str(r.name),
    webhookSecret: str(r.webhook_secret),
    allowedOrigins: r.allowed_origins ? (JSON.parse(str(r.allowed_origins)) as string[]) : undefined,
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

export function toFlow(r: Row): ProjectFlow {
  return {
    id: str(r.id),
    clientId: str(r.client_id),
    projectId: str(r.project_id),
    type: r.type as ProjectFlow['type'],
    status: r.status as ProjectFlow['status'],
    name: str(r.name),
    livenessMinScore: Number(r.liveness_min_score),
    searchMode: r.search_mode as ProjectFlow['searchMode'],
    searchMinScore: Number(r.search_min_score),
    maxAttempts: Number(r.max_attempts),
    retainFaceImages: Number(r.retain_face_images) === 1,
    livenessMode: r.liveness_mode as ProjectFlow['livenessMode'],
    redirectUrl: optStr(r.redirect_url),
    webhookUrl: optStr(r.webhook_url),
    allowedRedirectOrigins: r.allowed_redirect_origins
      ? (JSON.parse(str(r.allowed_redirect_origins)) as string[])
      : undefined,
    public: Number(r.public) === 1,
    loginMatch: r.login_match as ProjectFlow['loginMatch'],
    collectionId: optStr(r.collection_id),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

export function toCollection(r: Row): Collection {
  return {
    id: str(r.id),
    clientId: str(r.client_id),
    projectId: str(r.project_id),
    name: str(r.name),
    description: optStr(r.description),
    code: str(r.code),
    version: Number(r.version ?? 0),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

/** The profile columns of a person row (migration 010), when any is set. */
function profileOf(r: Row): { profile?: PersonProfile } {
  const profile: PersonProfile = {};
  const name = optStr(r.name);
  const gender = optStr(r.gender);
  const dateOfBirth = optStr(r.date_of_birth);
  const nationality = optStr(r.nationality);
  const notes = optStr(r.notes);
  if (name !== undefined) profile.name = name;
  if (gender === 'M' || gender === 'F') profile.gender = gender;
  if (dateOfBirth !== undefined) profile.dateOfBirth = dateOfBirth;
  if (nationality !== undefined) profile.nationality = nationality;
  if (notes !== undefined) profile.notes = notes;
  return Object.keys(profile).length ? { profile } : {};
}

export function toPerson(r: Row): Person & PersonCounts {
  return {
    id: str(r.id),
    clientId: str(r.client_id),
    projectId: str(r.project_id),
    collectionId: str(r.collection_id),
    identifier: str(r.identifier),
    ...profileOf(r),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
    templates: Number(r.templates ?? 0),
    faceImages: Number(r.face_images ?? 0),
  };
}

export function toValidation(r: Row): BiometricValidation {
  return {
    id: str(r.id),
    clientId: str(r.client_id),
    projectId: str(r.project_id),
    flowId: str(r.flow_id),
    sessionId: str(r.session_id),
    sessionStatus: r.session_status as BiometricValidation['sessionStatus'],
    identifier: str(r.identifier),
    type: r.type as BiometricValidation['type'],
    status: r.status as BiometricValidation['status'],
    // Validations created before liveness modes (migration 008) ran the single-image check.
    settings: { livenessMode: 'passive', ...JSON.parse(str(r.settings)) },
    options: JSON.parse(str(r.options)),
    collectionId: optStr(r.collection_id),
    collectionCode: optStr(r.collection_code),
    personId: optStr(r.person_id),
    livenessScore: Number(r.liveness_score),
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    livenessResults: JSON.parse(str(r.liveness_results)),
    comparisonResults: JSON.parse(str(r.comparison_results)),
    result: r.result ? JSON.parse(str(r.result)) : undefined,
    expiresAt: str(r.expires_at),
    completedAt: optStr(r.completed_at),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
    version: Number(r.version),
  };
}

export function toAppRegistration(r: Row): AppRegistration {
  return {
    id: str(r.id),
    clientId: str(r.client_id),
    projectId: str(r.project_id),
    flowId: str(r.flow_id),
    status: r.status as AppRegistration['status'],
    email: optStr(r.email),
    countryCode: optStr(r.country_code),
    phone: optStr(r.phone),
    os: optStr(r.os) as AppRegistration['os'],
    personId: optStr(r.person_id),
    validationId: optStr(r.validation_id),
    livenessScore:
      r.liveness_score === null || r.liveness_score === undefined ? undefined : Number(r.liveness_score),
    validatedAt: optStr(r.validated_at),
    collectionId: optStr(r.collection_id),
    fullName: optStr(r.full_name),
    firstName: optStr(r.first_name),
    lastName: optStr(r.last_name),
    language: optStr(r.language),
    agreements: r.agreements === null || r.agreements === undefined ? undefined : Number(r.agreements) === 1,
    extraFields: r.extra_fields ? (JSON.parse(str(r.extra_fields)) as Record<string, string>) : undefined,
    currentStep: optStr(r.current_step),
    expiresAt: str(r.expires_at),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

export function toOutbox(r: Row): OutboxEvent {
  return {
    id: str(r.id),
    projectId: str(r.project_id),
    eventType: str(r.event_type),
    url: str(r.url),
    payload: str(r.payload),
    status: r.status as OutboxEvent['status'],
    attempts: Number(r.attempts),
    nextAttemptAt: str(r.next_attempt_at),
    lastError: optStr(r.last_error),
    createdAt: str(r.created_at),
    deliveredAt: optStr(r.delivered_at),
    claimedUntil: optStr(r.claimed_until),
    claimedBy: optStr(r.claimed_by),
  };
}

export function toTemplate(r: Row): StoredTemplate {
  return {
    id: str(r.id),
    personId: str(r.person_id),
    collectionId: str(r.collection_id),
    model: str(r.model),
    template: r.template as Uint8Array,
    createdAt: str(r.created_at),
    ...(r.seq !== undefined && r.seq !== null ? { seq: Number(r.seq) } : {}),
  };
}

/** A held enrolment (`held_enrolments` and its `held_templates`) as the enrolment it will become. */
export function toHeldEnrolment(r: Row, templates: readonly Row[]): Enrolment {
  const personId = str(r.person_id);
  const at = str(r.created_at);
  return {
    person: {
      id: personId,
      clientId: str(r.client_id),
      projectId: str(r.project_id),
      collectionId: str(r.collection_id),
      identifier: str(r.identifier),
      createdAt: at,
      updatedAt: at,
    },
    templates: templates.map((t) => ({
      id: str(t.template_id),
      personId,
      collectionId: str(r.collection_id),
      model: str(t.model),
      template: t.template as Uint8Array,
      createdAt: at,
    })),
    ...(r.image_id
      ? {
          image: {
            id: str(r.image_id),
            personId,
            mime: str(r.image_mime),
            image: r.image as Uint8Array,
            createdAt: at,
          },
        }
      : {}),
  };
}

/** The numbered migrations of a dialect: `migrations/NNN_*.sql`, each replaced by
 * `migrations/<dialect>/NNN_*.sql` where that dialect needs other SQL for the same version. */
export function migrationFiles(dialect: 'sqlite' | 'postgres'): { version: number; file: string }[] {
  const pick = new Map<number, string>();
  const numbered = (dir: string) =>
    existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+_.*\.sql$/.test(f)) : [];
  for (const f of numbered(MIGRATIONS_DIR)) pick.set(Number.parseInt(f, 10), path.join(MIGRATIONS_DIR, f));
  const own = path.join(MIGRATIONS_DIR, dialect);
  for (const f of numbered(own)) pick.set(Number.parseInt(f, 10), path.join(own, f));
  return [...pick].sort((a, b) => a[0] - b[0]).map(([version, file]) => ({ version, file }));
}

export const n = <T extends string | number>(v: T | undefined | null): T | null => v ?? null;
