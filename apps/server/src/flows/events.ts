import type { AppRegistration, BiometricValidation, NewOutboxEvent, ValidationType } from './types.js';

/**
 * The webhook events and their payloads (the `webhooks:` section of the spec). Optional fields are
 * omitted, never null; `livenessScore` is always the liveness of the attempt that passed, rounded
 * to 3 decimals, as the validate response's `biometricData.livenessScore`.
 */
interface ValidationFields {
  biometricValidation: string;
  project: string;
  projectFlow: string;
  identifier: string;
  type: ValidationType;
}

export interface ValidatedData extends ValidationFields {
  status: 'completed';
  person?: string;
  matchScore?: number;
  livenessScore: number;
  riskScore: number;
  token: string;
}

export interface CreatedPersonData extends Omit<ValidatedData, 'token' | 'status'> {
  status: 'completed' | 'awaiting_2fa';
  collection: string;
}

export interface FailedData extends ValidationFields {
  status: 'failed';
  attempts: number;
  /** The error code of the last failed attempt, e.g. LIVENESS_DETECTION_FAILED or CODE_ATTEMPTS_EXHAUSTED. */
  reason: string;
}

export interface ExpiredData extends ValidationFields {
  status: 'expired';
  reason: 'LIVENESS_SESSION_EXPIRED' | 'CODE_EXPIRED';
}

export interface AppRegistrationPersonData {
  appRegistration: string;
  project: string;
  projectFlow: string;
  person: string;
  collection: string;
  livenessScore: number;
}

export interface EventData {
  biometric_validation_validated: ValidatedData;
  biometric_validation_created_person: CreatedPersonData;
  biometric_validation_failed: FailedData;
  biometric_validation_expired: ExpiredData;
  app_registration_person_created: AppRegistrationPersonData;
  app_registration_person_replaced: AppRegistrationPersonData;
}

export type EventType = keyof EventData;

/** Drops undefined fields, so optional fields that were not set are absent. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as T;
}

/** The outbox rows of one event: none when there is no webhook URL to deliver it to. */
export function outboxEvent<E extends EventType>(
  target: { projectId: string; webhookUrl: string | undefined },
  type: E,
  timestamp: string,
  data: EventData[E],
): NewOutboxEvent[] {
  if (!target.webhookUrl) return [];
  return [
    {
      projectId: target.projectId,
      eventType: type,
      url: target.webhookUrl,
      payload: { type, timestamp, data: defined(data) },
    },
  ];
}

/** An event about `v` as saved (its `updatedAt` is the event's timestamp). */
export function validationEvent<E extends Exclude<EventType, `app_registration_${string}`>>(
  v: BiometricValidation,
  type: E,
  data: Omit<EventData[E], keyof ValidationFields>,
): NewOutboxEvent[] {
  const fields: ValidationFields = {
    biometricValidation: v.id,
    project: v.projectId,
    projectFlow: v.flowId,
    identifier: v.identifier,
    type: v.type,
  };
  return outboxEvent({ projectId: v.projectId, webhookUrl: v.options.webhookUrl }, type, v.updatedAt, {
    ...fields,
    ...data,
  } as EventData[E]);
}

export function appRegistrationEvent(
  r: AppRegistration,
  webhookUrl: string | undefined,
  replaced: boolean,
  data: Omit<AppRegistrationPersonData, 'appRegistration' | 'project' | 'projectFlow'>,
): NewOutboxEvent[] {
  const type = replaced ? 'app_registration_person_replaced' : 'app_registration_person_created';
  return outboxEvent({ projectId: r.projectId, webhookUrl }, type, r.updatedAt, {
    appRegistration: r.id,
    project: r.projectId,
    projectFlow: r.flowId,
    ...data,
  });
}
