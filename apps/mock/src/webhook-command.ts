import { parseArgs } from 'node:util';
import { Contract } from '@faceproof/openapi';
import {
  checkSecret,
  findWebhookExample,
  listWebhookEvents,
  postDelivery,
  receiverUrl,
  signDelivery,
  testWebhookSecret,
  WebhookUsageError,
} from './webhooks.js';

/** The server's own delivery timeout, so a receiver that is too slow for it fails here too. */
const DEFAULT_TIMEOUT_SECONDS = 10;
const BODY_SHOWN_CHARS = 500;

export const WEBHOOK_USAGE = `usage: faceproof-mock webhook <event> --to <url> [--example <name>] [--secret whsec_…] [--timeout <seconds>]
       (from the repo: pnpm --filter @faceproof/mock webhook <event> --to <url> …)

Sends the spec's named example of <event> to <url> once, signed per Standard Webhooks with a fresh
webhook-id and the current webhook-timestamp, and prints what the receiver answered. Exits 1 when it
answers anything but 2xx (redirects are not followed) or cannot be reached within the timeout
(${DEFAULT_TIMEOUT_SECONDS} s unless set), 2 on a usage error. Without --secret it signs with the mock's
test secret, the spec's example project webhookSecret.`;

export type Output = { out: (line: string) => void; err: (line: string) => void };

function eventList(events: ReturnType<typeof listWebhookEvents>): string {
  return events
    .map((e) => `  ${e.event.padEnd(38)} examples: ${e.examples.map((x) => x.name).join(', ')}`)
    .join('\n');
}

/** `faceproof-mock webhook …`; resolves to the process exit code. */
export async function runWebhookCommand(args: string[], { out, err }: Output): Promise<number> {
  const contract = new Contract();
  const events = listWebhookEvents(contract.spec);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (e) {
    err(`${(e as Error).message}\n\n${WEBHOOK_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(`${WEBHOOK_USAGE}\n\nEvents:\n${eventList(events)}`);
    return 0;
  }
  const [event, ...extra] = positionals;
  if (event === undefined || values.to === undefined || extra.length > 0) {
    err(
      `${event === undefined ? 'name the event to send' : extra.length > 0 ? `one event at a time, got ${positionals.join(' ')}` : '--to <url> is required'}\n\n${WEBHOOK_USAGE}\n\nEvents:\n${eventList(events)}`,
    );
    return 2;
  }
  try {
    const { example } = findWebhookExample(events, event, values.example);
    const url = receiverUrl(values.to);
    const timeoutSeconds = Number(values.timeout ?? DEFAULT_TIMEOUT_SECONDS);
    if (!(timeoutSeconds > 0 && timeoutSeconds <= 600))
      throw new WebhookUsageError(`--timeout must be seconds between 0 and 600, got "${values.timeout}"`);
    const secret =
      values.secret === undefined ? testWebhookSecret(contract.spec) : checkSecret(contract, values.secret);
    if (values.secret === undefined)
      out(`Signing with the mock's test secret ${secret} (--secret to use yours)`);
    const delivery = signDelivery(example.value, secret);
    out(`POST ${url.href}: ${event}, example ${example.name}, webhook-id ${delivery.headers['webhook-id']}`);
    const outcome = await postDelivery(url, delivery, timeoutSeconds * 1000);
    if (outcome.status === undefined) {
      err(`Delivery failed: ${url.href} could not be reached: ${outcome.error}`);
      return 1;
    }
    const answer = `${outcome.status}${outcome.statusText ? ` ${outcome.statusText}` : ''}`;
    const body = outcome.body.length > 0 ? `\n${outcome.body.slice(0, BODY_SHOWN_CHARS)}` : '';
    if (outcome.ok) {
      out(`Delivered: the receiver answered ${answer}${body}`);
      return 0;
    }
    const why = outcome.status >= 300 && outcome.status < 400 ? ' (a redirect, not followed)' : '';
    err(`Delivery failed: the receiver answered ${answer}${why}; only a 2xx marks it delivered${body}`);
    return 1;
  } catch (e) {
    if (!(e instanceof WebhookUsageError)) throw e;
    err(e.message);
    return 2;
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      to: { type: 'string' },
      example: { type: 'string' },
      secret: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
