import { FaceproofWebhookSecretError } from './errors.js';
import type { webhooks } from './generated/schema.js';
import { webhookEventTypes } from './generated/webhook-events.js';

/** An event name of the spec's `webhooks:` section (`biometric_validation_validated`, ...). */
export type WebhookEventType = keyof webhooks;

type JsonRequestBody<Op> = Op extends { requestBody: { content: { 'application/json': infer B } } }
  ? B
  : never;

/** The payload of one event, as the spec's schema for it declares: `{ type, timestamp, data }`. */
export type WebhookEventOf<T extends WebhookEventType> = JsonRequestBody<webhooks[T]['post']>;

/** Every event Faceproof sends, discriminated on `type`: a `switch` on it narrows `data`. */
export type WebhookEvent = { [T in WebhookEventType]: WebhookEventOf<T> }[WebhookEventType];

export { webhookEventTypes };

/** Header values as `Headers` (fetch, edge runtimes) or a plain record (Node's `req.headers`). */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyWebhookInput {
  /** The project's `webhookSecret`: `whsec_` and the base64 of the key bytes. */
  secret: string;
  /** The body exactly as received: re-serialised JSON would not match its signature. */
  body: string | Uint8Array | ArrayBuffer;
  headers: WebhookHeaders;
  /** How far `webhook-timestamp` may be from `now`, in seconds; 300 unless set. */
  toleranceSeconds?: number;
  /** The current time in ms since the epoch; `Date.now` unless set (tests, clocks you trust more). */
  now?: () => number;
}

/** A verified delivery: its event, typed by `type`, and the Standard Webhooks message id. */
export interface VerifiedWebhook {
  ok: true;
  event: WebhookEvent;
  /** `webhook-id`: the same on every retry of a message, so use it to process each event once. */
  webhookId: string;
  /** `webhook-timestamp`: when this attempt was signed. */
  signedAt: Date;
  code?: undefined;
}

/** Why a delivery was refused. Answer it with a 4xx: Faceproof retries, and so would an attacker. */
export type WebhookFailureCode =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'invalid_signature'
  | 'invalid_payload';

export interface RejectedWebhook {
  ok: false;
  code: WebhookFailureCode;
  message: string;
}

/**
 * A correctly signed event whose `type` this version of the client does not know (a newer server).
 * It is genuine: answer 2xx if you do not need it, or Faceproof retries it until it gives up.
 */
export interface UnknownWebhookEvent {
  ok: false;
  code: 'unknown_event_type';
  message: string;
  webhookId: string;
  signedAt: Date;
  /** The parsed body, untyped. */
  payload: { type: string; [field: string]: unknown };
}

export type WebhookVerification = VerifiedWebhook | RejectedWebhook | UnknownWebhookEvent;

const DEFAULT_TOLERANCE_SECONDS = 5 * 60;
const SECRET_PREFIX = 'whsec_';
const utf8 = new TextEncoder();

function headerOf(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return typeof value === 'string' ? value : value?.join(' ');
}

function base64ToBytes(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function bytesToBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function bytesOf(body: string | Uint8Array | ArrayBuffer): Uint8Array {
  return typeof body === 'string' ? utf8.encode(body) : new Uint8Array(body);
}

/** Same result as `a === b`, in a time that depends only on the lengths (which are public here). */
function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

async function signatureOf(keyBytes: Uint8Array, signed: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    keyBytes as BufferSource,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return bytesToBase64(new Uint8Array(await crypto.subtle.sign('HMAC', key, signed as BufferSource)));
}

function keyOf(secret: string): Uint8Array {
  const key = base64ToBytes(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  if (!key || key.length === 0)
    throw new FaceproofWebhookSecretError('the webhook secret must be `whsec_` followed by non-empty base64');
  return key;
}

const rejected = (code: WebhookFailureCode, message: string): RejectedWebhook => ({
  ok: false,
  code,
  message,
});

/**
 * Verifies a webhook delivery per Standard Webhooks, as the spec's **Webhooks** tag describes: one
 * of the `v1` signatures of `webhook-signature` must be the HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<body>` keyed with the secret, and the timestamp must be within
 * the tolerance. Then the body is parsed into a typed event. Uses Web Crypto only, so it runs in
 * Node 20+, browsers and edge runtimes alike.
 *
 * A refused delivery is returned (`ok: false` with a `code`); only a malformed secret, a
 * configuration error, throws (`FaceproofWebhookSecretError`). The payload is trusted once its
 * signature matches: it is not validated against the schema.
 */
export async function verifyWebhook(input: VerifyWebhookInput): Promise<WebhookVerification> {
  const key = keyOf(input.secret);
  const webhookId = headerOf(input.headers, 'webhook-id');
  const timestamp = headerOf(input.headers, 'webhook-timestamp');
  const signatures = headerOf(input.headers, 'webhook-signature');
  if (!webhookId || !timestamp || !signatures)
    return rejected(
      'missing_headers',
      'webhook-id, webhook-timestamp and webhook-signature are all required',
    );
  if (!/^\d{1,15}$/.test(timestamp))
    return rejected('invalid_timestamp', 'webhook-timestamp is not a number of Unix seconds');
  const signedAtSeconds = Number(timestamp);
  const nowSeconds = Math.floor((input.now ?? Date.now)() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (nowSeconds - signedAtSeconds > tolerance)
    return rejected('timestamp_too_old', `webhook-timestamp is more than ${tolerance} s in the past`);
  if (signedAtSeconds - nowSeconds > tolerance)
    return rejected('timestamp_too_new', `webhook-timestamp is more than ${tolerance} s in the future`);

  const body = bytesOf(input.body);
  const prefix = utf8.encode(`${webhookId}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  const expected = await signatureOf(key, signed);
  // Every candidate is compared, so the time taken does not tell which one (if any) matched.
  let matched = false;
  for (const entry of signatures.split(' ')) {
    const [version, signature] = entry.split(',', 2);
    if (version === 'v1' && signature !== undefined && equalInConstantTime(signature, expected))
      matched = true;
  }
  if (!matched) return rejected('invalid_signature', 'no v1 signature of webhook-signature matches');

  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return rejected('invalid_payload', 'the signed body is not UTF-8 JSON');
  }
  if (
    typeof payload !== 'object' ||
    payload === null ||
    typeof (payload as { type?: unknown }).type !== 'string'
  )
    return rejected('invalid_payload', 'the signed body is not an event with a `type`');
  const signedAt = new Date(signedAtSeconds * 1000);
  const event = payload as { type: string; [field: string]: unknown };
  if (!(webhookEventTypes as readonly string[]).includes(event.type))
    return {
      ok: false,
      code: 'unknown_event_type',
      message: `${event.type} is not an event of this client's spec`,
      webhookId,
      signedAt,
      payload: event,
    };
  return { ok: true, event: event as unknown as WebhookEvent, webhookId, signedAt };
}
