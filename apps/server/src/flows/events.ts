import type { webhooks } from '@faceproof/openapi/types';
import type { AppRegistration, BiometricValidation, NewOutboxEvent } from './types.js';

/**
 * The webhook events and their payloads, as the spec's `webhooks:` section declares them.
 * Optional fields are omitted, never null; `livenessScore` is always the liveness of the attempt
 * that passed, rounded to 3 decimals, as the validate response's `biometricData.livenessScore`.
 */
export type EventType = keyof webhooks;
type EventBody<E extends EventType> = webhooks[E]['post']['requestBody']['content']['application/json'];
export type EventData = { [E in EventType]: EventBody<E>['data'] };

type ValidationEventType = Exclude<EventType, `app_registration_${string}`>;
/** The fields that identify the validation in each of its events. */
type ValidationFields = 'biometricValidation' | 'project' | 'projectFlow' | 'identifier' | 'type';
type AppRegistrationFields = 'appRegistration' | 'project' | 'projectFlow';

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
export function validationEvent<E extends ValidationEventType>(
  v: BiometricValidation,
  type: E,
  data: Omit<EventData[E], ValidationFields>,
): NewOutboxEvent[] {
  const fields: Pick<EventData[E], ValidationFields> = {
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
  data: Omit<EventData['app_registration_person_created'], AppRegistrationFields>,
): NewOutboxEvent[] {
  const type = replaced ? 'app_registration_person_replaced' : 'app_registration_person_created';
  return outboxEvent({ projectId: r.projectId, webhookUrl }, type, r.updatedAt, {
    appRegistration: r.id,
    project: r.projectId,
    projectFlow: r.flowId,
    ...data,
  });
}
