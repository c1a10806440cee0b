import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { verifyWebhook } from '@faceproof/client';
import { Contract } from '@faceproof/openapi';
import { freePort } from '@faceproof/process-testing';
import { afterEach, describe, expect, it } from 'vitest';
import { listWebhookEvents, testWebhookSecret, webhookEventsTable } from '../src/webhooks.js';

const contract = new Contract();
const { spec } = contract;
const events = listWebhookEvents(spec);
const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

type Received = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
type Receiver = { url: string; received: Received[]; close: () => Promise<void> };

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A webhook receiver on loopback that records each request and answers with `answer`. */
async function startReceiver(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) =>
    res.writeHead(204).end(),
): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver = {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  receivers.push(receiver);
  return receiver;
}

type Run = { code: number; stdout: string; stderr: string };

/** `faceproof-mock webhook …` as a user runs it. */
function webhookCli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, 'webhook', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function headersOf(received: Received): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(received.headers))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  return headers;
}

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

describe('webhook command: one delivery per event of the spec', () => {
  it('the spec has webhook events, each with a named example', () => {
    expect(contract.webhooks.length).toBeGreaterThan(0);
    for (const e of events) expect(e.examples.length, e.event).toBeGreaterThan(0);
  });

  for (const operation of contract.webhooks) {
    const event = operation.path;
    const examples = events.find((e) => e.event === event)?.examples ?? [];
    for (const example of examples) {
      it(`${event} (${example.name}) arrives signed, verifiable and valid against its schema`, async () => {
        const receiver = await startReceiver();
        const run = await webhookCli(event, '--example', example.name, '--to', receiver.url);
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('answered 204');
        expect(receiver.received).toHaveLength(1);
        const [delivery] = receiver.received as [Received];
        expect(delivery.method).toBe('POST');
        expect(delivery.url).toBe('/webhooks');

        const verified = await verifyWebhook({
          secret: testWebhookSecret(spec),
          body: delivery.body,
          headers: delivery.headers,
          toleranceSeconds: 60,
        });
        expect(verified.ok, verified.ok ? '' : verified.message).toBe(true);
        if (!verified.ok) return;
        expect(verified.event.type).toBe(event);
        expect(verified.event).toEqual(example.value);
        expect(
          contract.requestViolations(operation, { headers: headersOf(delivery), text: delivery.body }),
        ).toEqual([]);
      });
    }
  }

  it('sends the first example when none is named, and prints the test secret it signed with', async () => {
    const [first] = events as [(typeof events)[number]];
    const receiver = await startReceiver();
    const run = await webhookCli(first.event, '--to', receiver.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(testWebhookSecret(spec));
    expect(JSON.parse(receiver.received[0]?.body ?? 'null')).toEqual(first.examples[0]?.value);
  });

  it("the test secret is the webhookSecret the mock's createProject answers", () => {
    const created = contract
      .responseExamples()
      .filter((x) => x.operationId === 'createProject' && x.status.startsWith('2'));
    expect(created.length).toBeGreaterThan(0);
    for (const x of created) expect(x.value.data.webhookSecret).toBe(testWebhookSecret(spec));
  });

  it('signs with --secret when given, so the test secret no longer verifies', async () => {
    const secret = newSecret();
    const [first] = events as [(typeof events)[number]];
    const receiver = await startReceiver();
    const run = await webhookCli(first.event, '--to', receiver.url, '--secret', secret);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(testWebhookSecret(spec));
    const [delivery] = receiver.received as [Received];
    const withGiven = await verifyWebhook({ secret, body: delivery.body, headers: delivery.headers });
    expect(withGiven.ok).toBe(true);
    const withTest = await verifyWebhook({
      secret: testWebhookSecret(spec),
      body: delivery.body,
      headers: delivery.headers,
    });
    expect(withTest.ok ? 'verified' : withTest.code).toBe('invalid_signature');
  });

  it('gives every delivery a fresh webhook-id and the current timestamp', async () => {
    const [first] = events as [(typeof events)[number]];
    const receiver = await startReceiver();
    const before = Math.floor(Date.now() / 1000);
    expect((await webhookCli(first.event, '--to', receiver.url)).code).toBe(0);
    expect((await webhookCli(first.event, '--to', receiver.url)).code).toBe(0);
    const after = Math.ceil(Date.now() / 1000);
    const [a, b] = receiver.received as [Received, Received];
    expect(a.headers['webhook-id']).not.toBe(b.headers['webhook-id']);
    for (const { headers } of [a, b]) {
      const timestamp = Number(headers['webhook-timestamp']);
      expect(timestamp).toBeGreaterThanOrEqual(before);
      expect(timestamp).toBeLessThanOrEqual(after);
    }
  });
});

describe('webhook command: errors', () => {
  it('an unknown event fails with the list of the spec events, sending nothing', async () => {
    const receiver = await startReceiver();
    const run = await webhookCli('biometric_validation_teleported', '--to', receiver.url);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown webhook event "biometric_validation_teleported"');
    for (const operation of contract.webhooks) expect(run.stderr).toContain(operation.path);
    expect(receiver.received).toHaveLength(0);
  });

  it('an unknown example fails with the list of that event examples, sending nothing', async () => {
    const [first] = events as [(typeof events)[number]];
    const receiver = await startReceiver();
    const run = await webhookCli(first.event, '--example', 'noSuchExample', '--to', receiver.url);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`unknown example "noSuchExample" of ${first.event}`);
    for (const example of first.examples) expect(run.stderr).toContain(example.name);
    expect(receiver.received).toHaveLength(0);
  });

  it('a receiver answering 500 makes it fail with that status and the body', async () => {
    const receiver = await startReceiver((_req, res) =>
      res.writeHead(500, { 'content-type': 'text/plain' }).end('database down'),
    );
    const run = await webhookCli((events[0] as (typeof events)[number]).event, '--to', receiver.url);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('answered 500 Internal Server Error');
    expect(run.stderr).toContain('database down');
    expect(receiver.received).toHaveLength(1);
  });

  it('a redirect is not followed and counts as a failure', async () => {
    const receiver = await startReceiver((req, res) =>
      req.url === '/webhooks'
        ? res.writeHead(307, { location: '/elsewhere' }).end()
        : res.writeHead(204).end(),
    );
    const run = await webhookCli((events[0] as (typeof events)[number]).event, '--to', receiver.url);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('answered 307');
    expect(run.stderr).toContain('not followed');
    expect(receiver.received.map((r) => r.url)).toEqual(['/webhooks']);
  });

  it('nothing listening makes it fail with the connection error', async () => {
    const port = await freePort();
    const run = await webhookCli(
      (events[0] as (typeof events)[number]).event,
      '--to',
      `http://127.0.0.1:${port}/webhooks`,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('could not be reached');
    expect(run.stderr).toContain('ECONNREFUSED');
  });

  it('a receiver that never answers fails after the timeout', async () => {
    const receiver = await startReceiver(() => {
      // Holds the request open: the command must give up by itself.
    });
    const run = await webhookCli(
      (events[0] as (typeof events)[number]).event,
      '--to',
      receiver.url,
      '--timeout',
      '0.5',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no answer within 500 ms');
  });

  it('a malformed secret, URL or option is a usage error', async () => {
    const event = (events[0] as (typeof events)[number]).event;
    const badSecret = await webhookCli(event, '--to', 'http://127.0.0.1:9/', '--secret', 'not-a-secret');
    expect(badSecret.code).toBe(2);
    expect(badSecret.stderr).toContain('--secret must be a webhook secret');
    const badUrl = await webhookCli(event, '--to', 'ftp://127.0.0.1/');
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--to must be an http(s) URL');
    const missingTo = await webhookCli(event);
    expect(missingTo.code).toBe(2);
    expect(missingTo.stderr).toContain('--to <url> is required');
    const unknownOption = await webhookCli(event, '--to', 'http://127.0.0.1:9/', '--retries', '3');
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("Unknown option '--retries'");
  });
});

describe('webhook events table', () => {
  it('the README lists every event of the spec with its examples', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    expect(readme).toContain(webhookEventsTable(events));
    for (const operation of contract.webhooks) expect(readme).toContain(`\`${operation.path}\``);
  });
});
