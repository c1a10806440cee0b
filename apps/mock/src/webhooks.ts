import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import {
  type Contract,
  type Json,
  type NamedExample,
  type OpenApiDocument,
  type Operation,
  requestExamples,
  resolveRef,
  webhookOperations,
} from '@faceproof/openapi';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import { cell, markdownTable } from './scenario-list.js';

/** One event of the spec's `webhooks:` section, with the named examples of its payload. */
export type WebhookEvent = {
  /** The webhook's name under `webhooks:`, which is also the payload's `type`. */
  event: string;
  summary: string;
  examples: NamedExample[];
  operation: Operation;
};

/** Every webhook event of the spec, in document order. */
export function listWebhookEvents(spec: OpenApiDocument): WebhookEvent[] {
  return webhookOperations(spec).map((operation) => ({
    event: operation.path,
    summary: String(operation.op.summary ?? ''),
    examples: requestExamples(spec, operation),
    operation,
  }));
}

function webhookSecretSchema(spec: OpenApiDocument): Json {
  const project = resolveRef(spec, spec.components?.schemas?.Project);
  return resolveRef(spec, project?.properties?.webhookSecret);
}

/** The README's table of events: what each is and the names `--example` accepts (the first is the default). */
export function webhookEventsTable(events: readonly WebhookEvent[]): string {
  return markdownTable(
    ['Event', 'What it is', 'Examples (`--example`, first by default)'],
    events.map((e) => [`\`${e.event}\``, cell(e.summary), e.examples.map((x) => `\`${x.name}\``).join(', ')]),
  );
}

/** A mistake in what the caller asked for (unknown event or example, bad secret or URL). */
export class WebhookUsageError extends Error {}

/**
 * The secret the mock signs with unless given one: the spec's example `webhookSecret` of a project,
 * which is also what the mock's `createProject` answers, so a project "created" on the mock and its
 * deliveries agree.
 */
export function testWebhookSecret(spec: OpenApiDocument): string {
  const secret = webhookSecretSchema(spec)?.examples?.[0];
  if (typeof secret !== 'string') throw new Error('the spec has no example Project.webhookSecret');
  return secret;
}

/** The event and its example by name; the first example when none is named. */
export function findWebhookExample(
  events: readonly WebhookEvent[],
  event: string,
  exampleName?: string,
): { event: WebhookEvent; example: NamedExample } {
  const found = events.find((e) => e.event === event);
  if (!found)
    throw new WebhookUsageError(
      `unknown webhook event "${event}"; the spec's events are: ${events.map((e) => e.event).join(', ')}`,
    );
  const example =
    exampleName === undefined ? found.examples[0] : found.examples.find((x) => x.name === exampleName);
  if (!example)
    throw new WebhookUsageError(
      found.examples.length === 0
        ? `the spec has no named example for ${event}`
        : `unknown example "${exampleName}" of ${event}; its examples are: ${found.examples.map((x) => x.name).join(', ')}`,
    );
  return { event: found, example };
}

export type SignedDelivery = { headers: Record<string, string>; body: string };

/** The delivery of a payload as the server sends it: Standard Webhooks headers over the exact body. */
export function signDelivery(
  payload: unknown,
  secret: string,
  { id = randomBytes(12).toString('hex'), now = new Date() }: { id?: string; now?: Date } = {},
): SignedDelivery {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Faceproof-Mock-Webhooks/1',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, now, body),
    },
  };
}

/** The receiver's answer, or why there was none. */
export type DeliveryOutcome =
  | { ok: boolean; status: number; statusText: string; body: string }
  | { ok: false; status?: undefined; error: string };

/**
 * POSTs a signed delivery once, like one attempt of the server's outbox (undici too, so the same
 * ports are reachable): redirects are not followed (a 3xx is a failed attempt), and no complete
 * answer within `timeoutMs` is one too.
 */
export async function postDelivery(
  url: URL,
  delivery: SignedDelivery,
  timeoutMs: number,
): Promise<DeliveryOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await request(url, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
      signal,
    });
    const body = await res.body.text();
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return { ok, status: res.statusCode, statusText: STATUS_CODES[res.statusCode] ?? '', body };
  } catch (err) {
    if (signal.aborted) return { ok: false, error: `no answer within ${timeoutMs} ms` };
    const code = (err as { code?: string }).code;
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: code && !message.includes(code) ? `${code}: ${message}` : message };
  }
}

/** A URL the CLI may deliver to: absolute, http or https. */
export function receiverUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookUsageError(`--to must be an absolute http(s) URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookUsageError(`--to must be an http(s) URL, got "${text}"`);
  return url;
}

/** A secret is checked against the spec's `Project.webhookSecret` schema, so a typo fails before signing. */
export function checkSecret(contract: Contract, secret: string): string {
  const validate = contract.compile(webhookSecretSchema(contract.spec));
  if (!validate(secret))
    throw new WebhookUsageError(
      `--secret must be a webhook secret, \`whsec_\` and base64 (${contract.ajv.errorsText(validate.errors)})`,
    );
  return secret;
}
