// Type tests of the webhook events: `pnpm typecheck` fails if a correct use stops compiling or an
// `@ts-expect-error` below stops being an error. Never run, only compiled.
import { expectTypeOf } from 'vitest';
import {
  type components,
  verifyWebhook,
  type WebhookEvent,
  type WebhookEventOf,
  type WebhookEventType,
  type webhookEventTypes,
} from '../../src/index.js';

type Schemas = components['schemas'];

// The runtime list and the type of event names are the same set, both from the spec's `webhooks:`.
expectTypeOf<(typeof webhookEventTypes)[number]>().toEqualTypeOf<WebhookEventType>();
// ...and a union of literal names, not `string`.
expectTypeOf<string>().not.toExtend<WebhookEventType>();

// Each webhook's key is the `type` of its own payload schema.
expectTypeOf<{ [T in WebhookEventType]: WebhookEventOf<T>['type'] }>().toEqualTypeOf<{
  [T in WebhookEventType]: T;
}>();
expectTypeOf<WebhookEventOf<'biometric_validation_validated'>>().toEqualTypeOf<
  Schemas['BiometricValidationValidatedEvent']
>();
expectTypeOf<WebhookEventOf<'app_registration_person_replaced'>>().toEqualTypeOf<
  Schemas['AppRegistrationPersonReplacedEvent']
>();
expectTypeOf<WebhookEvent>().not.toBeNever();

// @ts-expect-error not an event of the spec
export type NoSuchEvent = WebhookEventOf<'biometric_validation_deleted'>;

export function narrowing(event: WebhookEvent) {
  switch (event.type) {
    case 'biometric_validation_validated':
      expectTypeOf(event.data).toEqualTypeOf<Schemas['BiometricValidationValidatedEvent']['data']>();
      expectTypeOf(event.data.token).toBeString();
      expectTypeOf(event.data.livenessScore).toBeNumber();
      expectTypeOf(event.data.matchScore).toEqualTypeOf<number | undefined>();
      break;
    case 'biometric_validation_failed':
      expectTypeOf(event.data).toEqualTypeOf<Schemas['BiometricValidationFailedEvent']['data']>();
      // @ts-expect-error a failed validation carries no result token
      event.data.token;
      break;
    case 'app_registration_person_created':
    case 'app_registration_person_replaced':
      expectTypeOf(event.data).toEqualTypeOf<Schemas['AppRegistrationPersonEventData']>();
      expectTypeOf(event.data.person).toBeString();
      break;
    // @ts-expect-error not an event type
    case 'biometric_validation_deleted':
      break;
  }
  // @ts-expect-error not an event type
  if (event.type === 'person_deleted') return;
}

export async function results(secret: string, body: string, headers: Headers) {
  const r = await verifyWebhook({ secret, body, headers });
  // @ts-expect-error the event exists only once verified
  r.event.type;
  if (r.ok) {
    expectTypeOf(r.event).toEqualTypeOf<WebhookEvent>();
    expectTypeOf(r.webhookId).toBeString();
  } else if (r.code === 'unknown_event_type') {
    expectTypeOf(r.payload.type).toBeString();
  } else {
    expectTypeOf(r.code).toEqualTypeOf<
      | 'missing_headers'
      | 'invalid_timestamp'
      | 'timestamp_too_old'
      | 'timestamp_too_new'
      | 'invalid_signature'
      | 'invalid_payload'
    >();
  }
  // @ts-expect-error no such option
  await verifyWebhook({ secret, body, headers, tolerance: 10 });
  // @ts-expect-error the body must be the raw text or bytes, not parsed JSON
  await verifyWebhook({ secret, body: { type: 'biometric_validation_failed' }, headers });
}
